"""allauth's forms in the site's words: its field labels ("Remember Me", "Password (again)") replaced by
the page's own, sentence case and translated, so the labels and the error summary agree; and no
placeholders, which only repeated the labels in other words and vanish as one types."""

from django import template

register = template.Library()


@register.simple_tag
def relabel(form, **labels) -> str:
    """`{% relabel form login=email_label %}`: names each of the form's fields that is there and drops
    every field's placeholder (a form's fields and widgets are its own copies). Outputs nothing."""
    for name, field in form.fields.items():
        field.widget.attrs.pop("placeholder", None)
        if name in labels:
            field.label = labels[name]
            # Validation (Django 5) made the bound fields already, each with its own copy of the label.
            form[name].label = labels[name]
    return ""

"""What the site's forms and the admin's forms share."""

from django import forms

from .exceptions import ServiceError


def add_service_error(form: forms.Form, error: ServiceError) -> None:
    """Put a service's refusal on the form: each field error on its field when the form has it, the
    message at the top of the form otherwise. Nothing was written when a service refused."""
    placed = False
    for name, messages in error.fields.items():
        if name in form.fields:
            for message in messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class ScopeBlock(blocks.StructBlock):
    """What is and what is not on the table: said plainly so nobody spends effort on a closed question."""

    on_the_table = blocks.ListBlock(blocks.CharBlock(max_length=200), label=_("On the table"))
    not_on_the_table = blocks.ListBlock(blocks.CharBlock(max_length=200), label=_("Not on the table"))

    class Meta:
        icon = "list-ul"
        label = _("Scope")
        template = "cms/blocks/scope.html"


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(form_classname="title", max_length=120, icon="title", label=_("Heading"))
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul"], icon="pilcrow", label=_("Paragraph")
    )
    scope = ScopeBlock()
    quote = blocks.BlockQuoteBlock(icon="openquote", label=_("Quote"))

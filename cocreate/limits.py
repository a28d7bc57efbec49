"""Character limits said as the reader's language writes numbers (10,000 in English; 10 000 in French, with
a narrow no-break space: cocreate.formats), the same on the pages, in the API and in the services' errors,
where Django's and DRF's own messages would write 10000; and the API's text fields (Text, Slug), which take
strings only, within those limits."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.formats import number_format
from django.utils.translation import gettext
from rest_framework import serializers


def grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


def at_most(limit: int) -> str:
    """A field's error for text over `limit` characters, when its length is not at hand."""
    return gettext("At most %(n)s characters.") % {"n": grouped(limit)}


class MaxLength(MaxLengthValidator):
    """Django's check of a text's length (for forms and DRF fields alike), its message with both numbers
    grouped."""

    def __call__(self, value):
        length = self.clean(value)
        if length > self.limit_value:
            message = gettext("Too long: %(count)s characters, for %(limit)s at most.")
            raise ValidationError(
                message % {"count": grouped(length), "limit": grouped(self.limit_value)}, code=self.code
            )


class StringsOnly:
    """For DRF's CharField and its subclasses: text a client sends must be a string. DRF's own fields turn a
    number into its digits (`{"title": 123}` would be titled "123"); these refuse it as they refuse a
    boolean, a list or an object, with DRF's "Not a valid string." naming the field."""

    default_error_messages = {"not_a_string": serializers.CharField.default_error_messages["invalid"]}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class Text(StringsOnly, serializers.CharField):
    """The CharField of every serializer that reads a client's text: strings only (StringsOnly), and
    MaxLength for its max_length (which still documents the limit in the schema)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.max_length is not None:
            self.validators = [
                MaxLength(self.max_length) if isinstance(validator, MaxLengthValidator) else validator
                for validator in self.validators
            ]


class Slug(StringsOnly, serializers.SlugField):
    """DRF's SlugField, strings only (a number is no slug the client typed)."""

"""Query parameters as the API promises them: a parameter that is present must have a value of its type.
`?status=`, `?page_size=abc` or `?unread=null` is a 400 in the common error body naming the parameter,
never read as "no filter" or as the default: a client that lost a value must not silently get something
other than what it asked for. Parameters the endpoint does not know are ignored.

One rule for every endpoint: its parameters are read by a DRF serializer from `strict_query` (views call
`query_params`; paginated lists use `StrictPagination`, which reads `page` and `page_size` the same way).
A write's body, likewise, is a JSON object read by its serializer (`json_body`)."""

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from cocreate.exceptions import ServiceError

BAD_PARAMETER = OpenApiResponse(
    description="A query parameter without a value of its type (empty, `null`, out of range or not one of "
    "its choices): the common error body, naming it in `fields`."
)


def strict_query(query: QueryDict) -> dict[str, str]:
    """The query string as a plain dict, for a params serializer. Given a QueryDict, DRF reads an empty
    optional parameter (`?status=`) as no parameter at all, so a filter that lost its value would silently
    widen the results; from a dict, it is a 400 naming the parameter. A repeated parameter counts once,
    its last value."""
    return query.dict()


def query_params(serializer_class: type[serializers.Serializer], request: Request, **context: Any) -> dict:
    """The request's query parameters validated by `serializer_class` (a ValidationError, so the common
    400, naming each bad one); `context` is passed to the serializer."""
    serializer = serializer_class(data=strict_query(request.query_params), context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def json_body(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """The request's JSON object validated by `serializer_class`: 400 `malformed_request` for anything but
    an object, the common 400 naming each bad field otherwise."""
    if not isinstance(request.data, dict):
        raise ServiceError(_("Send a JSON object."), code="malformed_request")
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PageParamsSerializer(serializers.Serializer):
    """`page` and `page_size`, this one up to the paginator's `max_page_size` (in the context)."""

    page = serializers.IntegerField(required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        largest = self.context["max_page_size"]
        self.fields["page_size"] = serializers.IntegerField(required=False, min_value=1, max_value=largest)


class StrictPagination(PageNumberPagination):
    """DRF's page-number pagination with `page` and `page_size` read as every other parameter: DRF reads a
    `page_size` it cannot use (`abc`, `0`, `-3`, `null`, empty, over the maximum) as the default size, and
    answers a `page` that is no number with a 404. Here both are a 400 naming the parameter; a page past the
    last one is still a 404 (`not_found`)."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self._params = query_params(PageParamsSerializer, request, max_page_size=self.max_page_size)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request) -> int:
        return self._params.get("page_size", self.page_size)

    def get_page_number(self, request, paginator) -> int:
        return self._params.get("page", 1)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {
                "minimum": 1,
                "maximum": self.max_page_size,
                "default": self.page_size,
            },
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters

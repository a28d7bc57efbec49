"""What the OpenAPI schema promises each operation may answer, checked two ways.

Answers: tests/api/conftest.py records every answer the API tests get and fails a test whose answers
include one the schema does not document: a status missing from the operation's responses, an
`error.code` missing from that status's codes, or a field refused as missing that the schema does not mark
as required. Source: `view_errors` reads which domain errors a view's code can end in, which
tests/api/test_schema.py finds in the schema. So a view that starts to answer something new must say so
in its extend_schema (cocreate.schema.refusal), or the tests fail."""

import ast
import functools
import inspect
import json
import re
import textwrap
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from cocreate.exceptions import ServiceError, error_body
from cocreate.schema import error_codes

API_PREFIX = "/api/v1/"


@functools.cache
def schema() -> dict:
    """The schema as /api/schema/ serves it (hooks included), generated once per run."""
    return SchemaGenerator().get_schema(request=None, public=True)


@functools.cache
def _templates() -> list[tuple[re.Pattern, str]]:
    """Each path of the schema as a pattern, literal ones first (proposals/similar/ before {id}/)."""
    paths = sorted(schema()["paths"], key=lambda path: (path.count("{"), path))
    return [
        (re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$"), path) for path in paths
    ]


def path_template(path: str) -> str | None:
    return next((template for pattern, template in _templates() if pattern.match(path)), None)


@functools.cache
def _required_messages() -> frozenset[str]:
    """DRF's "This field is required." in every language of the site."""
    messages = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            messages.add(str(serializers.Field.default_error_messages["required"]))
    return frozenset(messages)


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = schema()["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def required_inputs(operation: dict) -> set[str]:
    """The fields of the body (JSON, or a multipart form for a file) and the parameters the schema says a
    client must send."""
    required = {p["name"] for p in operation.get("parameters", []) if p.get("required")}
    body = operation.get("requestBody", {})
    if body.get("required"):
        for content in body.get("content", {}).values():
            required |= set(_resolve(content["schema"]).get("required", []))
    return required


@dataclass(frozen=True)
class Answer:
    method: str
    path: str
    status: int
    code: str | None = None
    missing_fields: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, request, response) -> "Answer":
        code, missing = None, ()
        if response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
            body = json.loads(response.content or b"null")
            error = body.get("error") if isinstance(body, dict) else None
            error = error if isinstance(error, dict) else {}
            code = error.get("code")
            fields = error.get("fields") or {}
            missing = tuple(
                name
                for name, messages in fields.items()
                if set(messages if isinstance(messages, list) else [messages]) & _required_messages()
            )
        return cls(request.method.lower(), request.path, response.status_code, code, missing)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path} -> {self.status} {self.code or ''}".rstrip()


def undocumented(answer: Answer) -> str | None:
    """Why the schema does not cover this answer, or None when it does (or when the request named no
    operation of the schema: an unknown address or method is the router's, not an operation's)."""
    if not answer.path.startswith(API_PREFIX):
        return None
    template = path_template(answer.path)
    operation = schema()["paths"].get(template, {}).get(answer.method) if template else None
    if operation is None:
        return None
    where = f"{answer.method.upper()} {template}"
    response = operation["responses"].get(str(answer.status))
    if response is None:
        return f"{where} answered {answer.status} ({answer}), not in its documented responses"
    if answer.code is not None and answer.code not in error_codes(response):
        return f"{where} answered {answer.status} `{answer.code}` ({answer}), not among its documented codes"
    not_required = set(answer.missing_fields) - required_inputs(operation)
    if not_required:
        return f"{where} refused a request without {sorted(not_required)}, which its schema says is optional"
    return None


# What a view's code can answer, read from its source: the domain errors (cocreate.exceptions.ServiceError
# and its subclasses) that the view's handler, or any function of the project it calls, directly or not,
# raises or builds, with their status and code; and the error bodies it answers itself (error_body(code)
# in a response with a constant status). A static over-approximation: a branch that cannot be taken from
# this operation still counts, and is better documented than missed.
PROJECT_PACKAGES = ("cms", "cocreate", "proposals", "votes", "frontend")
# DRF hooks a view may override, run around every handler.
VIEW_HOOKS = ("initial", "handle_exception", "get_object", "get_queryset", "get_serializer_context")


def _project_function(obj):
    obj = getattr(obj, "__func__", obj)  # staticmethod, classmethod, bound method
    if not inspect.isfunction(obj):
        return None
    obj = inspect.unwrap(obj)  # extend_schema_view wraps a parent's method for its subclass
    if not inspect.isfunction(obj):
        return None
    module = obj.__module__ or ""
    return obj if module.split(".")[0] in PROJECT_PACKAGES else None


def _resolve_call(node: ast.expr, func, cls):
    """The object a call's callee names, or None when it cannot be told from the source."""
    if isinstance(node, ast.Name):
        return func.__globals__.get(node.id)
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls") and cls is not None:
            return inspect.getattr_static(cls, node.attr, None)
        owner = _resolve_call(node.value, func, cls)
        if owner is not None and (inspect.ismodule(owner) or inspect.isclass(owner)):
            return inspect.getattr_static(owner, node.attr, None)
    return None


def _constant_strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _codes_of(call: ast.Call, error_class, tree: ast.AST) -> set[str]:
    """The codes a ServiceError(...) call can carry: its constant `code=`, the constants assigned to the
    name it passes, or the class's default."""
    code = next((kw.value for kw in call.keywords if kw.arg == "code"), None)
    if code is None:
        return {error_class.default_code}
    if isinstance(code, ast.Name):
        return set().union(
            *(
                _constant_strings(node.value)
                for node in ast.walk(tree)
                if isinstance(node, ast.Assign)
                and any(getattr(t, "id", None) == code.id for t in node.targets)
            )
        )
    return _constant_strings(code)


def _error_bodies(tree: ast.AST, func) -> set[tuple[int, str]]:
    """error_body("code", ...) answered with a constant status in the same function."""
    codes, statuses = set(), set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if _resolve_call(node.func, func, None) is error_body and isinstance(node.args[0], ast.Constant):
            codes.add(node.args[0].value)
        for kw in node.keywords:
            if kw.arg == "status" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, int):
                statuses.add(kw.value.value)
    return {(status, code) for status in statuses for code in codes}


def _tables_passed(call: ast.Call, func) -> set[tuple[int, str]]:
    """The errors of the tables of error factories a call is handed by name (cocreate.exceptions.refuse's
    `{code: make_error}`): each factory that needs no argument is called, and what it makes is counted."""
    found = set()
    for arg in call.args:
        for node in ast.walk(arg):
            table = func.__globals__.get(node.id) if isinstance(node, ast.Name) else None
            if not isinstance(table, dict):
                continue
            for make in table.values():
                if callable(make) and not any(
                    p.default is p.empty for p in inspect.signature(make).parameters.values()
                ):
                    error = make()
                    if isinstance(error, ServiceError):
                        found.add((error.http_status, error.code))
    return found


def raised_errors(func, cls=None, seen=None) -> set[tuple[int, str]]:
    """(status, code) of every error `func` (a view's method when `cls` is its class) may end in."""
    seen = set() if seen is None else seen
    func = _project_function(func)
    if func is None or func in seen:
        return set()
    seen.add(func)
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    found = _error_bodies(tree, func)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        found |= _tables_passed(node, func)
        callee = _resolve_call(node.func, func, cls)
        if inspect.isclass(callee) and issubclass(callee, ServiceError):
            found |= {(callee.http_status, code) for code in _codes_of(node, callee, tree)}
        elif callee is not None:
            on_self = isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", "") == "self"
            found |= raised_errors(callee, cls if on_self else None, seen)
    return found


def view_errors(callback, method: str) -> set[tuple[int, str]]:
    """What an endpoint's handler for `method`, and the hooks its view overrides, may answer."""
    cls = callback.cls
    actions = getattr(callback, "actions", None) or {}
    handler = getattr(cls, actions.get(method, method))
    found = raised_errors(handler, cls)
    for hook in VIEW_HOOKS:
        found |= raised_errors(inspect.getattr_static(cls, hook, None), cls)
    return found

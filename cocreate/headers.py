"""Security headers that Django's SecurityMiddleware does not set: the content-security policy (django-csp,
with a looser policy for the pages that need one) and the Permissions-Policy. See docs/security.md."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin


class PathPolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, plus `CSP_REPLACE_FOR_PATHS`: {path prefix: directives that replace the
    site's ones under that prefix} (django-csp's `@csp_replace` for views whose URL patterns live in
    another package, such as drf-spectacular's Swagger UI)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if parts.replace is None and not report_only:
            for prefix, replace in getattr(settings, "CSP_REPLACE_FOR_PATHS", {}).items():
                if request.path_info.startswith(prefix):
                    parts.replace = replace
                    break
        return parts


class PermissionsPolicyMiddleware(MiddlewareMixin):
    """`Permissions-Policy: <PERMISSIONS_POLICY>` on every response that has none yet."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response

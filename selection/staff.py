"""Staff pages that look like the admin, outside it: the review queue and the committee's pages.

`staff_view` lets through signed-in staff (the admin's own check and two-factor) who hold the
permission (403 otherwise); `render` gives the template the admin's context (site header,
navigation).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def staff_view(
    view: Callable[..., HttpResponse],
    *,
    permission: str,
    methods: Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]] | None = None,
) -> Callable[..., HttpResponse]:
    """The view behind the admin's login and `permission`; `methods` (e.g. `require_GET`)
    checks the request's method first."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return admin.site.admin_view(methods(wrapped) if methods else wrapped)


def render(
    request: HttpRequest, template: str, context: dict, status: int = 200
) -> TemplateResponse:
    return TemplateResponse(
        request, template, {**admin.site.each_context(request), **context}, status=status
    )

"""Being written (issue 4): every view answers 404 until it lands."""

from django.http import Http404


def dashboard(request, *args, **kwargs):
    raise Http404


def join(request, *args, **kwargs):
    raise Http404


def professor_add(request, *args, **kwargs):
    raise Http404


def professor_toggle(request, *args, **kwargs):
    raise Http404

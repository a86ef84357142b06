"""Being written (issue 4): every view answers 404 until it lands."""

from django.http import Http404


def link(request, *args, **kwargs):
    raise Http404


def requests(request, *args, **kwargs):
    raise Http404


def request_detail(request, *args, **kwargs):
    raise Http404


def request_submit(request, *args, **kwargs):
    raise Http404


def request_decline(request, *args, **kwargs):
    raise Http404

"""Being written (issue 4): every view answers 404 until it lands."""

from django.http import Http404


def evaluator(request, *args, **kwargs):
    raise Http404


def resend(request, *args, **kwargs):
    raise Http404


def replace(request, *args, **kwargs):
    raise Http404

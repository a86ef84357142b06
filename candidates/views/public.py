"""The public "Am I eligible?" page: the dossier's own rules on a short form, no account."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from candidates.eligibility import evaluate
from candidates.forms.eligibility import EligibilityCheckForm
from candidates.selectors import campaign_rules
from tapif.core.selectors import campaign_current


@require_http_methods(["GET", "POST"])
@never_cache
def eligibility_check(request):
    """The answers (a date of birth among them) come by POST: never in an address, a browser's
    history or a server's access log; GET shows the empty form."""
    campaign = campaign_current()
    form = EligibilityCheckForm(request.POST if request.method == "POST" else None)
    verdict = None
    if campaign is not None and form.is_bound and form.is_valid():
        verdict = evaluate(form.facts(), campaign_rules(campaign))
    return render(
        request,
        "candidates/eligibility_check.html",
        {
            "form": form,
            "verdict": verdict,
            "campaign": campaign,
        },
    )

"""The public "Am I eligible?" page: the dossier's own rules on a short form, no account."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from candidates.eligibility import evaluate
from candidates.forms.eligibility import EligibilityCheckForm
from candidates.selectors import campaign_rules
from tapif.core.selectors import campaign_current


@require_GET
def eligibility_check(request):
    campaign = campaign_current()
    form = EligibilityCheckForm(request.GET or None)
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

"""The review queue: a reviewer's dossiers, one screen per dossier, the next one in a click.

Staff pages under /admin/review/ that look like the admin (`admin.site.admin_view`: signed-in
staff, two-factor as for the admin) and need `selection.score_dossier` (403 otherwise). A
dossier's page is open to the reviewers it is assigned to (404 for anyone else, and once they
declared a conflict). It shows the dossier's facts, the eligibility rules' results, the
professor's evaluation, the current documents with an inline preview and their check (accept or
reject, for holders of `candidates.review_document`), the scoring form and, once the reviewer's
own review is submitted, the other reviewers' scores. Every write goes through the services of
`candidates` and `selection`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from candidates import services as dossier_services
from candidates.choices import (
    ELIGIBILITY_RULE_LABELS,
    DocumentKind,
    DocumentReview,
)
from candidates.eligibility import Status
from candidates.models import Application, Document
from candidates.selectors import (
    dossier_facts,
    dossier_load,
    dossier_status,
    eligibility_decision_latest,
)
from evaluations.choices import EvaluationStatus
from evaluations.models import Evaluation
from evaluations.selectors import evaluation_rows
from selection import calibration, selectors, services
from selection.forms import SUBMIT, ConflictForm, DocumentRejectForm, ReviewForm
from selection.staff import render, staff_view
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain_message
from tapif.core.selectors import campaign_current

SCORE_PERMISSION = services.SCORE_PERMISSION
REVIEW_DOCUMENT_PERMISSION = selectors.REVIEW_DOCUMENT_PERMISSION
VIEW_EVALUATION_PERMISSION = "evaluations.view_evaluation"


def _rule_status_label(status: str) -> str:
    return {
        Status.PASS: _("Met"),
        Status.FAIL: _("Not met"),
        Status.UNKNOWN: _("Not known yet"),
    }[Status(status)]


def reviewer_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff (the admin's own check and two-factor) holding the scoring permission."""
    return staff_view(view, permission=SCORE_PERMISSION)


def _assigned(request: HttpRequest, number: str) -> Application:
    """The dossier, if it is assigned to this reviewer (404 otherwise, whether it exists or not)."""
    application = (
        Application.objects.filter(number=number, review_assignments__reviewer=request.user)
        .select_related("campaign")
        .first()
    )
    if application is None:
        raise Http404
    return application


def _dossier_url(application: Application, anchor: str = "") -> str:
    url = reverse("selection:dossier", kwargs={"number": application.number})
    return f"{url}#{anchor}" if anchor else url


# --- the queue --------------------------------------------------------------------------------


@reviewer_view
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """How many dossiers are assigned, left and done; the ones left; the button to the next."""
    campaign = campaign_current()
    summary = (
        selectors.queue_summary(request.user, campaign)
        if campaign is not None
        else selectors.QueueSummary(pending=[], submitted=[], assigned=0)
    )
    pending, submitted, assigned = summary.pending, summary.submitted, summary.assigned
    return render(
        request,
        "selection/queue.html",
        {
            "title": _("My review queue"),
            "campaign": campaign,
            "pending": pending,
            "submitted": submitted,
            "counts": {"assigned": assigned, "left": len(pending), "done": len(submitted)},
        },
    )


@reviewer_view
@require_GET
def next_dossier(request: HttpRequest) -> HttpResponse:
    """The reviewer's next dossier to score, or back to the queue when there is none."""
    campaign = campaign_current()
    application = selectors.review_next(request.user, campaign) if campaign else None
    if application is None:
        messages.info(request, _("Nothing left to review."))
        return redirect("selection:queue")
    return redirect(_dossier_url(application))


# --- the reviewers' statistics (managers, committee, auditors) ---------------------------------


def _fig(value, places: int = 2) -> str:
    """An exact figure as the reader's language writes it ("—" for none)."""
    if value is None:
        return "—"
    return formats.number_format(Decimal(calibration.decimal_of(value, places)), places)


def _signed(value, places: int = 2) -> str:
    if value is None:
        return "—"
    text = _fig(value, places)
    return f"+{text}" if value > 0 else text


def _verdict_label(verdict: str, strictness) -> str:
    points = _fig(abs(strictness)) if strictness is not None else ""
    return {
        "harsh": _("Harsher than the others on the same dossiers, by %(points)s points")
        % {"points": points},
        "lenient": _("More lenient than the others on the same dossiers, by %(points)s points")
        % {"points": points},
        "in_line": _("In line with the others"),
        "no_shared": _("Shares no dossier with another reviewer: no comparison"),
    }[verdict]


def _statistics_page(request: HttpRequest) -> HttpResponse:
    """Per reviewer: reviews, mean and spread of their scores and of each criterion, their
    strictness on shared dossiers and whether they can be calibrated; the agreement per
    criterion; the dossiers the reviewers disagree on most. Reads only (`merit_statistics`)."""
    campaign = campaign_current()
    context: dict[str, Any] = {"title": _("Reviewer statistics"), "campaign": campaign}
    if campaign is None:
        return render(request, "selection/statistics.html", context)
    try:
        found = selectors.merit_statistics(campaign)
    except DomainError as error:
        return render(request, "selection/statistics.html", {**context, "error": error.message})
    figures = found.statistics
    labels = {c.code: c.label for c in found.criteria}
    names = found.reviewer_names
    reviewers = [
        {
            "name": names.get(f.reviewer, f.reviewer),
            "verdict": f.verdict,
            "reviews": f.reviews,
            "mean": _fig(f.mean),
            "spread": _fig(f.spread),
            "shared": f.shared,
            "strictness": _signed(f.strictness),
            "judgement": _verdict_label(f.verdict, f.strictness),
            "calibrated": f.calibrated,
            "criteria": [
                {
                    "label": labels.get(c.criterion, c.criterion),
                    "mean": _fig(c.mean),
                    "spread": _fig(c.spread),
                    "strictness": _signed(c.strictness),
                }
                for c in f.criteria
            ],
        }
        for f in figures.reviewers
    ]
    agreement = [
        {
            "label": _("Score (out of 100)")
            if a.criterion == calibration.SCORE
            else labels.get(a.criterion, a.criterion),
            "alpha": _fig(a.alpha, 3),
            "dossiers": a.dossiers,
            "reading": _alpha_reading(a.alpha),
        }
        for a in figures.agreement
    ]
    disagreed = [
        {
            "number": d.dossier,
            "url": _dossier_admin_url(found.dossier_ids.get(d.dossier)),
            "spread": _fig(d.spread),
            "scores": [(names.get(r, r), _fig(score)) for r, score in d.scores],
        }
        for d in figures.most_disagreed
    ]
    groups = [[names.get(r, r) for r in group] for group in figures.groups]
    return render(
        request,
        "selection/statistics.html",
        {
            **context,
            "reviews": found.reviews,
            "reviewers": reviewers,
            "criteria": [c.label for c in found.criteria],
            "agreement": agreement,
            "disagreed": disagreed,
            "groups": groups if len(groups) > 1 else [],
            "min_reviews": campaign.calibration_min_reviews,
            "calibration": campaign.get_merit_calibration_display(),
            "notable": _fig(calibration.STRICTNESS_NOTABLE),
        },
    )


def _dossier_admin_url(pk: int | None) -> str:
    return reverse("admin:candidates_application_change", args=[pk]) if pk else ""


def _alpha_reading(alpha) -> str:
    """Krippendorff's usual reading of alpha."""
    if alpha is None:
        return _("Not enough shared dossiers to tell")
    if alpha >= Fraction(8, 10):
        return _("Reliable agreement")
    if alpha >= Fraction(667, 1000):
        return _("Tentative agreement")
    return _("Weak agreement: the rubric is read differently")


statistics = staff_view(
    _statistics_page, permission=selectors.STATISTICS_PERMISSION, methods=require_GET
)


# --- one dossier ------------------------------------------------------------------------------


def _evaluation(request: HttpRequest, dossier: Application) -> dict[str, Any] | None:
    """The professor's submitted evaluation (None if the reviewer may not read evaluations)."""
    if not request.user.has_perm(VIEW_EVALUATION_PERMISSION):
        return None
    evaluation = (
        Evaluation.objects.filter(request__application=dossier, status=EvaluationStatus.SUBMITTED)
        .select_related("request__institution")
        .order_by("-submitted_at", "-pk")
        .first()
    )
    return {
        "evaluation": evaluation,
        "rows": evaluation_rows(evaluation) if evaluation else [],
    }


def _preview(document: Document) -> str:
    if document.content_type.startswith("image/"):
        return "image"
    if document.content_type == "application/pdf":
        return "pdf"
    return ""


def _documents(
    request: HttpRequest, dossier: Application, required: list[str], forms: Mapping
) -> tuple[list[dict], list[str], bool]:
    """The current documents (required ones first) with their preview, check and forms."""
    may_check = selectors.may_check_documents(request.user, dossier)
    order = {kind: position for position, kind in enumerate(required)}
    # The fee receipt is the payments officer's: the reviewer sees the fee's status instead.
    current = sorted(
        (d for d in dossier.current_documents if d.kind != DocumentKind.FEE_RECEIPT),
        key=lambda d: (order.get(d.kind, len(order)), d.kind),
    )
    cards = [
        {
            "document": document,
            "anchor": f"document-{document.pk}",
            "required": document.kind in order,
            "preview": _preview(document),
            "url": reverse("candidates:document_download", kwargs={"pk": document.pk}),
            "reject_form": forms.get(document.pk)
            or DocumentRejectForm(prefix=f"reject-{document.pk}"),
            "accepted": document.review_status == DocumentReview.ACCEPTED,
            "rejected": document.review_status == DocumentReview.REJECTED,
        }
        for document in current
    ]
    labels = dict(DocumentKind.choices)
    present = {d.kind for d in current}
    missing = [str(labels.get(kind, kind)) for kind in required if kind not in present]
    return cards, missing, may_check


def _others(application: Application, reviewer, criteria) -> dict[str, Any] | None:
    """The other reviewers' submitted scores, criterion by criterion (after one's own only)."""
    reviews = selectors.reviews_visible_to(application, reviewer)
    if not reviews:
        return None
    sheets = [{s.criterion_id: s for s in review.scores.all()} for review in reviews]
    return {
        "reviewers": [r.reviewer.get_full_name() or r.reviewer.email for r in reviews],
        "rows": [
            (criterion.label, [sheet.get(criterion.pk) for sheet in sheets])
            for criterion in criteria
        ],
        "totals": [r.score for r in reviews],
    }


def _preview_policy() -> dict | None:
    """The site's CSP, plus the private bucket's origin for frames and images when documents
    live on S3: the download view answers there with a short-lived signed redirect. None on a
    local disk (the previews are then same-origin)."""
    storage = default_storage
    if getattr(storage, "querystring_auth", False) is not True:
        return None
    signed = urlsplit(storage.url("preview-origin"))
    origin = f"{signed.scheme}://{signed.netloc}"
    policy = {key: list(value) for key, value in settings.SECURE_CSP.items()}
    for directive in ("frame-src", "img-src"):
        policy[directive] = [*policy.get(directive, policy["default-src"]), origin]
    return policy


def _page(
    request: HttpRequest,
    application: Application,
    *,
    review_form: ReviewForm | None = None,
    reject_forms: Mapping[int, DocumentRejectForm] | None = None,
    conflict_form: ConflictForm | None = None,
) -> HttpResponse:
    dossier = dossier_load(application.pk)
    status = dossier_status(dossier)
    criteria = services.criteria_ensure(dossier.campaign)
    review = selectors.review_of(dossier, request.user)
    prefill = services.french_level_prefill(dossier)
    reviewable = selectors.is_reviewable(dossier)
    submitted = review is not None and review.is_submitted
    documents, documents_missing, may_check = _documents(
        request, dossier, status.required_documents, reject_forms or {}
    )
    own_scores = []
    if submitted:
        by_criterion = {s.criterion_id: s for s in review.scores.all()}
        own_scores = [(criterion, by_criterion.get(criterion.pk)) for criterion in criteria]
    response = render(
        request,
        "selection/dossier.html",
        {
            "title": _("Review of dossier %(number)s") % {"number": dossier.number},
            "dossier": dossier,
            "candidate": dossier.candidate,
            "facts": dossier_facts(dossier),
            "evaluation": _evaluation(request, dossier),
            "verdict": status.verdict,
            "rules": [
                {
                    "label": ELIGIBILITY_RULE_LABELS.get(rule.rule, rule.rule),
                    "status": rule.status,
                    "status_label": _rule_status_label(rule.status),
                    "message": explain_message(rule.message),
                }
                for rule in status.verdict.rules
            ],
            "decision": eligibility_decision_latest(dossier),
            "documents": documents,
            "documents_missing": documents_missing,
            "may_check": may_check,
            "review": review,
            "reviewable": reviewable,
            "submitted": submitted,
            "own_scores": own_scores,
            "form": review_form or ReviewForm(criteria=criteria, prefill=prefill, review=review),
            "prefill": prefill,
            "conflict_form": conflict_form or ConflictForm(),
            "others": _others(dossier, request.user, criteria),
        },
    )
    if (policy := _preview_policy()) is not None:
        response._csp_config = policy  # as @csp_override does, with the bucket's origin
    return response


@reviewer_view
@require_GET
def dossier(request: HttpRequest, number: str) -> HttpResponse:
    """Everything a reviewer needs to check and score one dossier, on one screen."""
    return _page(request, _assigned(request, number))


@reviewer_view
@require_POST
def score(request: HttpRequest, number: str) -> HttpResponse:
    """Save the scores as a draft, or submit them and open the next dossier."""
    application = _assigned(request, number)
    submit = request.POST.get("action") == SUBMIT
    form = ReviewForm(
        request.POST,
        criteria=services.criteria_ensure(application.campaign),
        prefill=services.french_level_prefill(application),
        submit=submit,
    )
    if form.is_valid():
        try:
            services.review_save(
                application=application,
                reviewer=request.user,
                points=form.points(),
                comments=form.comments(),
                french_level_note=form.cleaned_data["french_level_note"],
                submit=submit,
            )
        except DomainError as error:
            if error.code not in ("french_note", "scores"):
                # Submitted already, no longer open to review…: the form is not shown any more.
                messages.error(request, error.message)
                return redirect(_dossier_url(application, "scoring"))
            field = "french_level_note" if error.code == "french_note" else None
            form.add_error(field, error.message)
        else:
            if submit:
                messages.success(
                    request,
                    _("Your review of dossier %(number)s is submitted.")
                    % {"number": application.number},
                )
                return redirect("selection:next")
            messages.success(request, _("Draft saved: you can come back to it later."))
            return redirect(_dossier_url(application, "scoring"))
    return _page(request, application, review_form=form)


@reviewer_view
@require_POST
def conflict(request: HttpRequest, number: str) -> HttpResponse:
    """The reviewer declares a conflict of interest: the dossier leaves their queue."""
    application = _assigned(request, number)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.conflict_declare(
                application=application,
                reviewer=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(
                request,
                _("Conflict of interest declared: dossier %(number)s is no longer yours to review.")
                % {"number": application.number},
            )
            return redirect("selection:next")
    return _page(request, application, conflict_form=form)


def _checked_document(request: HttpRequest, number: str, pk: int) -> tuple[Application, Document]:
    if not request.user.has_perm(REVIEW_DOCUMENT_PERMISSION):
        raise PermissionDenied
    application = _assigned(request, number)
    document = get_object_or_404(Document, pk=pk, application=application)
    return application, document


@reviewer_view
@require_POST
def document_accept(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    application, document = _checked_document(request, number, pk)
    try:
        dossier_services.document_accept(document=document, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(document)s: accepted.") % {"document": document.get_kind_display()},
        )
    return redirect(_dossier_url(application, f"document-{document.pk}"))


@reviewer_view
@require_POST
def document_reject(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """Reject with a reason: the candidate is told by e-mail and may replace that one only."""
    application, document = _checked_document(request, number, pk)
    form = DocumentRejectForm(request.POST, prefix=f"reject-{document.pk}")
    if form.is_valid():
        try:
            dossier_services.document_reject(
                document=document,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(document)s: rejected; the candidate is told by e-mail.")
                % {"document": document.get_kind_display()},
            )
            return redirect(_dossier_url(application, f"document-{document.pk}"))
    return _page(request, application, reject_forms={document.pk: form})

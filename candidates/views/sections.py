"""The dossier overview and its five section pages."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import transaction
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from candidates import services
from candidates.completeness import count_words, letter_bounds
from candidates.eligibility import Status
from candidates.forms.sections import (
    AssetsForm,
    CoupleForm,
    ExperienceForm,
    FrenchCourseForm,
    FrenchForm,
    IdentityForm,
    PreviousParticipationForm,
    StudiesForm,
)
from candidates.models import Application, Experience, FrenchCourse, PreviousParticipation
from candidates.selectors import (
    couple_for,
    couple_invitations_for,
    dossier_load,
    dossier_verdict,
    section_draft_of,
    section_of,
)
from candidates.views.common import (
    candidate_application,
    dossier_context,
    dossier_view,
    pending_post_for,
)
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain_message
from tapif.core.moments import clock_words
from tapif.core.selectors import campaign_current, cutoffs_of_previous_campaign
from tapif.core.services import institution_request, user_set_language

# Which field each eligibility rule speaks about, per section: its message is shown there.
RULE_FIELDS = {
    "identity": {
        "age": "date_of_birth",
        "citizenship": "citizenship",
        "residence": "resides_in_canada",
    },
    "studies": {
        "education": "university_years_completed",
        "studies_in_canada": "studies_mostly_in_canada",
    },
    "french": {"french_level": "test_level"},
    "assets": {"availability": "available_from_contract_start"},
}


def _rule_notes(request, status, section: str) -> dict[str, str]:
    """Failing rules' messages keyed by the field they concern, in the page's language."""
    notes = {}
    for result in status.verdict.rules:
        field = RULE_FIELDS.get(section, {}).get(result.rule)
        if field and result.status == Status.FAIL:
            notes[field] = explain_message(result.message)
    return notes


@login_required
def dossier(request):
    """The candidate's home: start the dossier, or see progress, next step and eligibility."""
    application = candidate_application(request)
    if application is None:
        return render(request, "candidates/start.html", {"campaign": campaign_current()})
    request.dossier = dossier_load(application.pk)
    context = dossier_context(
        request,
        couple=couple_for(request.dossier),
        couple_invitations=couple_invitations_for(request.dossier),
    )
    return render(request, "candidates/dossier.html", context)


@login_required
@require_POST
def start(request):
    candidate_application(request)  # candidates only (403 otherwise)
    campaign = campaign_current()
    if campaign is None:
        raise Http404
    try:
        application = services.application_create(candidate=request.user, campaign=campaign)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your dossier %(number)s is open. Start with your identity.")
            % {"number": application.number},
        )
    return redirect("candidates:dossier")


SECTION_FORMS = {
    "identity": IdentityForm,
    "studies": StudiesForm,
    "french": FrenchForm,
    "assets": AssetsForm,
}
#: Signs the dossier a section form belongs to, so fields kept across a sign-in go back only
#: to the dossier they were typed for (never to another account signed in on that browser).
OWNER_SALT = "tapif.candidates.draft-owner"
OWNER_MAX_AGE = 60 * 60 * 24 * 2


def _owner_token(application) -> str:
    return signing.dumps(application.pk, salt=OWNER_SALT)


def _owner_matches(token: str, application) -> bool:
    try:
        return signing.loads(token, salt=OWNER_SALT, max_age=OWNER_MAX_AGE) == application.pk
    except signing.BadSignature:
        return False


def _form_kwargs(request, section: str, instance) -> dict:
    kwargs = {"instance": instance, "campaign": request.dossier.campaign}
    if section == "identity":
        kwargs["initial"] = {"preferred_language": request.user.preferred_language}
    return kwargs


def _typed_values(form) -> dict:
    """The raw values a form holds, by field name, as its widgets read them (JSON-ready)."""
    return {
        name: field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        for name, field in form.fields.items()
        if not field.disabled
    }


def _restore_pending(request, section: str, form_class) -> None:
    """Fields of a Save that met an expired session come back as the section's draft."""
    fields = pending_post_for(request)
    if not fields:
        return
    owner = (fields.get("_draft_owner") or [""])[0]
    if not _owner_matches(owner, request.dossier):
        return
    data = QueryDict(mutable=True)
    for name, values in fields.items():
        data.setlist(name, values)
    form = form_class(data, **_form_kwargs(request, section, None))
    try:
        services.section_draft_save(
            application=request.dossier,
            section=section,
            data=_typed_values(form),
            base_version=None,
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.info(
            request,
            _(
                "What you typed before signing in again is back on this page. "
                "Check it and save the section."
            ),
        )


def _section_page(request, section: str, form_class, template: str, save_extra=None, **extra):
    """GET shows the section (with its draft, if the candidate left one); POST saves the fields
    it holds (nothing else), drops the draft, and comes back."""
    application = request.dossier
    instance = section_of(application, section)
    form_kwargs = _form_kwargs(request, section, instance)
    context = dossier_context(request)
    may_edit = context["situation"].may_edit
    draft = None
    if request.method == "POST":
        if not may_edit:
            messages.error(request, _("Your dossier can no longer be changed."))
            return redirect(request.path)
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                with transaction.atomic():
                    data = form.model_data()
                    if save_extra:
                        save_extra(request, form, data)
                    services.section_update(
                        application=application, section=section, data=data, actor=request.user
                    )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Saved."))
                return redirect(request.path)
        draft = section_draft_of(application, section)
    else:
        if may_edit:
            _restore_pending(request, section, form_class)
            draft = section_draft_of(application, section)
        if draft is not None:
            form_kwargs["initial"] = {**form_kwargs.get("initial", {}), **draft.data}
        form = form_class(**form_kwargs)
    if not may_edit:
        for field in form.fields.values():
            field.disabled = True
    context.update(
        form=form,
        section=section,
        rule_notes=_rule_notes(request, context["status"], section),
        draft=draft,
        draft_owner=_owner_token(application),
        live_rules=_live_rules(context["status"].verdict, section),
        **extra,
    )
    return render(request, template, context)


def _live_rules(verdict, section: str) -> list:
    """The eligibility rules this section's fields decide, as the verdict judges them."""
    rules = RULE_FIELDS.get(section, {})
    return [result for result in verdict.rules if result.rule in rules]


def _section_form_for(request, section: str):
    form_class = SECTION_FORMS.get(section)
    if form_class is None:
        raise Http404
    return form_class


@dossier_view
@require_POST
def section_draft(request, section: str):
    """Autosave: keep what the candidate typed on a section page, unvalidated (JSON answer)."""
    form_class = _section_form_for(request, section)
    form = form_class(request.POST, **_form_kwargs(request, section, None))
    try:
        base_version = int(request.POST.get("_draft_version", ""))
    except ValueError:
        base_version = None
    try:
        saved = services.section_draft_save(
            application=request.dossier,
            section=section,
            data=_typed_values(form),
            base_version=base_version,
            actor=request.user,
        )
    except DomainError as error:
        return JsonResponse({"error": str(error.message)}, status=409)
    at = clock_words(saved.draft.updated_at, request.dossier.campaign)
    answer = {
        "version": saved.draft.version,
        "saved_at": at,
        "message": _("Draft saved at %(time)s, not yet checked: save the section when ready.")
        % {"time": at},
    }
    if saved.overtaken:
        answer["overtaken"] = _(
            "This section was also changed in another tab or window: "
            "what you typed here is the one kept."
        )
    return JsonResponse(answer)


@dossier_view
@require_POST
def section_rules(request, section: str):
    """Live eligibility: the section's rules judged on what is typed, before it is saved
    (an HTML fragment the page puts beside the fields)."""
    form_class = _section_form_for(request, section)
    saved = section_of(request.dossier, section)
    model = type(saved) if saved else Application._meta.get_field(section).related_model
    typed = copy.copy(saved) if saved else model(application=request.dossier)
    form = form_class(request.POST, **_form_kwargs(request, section, typed))
    form.is_valid()  # a ModelForm copies every field that cleans onto its (unsaved) instance
    verdict = dossier_verdict(request.dossier, typed={section: form.instance})
    return render(
        request,
        "candidates/includes/live_rules.html",
        {"live_rules": _live_rules(verdict, section)},
    )


def _save_identity_extra(request, form, data):
    user_set_language(
        user=request.user,
        language=form.cleaned_data["preferred_language"] or request.user.preferred_language,
    )


def _save_studies_extra(request, form, data):
    name = form.cleaned_data.get("missing_institution_name")
    if name:
        data["institution"] = institution_request(
            name=name,
            city=form.cleaned_data["missing_institution_city"],
            province=form.cleaned_data["missing_institution_province"],
            actor=request.user,
        )


@dossier_view
def identity(request):
    return _section_page(
        request,
        "identity",
        IdentityForm,
        "candidates/section_identity.html",
        save_extra=_save_identity_extra,
    )


@dossier_view
def studies(request):
    return _section_page(
        request,
        "studies",
        StudiesForm,
        "candidates/section_studies.html",
        save_extra=_save_studies_extra,
    )


def _french_page(request, course_form=None):
    return _section_page(
        request,
        "french",
        FrenchForm,
        "candidates/section_french.html",
        courses=request.dossier.french_courses.all(),
        course_form=course_form or FrenchCourseForm(),
    )


@dossier_view
def french(request):
    return _french_page(request)


def _assets_page(request, participation_form=None):
    """Section 5, with the letter's live word count computed from what was last typed."""
    assets = section_of(request.dossier, "assets")
    letter = assets.motivation_letter if assets else ""
    if request.method == "POST" and "motivation_letter" in request.POST:
        letter = request.POST["motivation_letter"]
    minimum, low, high = letter_bounds(request.dossier.campaign.motivation_letter_words)
    return _section_page(
        request,
        "assets",
        AssetsForm,
        "candidates/section_assets.html",
        participations=request.dossier.previous_participations.all(),
        participation_form=participation_form or PreviousParticipationForm(),
        letter_words=count_words(letter),
        letter_minimum=minimum,
        letter_low=low,
        letter_high=high,
        cutoffs=cutoffs_of_previous_campaign(request.dossier.campaign),
    )


@dossier_view
def assets(request):
    return _assets_page(request)


@dossier_view
def experience(request):
    context = dossier_context(request)
    context["experiences"] = request.dossier.experiences.all()
    return render(request, "candidates/section_experience.html", context)


def _item_saved(request, form) -> bool:
    """Validate and save one repeatable entry; on refusal the form carries the message."""
    if not form.is_valid():
        return False
    try:
        services.item_save(application=request.dossier, instance=form.instance, actor=request.user)
    except DomainError as error:
        form.add_error(None, error.message)
        return False
    messages.success(request, _("Saved."))
    return True


@dossier_view
def experience_edit(request, pk: int | None = None):
    instance = None
    if pk is not None:
        instance = get_object_or_404(Experience, pk=pk, application=request.dossier)
    form = ExperienceForm(request.POST if request.method == "POST" else None, instance=instance)
    if request.method == "POST" and _item_saved(request, form):
        return redirect("candidates:experience")
    context = dossier_context(request, form=form, entry=instance)
    return render(request, "candidates/experience_form.html", context)


def _delete_item(request, model, pk: int, success_url: str):
    entry = get_object_or_404(model, pk=pk, application=request.dossier)
    try:
        services.item_delete(application=request.dossier, instance=entry, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Removed."))
    return redirect(success_url)


@dossier_view
@require_POST
def experience_delete(request, pk: int):
    return _delete_item(request, Experience, pk, "candidates:experience")


@dossier_view
@require_POST
def course_add(request):
    form = FrenchCourseForm(request.POST)
    if _item_saved(request, form):
        return redirect("candidates:french")
    request.method = "GET"  # show the French page again, with this form's errors
    return _french_page(request, course_form=form)


@dossier_view
@require_POST
def course_delete(request, pk: int):
    return _delete_item(request, FrenchCourse, pk, "candidates:french")


@dossier_view
@require_POST
def participation_add(request):
    form = PreviousParticipationForm(request.POST)
    if _item_saved(request, form):
        return redirect("candidates:assets")
    request.method = "GET"  # show section 5 again, with this form's errors
    return _assets_page(request, participation_form=form)


@dossier_view
@require_POST
def participation_delete(request, pk: int):
    return _delete_item(request, PreviousParticipation, pk, "candidates:assets")


@dossier_view
def couple(request):
    """Propose, confirm or dissolve a couple application."""
    application = request.dossier
    current = couple_for(application)
    form = CoupleForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "propose":
                form = CoupleForm(request.POST)
                if form.is_valid():
                    services.couple_propose(
                        application=application,
                        actor=request.user,
                        partner_email=form.cleaned_data["partner_email"],
                        preference=form.cleaned_data["preference"],
                    )
                    messages.success(
                        request, _("Your partner can now confirm from their own dossier.")
                    )
                    return redirect("candidates:couple")
            elif action == "confirm":
                invitation = get_object_or_404(
                    couple_invitations_for(application), pk=request.POST.get("couple")
                )
                services.couple_confirm(
                    couple=invitation, application=application, actor=request.user
                )
                messages.success(request, _("Your couple application is confirmed."))
                return redirect("candidates:couple")
            elif action == "dissolve" and current is not None:
                services.couple_dissolve(
                    couple=current, application=application, actor=request.user
                )
                messages.success(request, _("The couple application has been dissolved."))
                return redirect("candidates:couple")
            else:
                raise Http404
        except DomainError as error:
            form.add_error(None, error.message)
    context = dossier_context(
        request, form=form, couple=current, invitations=couple_invitations_for(application)
    )
    return render(request, "candidates/couple.html", context)

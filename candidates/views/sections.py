"""The dossier overview and its five section pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
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
from candidates.models import Experience, FrenchCourse, PreviousParticipation
from candidates.selectors import (
    couple_for,
    couple_invitations_for,
    dossier_load,
    section_of,
)
from candidates.views.common import candidate_application, dossier_context, dossier_view
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain_message
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


def _section_page(request, section: str, form_class, template: str, save_extra=None, **extra):
    """GET shows the section; POST saves the fields it holds (nothing else) and comes back."""
    application = request.dossier
    instance = section_of(application, section)
    form_kwargs = {"instance": instance, "campaign": application.campaign}
    if form_class is IdentityForm:
        form_kwargs["initial"] = {"preferred_language": request.user.preferred_language}
    context = dossier_context(request)
    if request.method == "POST":
        if not context["situation"].may_edit:
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
    else:
        form = form_class(**form_kwargs)
    if not context["situation"].may_edit:
        for field in form.fields.values():
            field.disabled = True
    context.update(
        form=form,
        section=section,
        rule_notes=_rule_notes(request, context["status"], section),
        **extra,
    )
    return render(request, template, context)


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

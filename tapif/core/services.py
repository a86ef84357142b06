"""Every write to the platform's own records goes through these functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tapif.core.audit import audit_record
from tapif.core.choices import SchoolLevel
from tapif.core.exceptions import DomainError
from tapif.core.models import (
    AcademieCutoff,
    Campaign,
    Institution,
    User,
    email_domains_parse,
    validate_email_domains,
)


def rejection_note_clean(*, reasons: type, reason: str, note: str) -> str:
    """A rejection's note, stripped; DomainError unless `reason` is one of `reasons` (TextChoices
    with an OTHER member) and an "other" reason comes with a note.

    Every "reject…" service checks its reason with it, and so does the admin's ReasonForm.
    """
    note = note.strip()
    if reason not in reasons.values:
        raise DomainError(_("Choose a reason for the rejection."), code="reason")
    if reason == reasons.OTHER and not note:
        raise DomainError(_("Explain the reason to the candidate in the note."), code="note")
    return note


@transaction.atomic
def campaign_make_current(*, campaign: Campaign, actor: User | None) -> Campaign:
    """Make `campaign` the current one and the previous current campaign a past one.

    Both flags change in one transaction (the rows are locked so two staff members switching at
    once cannot leave two current campaigns, which the database would refuse anyway). Records an
    audit entry. Returns early when the campaign is already current.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.is_current:
        return campaign
    previous = list(Campaign.objects.select_for_update().filter(is_current=True))
    Campaign.objects.filter(pk__in=[c.pk for c in previous]).update(is_current=False)
    campaign.is_current = True
    campaign.save(update_fields=["is_current", "updated_at"])
    audit_record(
        actor=actor,
        action="campaign.make_current",
        target=campaign,
        data={"previous": [c.school_year for c in previous]},
    )
    return campaign


def user_set_language(*, user: User, language: str) -> User:
    """Store the language the user's pages, e-mails and letters use. No-op when unchanged."""
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("This language is not offered."), code="language")
    if user.preferred_language == language:
        return user
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    return user


@transaction.atomic
def institution_request(*, name: str, city: str, province: str, actor: User) -> Institution:
    """Ask staff to add a missing university; returns the listed one if it exists already."""
    name, city = " ".join(name.split()), " ".join(city.split())
    existing = Institution.objects.filter(name__iexact=name, city__iexact=city).first()
    if existing:
        return existing
    institution = Institution.objects.create(
        name=name,
        city=city,
        province=province,
        status=Institution.Status.REQUESTED,
        requested_by=actor,
    )
    audit_record(actor=actor, action="institution.request", target=institution)
    return institution


@transaction.atomic
def institution_set_status(*, institution: Institution, status: str, actor: User) -> Institution:
    """Staff list (approve) or refuse a requested institution. No-op when unchanged."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    if institution.status == status:
        return institution
    previous = institution.status
    institution.status = status
    institution.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="institution.status",
        target=institution,
        data={"from": previous, "to": status},
    )
    return institution


@transaction.atomic
def institution_set_email_domains(
    *, institution: Institution, domains: str, actor: User
) -> Institution:
    """Staff holding `core.approve_email_domains` set the domains vouching for an institution's
    professors; writing them is approving them (recorded: who, when, before and after).

    Refused (DomainError) without the permission or for an entry that is not a domain or is a
    public mailbox's. Returns early when the list is unchanged; an empty list clears the approval.
    """
    if not actor.has_perm("core.approve_email_domains"):
        raise DomainError(
            _("Only staff allowed to approve e-mail domains can change them."), code="forbidden"
        )
    try:
        validate_email_domains(domains)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="domain") from None
    cleaned = "\n".join(email_domains_parse(domains))
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    if cleaned == _domains_joined(institution.email_domains) and (
        institution.domains_approved_at is not None or not cleaned
    ):
        return institution
    before = institution.email_domains
    institution.email_domains = cleaned
    institution.domains_approved_by = actor if cleaned else None
    institution.domains_approved_at = timezone.now() if cleaned else None
    institution.save(update_fields=["email_domains", "domains_approved_by", "domains_approved_at"])
    audit_record(
        actor=actor,
        action="institution.email_domains",
        target=institution,
        data={"from": before, "to": cleaned},
    )
    return institution


def _domains_joined(value: str) -> str:
    try:
        return "\n".join(email_domains_parse(value))
    except ValueError:
        return value


@dataclass(frozen=True)
class CutoffRow:
    """One académie at one school level, as a frozen round left it (see `AcademieCutoff`)."""

    academie_id: int
    level: str
    places: int
    last_rank_placed: int | None
    first_choice_requests: int
    any_choice_requests: int


@transaction.atomic
def cutoffs_record(
    campaign: Campaign, rows: Iterable[CutoffRow], *, actor: User | None = None
) -> list[AcademieCutoff]:
    """Replace the campaign's académie cut-offs by `rows`, all at once (the campaign row is
    locked, so two writers queue). Refuses a level other than primary or secondary or the
    same académie and level twice. Audited."""
    Campaign.objects.select_for_update().get(pk=campaign.pk)
    rows = list(rows)
    keys = [(row.academie_id, row.level) for row in rows]
    if len(set(keys)) != len(keys):
        raise DomainError(_("An académie appears twice at the same level."), code="cutoff_twice")
    if any(row.level not in SchoolLevel.values for row in rows):
        raise DomainError(_("A cut-off is either primary or secondary."), code="cutoff_level")
    AcademieCutoff.objects.filter(campaign=campaign).delete()
    now = timezone.now()
    created = AcademieCutoff.objects.bulk_create(
        AcademieCutoff(
            campaign=campaign,
            academie_id=row.academie_id,
            level=row.level,
            places=row.places,
            last_rank_placed=row.last_rank_placed,
            first_choice_requests=row.first_choice_requests,
            any_choice_requests=row.any_choice_requests,
            recorded_at=now,
        )
        for row in rows
    )
    audit_record(
        actor=actor, action="campaign.cutoffs_record", target=campaign, data={"rows": len(created)}
    )
    return created

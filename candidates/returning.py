"""Returning candidates: a dossier's earlier participations, found for staff to confirm.

A person who applied in an earlier year is recognised when they start a dossier by their
account (the same e-mail address), and once their identity is filled in by the same legal
names and date of birth (compared through `candidates.fingerprint.identity_fingerprint`, so
accents, case and hyphens do not matter), including the anonymised dossiers of which only a
`ParticipationTrace` is left. Staff read them on the dossier's admin page and confirm them
(`previous_participations_confirm`): each earlier year the person was an assistant becomes a
`PreviousParticipation` of the dossier, which feeds the lifetime limit on participations and
the returning assistant's place on the waitlist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from candidates.choices import ApplicationStatus
from candidates.fingerprint import PARTICIPATED, identity_fingerprint
from candidates.models import Application, Identity, ParticipationTrace, PreviousParticipation
from tapif.core.audit import audit_record
from tapif.core.models import User

#: How an earlier participation was recognised (its label is shown to staff).
MATCHED_BY = {
    "email": _("same e-mail address"),
    "identity": _("same names and date of birth"),
    "trace": _("anonymised dossier with the same names and date of birth"),
}


@dataclass(frozen=True)
class EarlierParticipation:
    school_year: str
    status: str  # an ApplicationStatus value
    matched_by: str  # a key of MATCHED_BY
    number: str = ""  # "" for an anonymised dossier
    application_id: int | None = None
    academie_id: int | None = None
    academie_name: str = ""

    @property
    def participated(self) -> bool:
        return self.status in PARTICIPATED

    @property
    def status_label(self) -> str:
        return str(ApplicationStatus(self.status).label)

    @property
    def matched_by_label(self) -> str:
        return str(MATCHED_BY[self.matched_by])


def _identity_fingerprint(identity: Identity | None) -> str | None:
    if identity is None:
        return None
    return identity_fingerprint(
        last_name=identity.legal_last_name,
        first_names=identity.legal_first_names,
        date_of_birth=identity.date_of_birth,
    )


def earlier_participations(application: Application) -> list[EarlierParticipation]:
    """The person's dossiers of other campaigns, oldest first (drafts left out), and the
    anonymised traces of their identity. Three queries at most."""
    identity = Identity.objects.filter(application=application).first()
    fingerprint = _identity_fingerprint(identity)
    same_person = Q(candidate_id=application.candidate_id)
    if identity is not None and identity.date_of_birth is not None:
        same_person |= Q(identity__date_of_birth=identity.date_of_birth)
    others = (
        Application.objects.filter(same_person)
        .exclude(campaign_id=application.campaign_id)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("campaign", "identity", "result_academie")
        .order_by("campaign__school_year", "pk")
    )
    found: list[EarlierParticipation] = []
    for other in others:
        if other.candidate_id == application.candidate_id:
            matched_by = "email"
        elif (
            fingerprint is not None
            and _identity_fingerprint(getattr(other, "identity", None)) == fingerprint
        ):
            matched_by = "identity"
        else:
            continue  # the same birthday only
        found.append(
            EarlierParticipation(
                school_year=other.campaign.school_year,
                status=other.status,
                matched_by=matched_by,
                number=other.number,
                application_id=other.pk,
                academie_id=other.result_academie_id,
                academie_name=other.result_academie.name if other.result_academie else "",
            )
        )
    if fingerprint is not None:
        known_years = {item.school_year for item in found}
        for trace in ParticipationTrace.objects.filter(fingerprint=fingerprint).exclude(
            school_year=application.campaign.school_year
        ):
            if trace.school_year not in known_years:
                found.append(
                    EarlierParticipation(
                        school_year=trace.school_year, status=trace.outcome, matched_by="trace"
                    )
                )
    return sorted(found, key=lambda item: item.school_year)


@transaction.atomic
def previous_participations_confirm(*, application: Application, actor: User) -> int:
    """Record, as the dossier's previous participations, each earlier year the person was an
    assistant with a known académie (the ones already declared are kept). Returns how many
    were added; audited (`application.previous_participations`) when any was."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    declared = set(application.previous_participations.values_list("school_year", flat=True))
    added = [
        PreviousParticipation(
            application=application, school_year=item.school_year, academie_id=item.academie_id
        )
        for item in earlier_participations(application)
        if item.participated and item.academie_id and item.school_year not in declared
    ]
    PreviousParticipation.objects.bulk_create(added)
    if added:
        audit_record(
            actor=actor,
            action="application.previous_participations",
            target=application,
            data={"school_years": [row.school_year for row in added]},
        )
    return len(added)

"""Reads of the dossier: one loader with a fixed number of queries, and what it adds up to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import translation

from candidates import completeness
from candidates.choices import (
    CANDIDATE_LABELS,
    DOCUMENTS_WITH_EXPIRY,
    Citizenship,
    CoupleStatus,
    DossierEventKind,
    ExperienceKind,
)
from candidates.eligibility import CampaignRules, Facts, Verdict, evaluate
from candidates.models import (
    Application,
    Couple,
    Document,
    EligibilityDecision,
    PreviousParticipation,
)
from tapif.core.models import AuditEntry, Campaign, User


def application_for(*, candidate: User, campaign: Campaign | None) -> Application | None:
    if campaign is None:
        return None
    return Application.objects.filter(candidate=candidate, campaign=campaign).first()


def dossier_load(application_id: int) -> Application:
    """The dossier with every section, entry and current document, in a fixed set of queries."""
    return (
        Application.objects.select_related(
            "campaign",
            "candidate",
            "identity",
            "studies__institution",
            "french",
            "assets",
            "assets__academie_1",
            "assets__academie_2",
            "assets__academie_3",
            "result_academie",
        )
        .prefetch_related(
            "experiences",
            "french_courses",
            Prefetch(
                "previous_participations",
                queryset=PreviousParticipation.objects.select_related("academie"),
            ),
            Prefetch(
                "documents",
                queryset=Document.objects.filter(is_current=True),
                to_attr="current_documents",
            ),
            "status_changes__actor",
            "events__actor",
        )
        .get(pk=application_id)
    )


def section_of(application: Application, name: str):
    """A one-to-one section row, or None before the candidate first saves it."""
    try:
        return getattr(application, name)
    except Application._meta.get_field(name).related_model.DoesNotExist:
        return None


def campaign_rules(campaign: Campaign) -> CampaignRules:
    """The eligibility settings of a campaign, for the pure rule engine."""
    # Codes are typed by staff in the admin: read "de " as DE rather than misjudge a resident.
    countries = getattr(campaign, "participating_countries", None) or []
    return CampaignRules(
        contract_start=campaign.contract_start,
        min_age=campaign.min_age,
        max_age=campaign.max_age,
        passport_valid_until=campaign.passport_valid_until,
        max_participations=campaign.max_participations,
        participating_countries=frozenset(str(code).strip().upper() for code in countries),
    )


def _passport_expiry(application: Application, identity) -> object:
    """The earliest expiry among the passports this dossier must carry (the one that binds)."""
    required = completeness.required_document_kinds(identity, section_of(application, "french"))
    expiries = [
        document.expires_on
        for document in application.current_documents
        if document.kind in DOCUMENTS_WITH_EXPIRY and document.kind in required
    ]
    if not expiries or None in expiries:
        return None
    return min(expiries)


def application_facts(application: Application) -> Facts:
    """What the dossier says, as the eligibility rules read it (None where not known yet)."""
    identity = section_of(application, "identity")
    studies = section_of(application, "studies")
    french = section_of(application, "french")
    assets = section_of(application, "assets")
    experiences = list(application.experiences.all())
    declared_level = french.test_level if french and french.proof_route == "official_test" else ""
    return Facts(
        date_of_birth=identity.date_of_birth if identity else None,
        citizenship=(identity.citizenship or None) if identity else None,
        country_of_citizenship=(
            identity.country_of_citizenship or None
            if identity and identity.citizenship == Citizenship.PERMANENT_RESIDENT
            else None
        ),
        resides_in_canada=identity.resides_in_canada if identity else None,
        exchange_student_abroad=identity.exchange_student_abroad if identity else None,
        enrolment_status=(studies.enrolment_status or None) if studies else None,
        university_years_completed=studies.university_years_completed if studies else None,
        has_teaching_experience=any(e.kind == ExperienceKind.TEACHING for e in experiences),
        has_education_degree=studies.has_education_degree if studies else None,
        studies_mostly_in_canada=studies.studies_mostly_in_canada if studies else None,
        french_level=application.french_level or declared_level or None,
        passport_expiry=_passport_expiry(application, identity),
        previous_participations=len(application.previous_participations.all()),
        available_from_contract_start=(
            True if assets and assets.available_from_contract_start else None
        ),
    )


@dataclass
class DossierStatus:
    sections: list[completeness.SectionState]
    documents_missing: list
    required_documents: list[str]
    verdict: Verdict

    @property
    def complete(self) -> bool:
        return all(s.complete for s in self.sections) and not self.documents_missing

    def all_missing(self) -> list:
        missing = [item for section in self.sections for item in section.missing]
        return missing + self.documents_missing

    def failure_messages(self) -> list[str]:
        english = (translation.get_language() or "fr").startswith("en")
        return [r.message_en if english else r.message_fr for r in self.verdict.failures()]

    @property
    def next_section(self) -> completeness.SectionState | None:
        """The first section still incomplete: what the candidate should do next."""
        return next((s for s in self.sections if not s.complete), None)

    @property
    def sections_done(self) -> int:
        return sum(1 for s in self.sections if s.complete)


def dossier_status(application: Application) -> DossierStatus:
    """Completeness of every section and document, and the eligibility verdict, in memory."""
    identity = section_of(application, "identity")
    french = section_of(application, "french")
    sections = [
        completeness.SectionState("identity", completeness.identity_missing(identity)),
        completeness.SectionState(
            "studies", completeness.studies_missing(section_of(application, "studies"))
        ),
        completeness.SectionState("french", completeness.french_missing(french)),
        completeness.SectionState("experience", []),
        completeness.SectionState(
            "assets",
            completeness.assets_missing(
                section_of(application, "assets"),
                application.campaign.motivation_letter_words,
                application.payment_status,
            ),
        ),
    ]
    required = completeness.required_document_kinds(identity, french)
    current = {d.kind: d for d in application.current_documents}
    return DossierStatus(
        sections=sections,
        documents_missing=completeness.documents_missing(required, current),
        required_documents=required,
        verdict=evaluate(application_facts(application), campaign_rules(application.campaign)),
    )


def couple_for(application: Application) -> Couple | None:
    """The live couple this dossier belongs to, as proposer or partner."""
    return (
        Couple.objects.filter(status__in=[CoupleStatus.PROPOSED, CoupleStatus.CONFIRMED])
        .filter(Q(proposer=application) | Q(partner=application))
        .select_related("proposer__candidate", "partner__candidate")
        .first()
    )


def couple_invitations_for(application: Application) -> QuerySet[Couple]:
    """Couple applications addressed to this candidate, waiting for their confirmation."""
    return Couple.objects.filter(
        status=CoupleStatus.PROPOSED,
        partner_email__iexact=application.candidate.email,
        proposer__campaign=application.campaign,
    ).select_related("proposer__candidate")


def document_versions(application: Application) -> QuerySet[Document]:
    return application.documents.select_related("uploaded_by").order_by("kind", "-uploaded_at")


@dataclass(frozen=True)
class TimelineItem:
    """One line of the candidate's history: a status change or a recorded fact."""

    created_at: object
    label: str
    actor: User | None
    reason: str
    before: str = ""  # the status left (status changes only)


def dossier_timeline(
    application: Application, labels: Mapping[str, Any] = CANDIDATE_LABELS
) -> list[TimelineItem]:
    """Status changes (named by `labels`: the candidate's words unless staff read it) and events
    of a loaded dossier, oldest first."""
    items = [
        TimelineItem(
            c.created_at,
            labels.get(c.to_status, c.to_status),
            c.actor,
            c.reason,
            labels.get(c.from_status, "—") if c.from_status else "",
        )
        for c in application.status_changes.all()
    ] + [
        TimelineItem(e.created_at, DossierEventKind(e.kind).label, e.actor, e.note)
        for e in application.events.all()
    ]
    return sorted(items, key=lambda item: item.created_at)


def eligibility_decision_latest(application: Application) -> EligibilityDecision | None:
    """The decision that counts: the latest one, with who took it."""
    return (
        EligibilityDecision.objects.filter(application=application)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
        .first()
    )


def dossier_history(application: Application) -> QuerySet[AuditEntry]:
    """Every audit entry about the dossier or its records (documents, payments…), newest first."""
    return (
        AuditEntry.objects.filter(dossier=application.number)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )

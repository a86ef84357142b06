"""Reads of the dossier: one loader with a fixed number of queries, and what it adds up to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, ngettext

from candidates import completeness
from candidates.choices import (
    CANDIDATE_LABELS,
    DOCUMENTS_WITH_EXPIRY,
    TRANSITIONS,
    ApplicationStatus,
    Citizenship,
    CoupleStatus,
    DocumentKind,
    DossierEventKind,
    ExperienceKind,
    FrenchProofRoute,
)
from candidates.completeness import count_words
from candidates.eligibility import (
    CampaignRules,
    Facts,
    Verdict,
    evaluate,
    without_evaluation_level,
)
from candidates.fingerprint import identity_fingerprint, participation_years
from candidates.models import (
    Application,
    Assets,
    Couple,
    Document,
    DossierEvent,
    EligibilityDecision,
    Experience,
    FrenchCourse,
    FrenchProfile,
    PreviousParticipation,
    SectionDraft,
)
from tapif.core.messages import explain, explain_message
from tapif.core.models import Academie, AuditEntry, Campaign, User
from tapif.core.templatetags.tapif import country


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
        )
        .get(pk=application_id)
    )


def section_of(application: Application, name: str):
    """A one-to-one section row, or None before the candidate first saves it."""
    try:
        return getattr(application, name)
    except Application._meta.get_field(name).related_model.DoesNotExist:
        return None


def section_draft_of(application: Application, name: str) -> SectionDraft | None:
    """The candidate's unsaved draft of a section page, or None."""
    return SectionDraft.objects.filter(application=application, section=name).first()


# --- the dossier as staff read it (the admin's dossier page and the review page) -----------------

DAYS_PER_MONTH = 365.25 / 12
# Section fields that hold an ISO country code.
COUNTRY_FIELDS = frozenset({"country", "country_of_birth", "country_of_citizenship"})
# Section fields the staff never need to read (keys and bookkeeping).
HIDDEN_SECTION_FIELDS = frozenset({"application", "updated_at"})
# The official test, shown apart in section 3 with its verification and certificate.
FRENCH_TEST_FIELDS = frozenset(
    {"test_name", "test_level", "test_date", "test_verified_at", "test_verified_by"}
)


@dataclass(frozen=True)
class Answer:
    label: str
    value: Any  # text, a number, or a date the template formats


@dataclass(frozen=True)
class ExperienceLine:
    entry: Experience
    country: str
    duration: str


@dataclass(frozen=True)
class FrenchTest:
    answers: list[Answer]  # name, level, date, verification
    certificate: Document | None


@dataclass(frozen=True)
class DossierFacts:
    """Every answer of a dossier, worded for staff, in the order of the candidate's sections."""

    dossier: Application
    identity: list[Answer] | None  # None: the section was never saved
    studies: list[Answer] | None
    french: list[Answer] | None
    french_level_source: str
    french_test: FrenchTest | None
    french_courses: list[FrenchCourse]
    experiences: list[ExperienceLine]
    experience_totals: list[tuple[str, str]]
    assets: list[Answer] | None  # school level and availability (the rest below)
    academie_choices: list[Academie]
    academie_choices_label: str
    motivation_letter: str
    motivation_letter_label: str
    letter_words: int
    participations: list[PreviousParticipation]
    couple: Couple | None
    couple_partner: Application | None


def _yes_no(value: bool | None) -> str:
    if value is None:
        return gettext("Not answered")
    return gettext("Yes") if value else gettext("No")


def country_name(code: str) -> str:
    return country(code) or "—"


def _answer_value(instance: Any, field: Any) -> Any:
    """One answer of a section, as staff read it (choice labels, country names, yes/no)."""
    value = getattr(instance, field.name)
    if field.is_relation:
        return str(value) if value is not None else "—"
    if field.choices:
        return getattr(instance, f"get_{field.name}_display")() or "—"
    if field.name in COUNTRY_FIELDS:
        return country_name(value)
    if field.get_internal_type() == "BooleanField":
        return _yes_no(value)
    if value in (None, ""):
        return "—"
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return value


def _answers(
    instance: Any, *, skip: frozenset[str] = frozenset(), only: tuple[str, ...] = ()
) -> list[Answer] | None:
    """A section's answers, every field but the hidden ones (or `only` those), None if the
    candidate never saved the section."""
    if instance is None:
        return None
    fields = (
        [instance._meta.get_field(name) for name in only]
        if only
        else [
            f for f in instance._meta.concrete_fields if f.name not in HIDDEN_SECTION_FIELDS | skip
        ]
    )
    return [
        Answer(capfirst(field.verbose_name), _answer_value(instance, field)) for field in fields
    ]


def duration_words(days: int) -> str:
    months = formats.number_format(round(days / DAYS_PER_MONTH, 1), 1)
    return ngettext(
        "%(days)d day (%(months)s months)", "%(days)d days (%(months)s months)", days
    ) % {"days": days, "months": months}


def _french_test(dossier: Application, french: FrenchProfile | None) -> FrenchTest | None:
    """The official test as entered, with its verification and certificate (None if none)."""
    if french is None or not (
        french.proof_route == FrenchProofRoute.OFFICIAL_TEST
        or french.test_name
        or french.test_level
        or french.test_date
    ):
        return None
    if french.test_verified_at:
        verified = gettext("Yes, on %(when)s by %(who)s") % {
            "when": formats.date_format(
                timezone.localtime(french.test_verified_at), "SHORT_DATETIME_FORMAT"
            ),
            "who": french.test_verified_by.email if french.test_verified_by else "—",
        }
    else:
        verified = gettext("Not verified yet")
    return FrenchTest(
        answers=[
            *_answers(french, only=("test_name", "test_level", "test_date")),
            Answer(
                capfirst(FrenchProfile._meta.get_field("test_verified_at").verbose_name), verified
            ),
        ],
        certificate=next(
            (d for d in dossier.current_documents if d.kind == DocumentKind.LANGUAGE_TEST), None
        ),
    )


def _experience_lines(
    dossier: Application, today: dt.date
) -> tuple[list[ExperienceLine], list[tuple[str, str]]]:
    """Each entry with its duration, and the total duration per kind."""
    lines, totals, labels = [], {}, {}
    for entry in dossier.experiences.all():
        days = entry.days(today)
        lines.append(ExperienceLine(entry, country_name(entry.country), duration_words(days)))
        totals[entry.kind] = totals.get(entry.kind, 0) + days
        labels[entry.kind] = entry.get_kind_display()
    return lines, [(labels[kind], duration_words(days)) for kind, days in totals.items()]


def french_level_source_label(source: str) -> str:
    sources = {
        "evaluation": gettext("the professor's evaluation"),
        FrenchProofRoute.OFFICIAL_TEST: gettext("the verified official test"),
        "staff": gettext("staff"),
    }
    return str(sources.get(source, source))


def dossier_facts(dossier: Application) -> DossierFacts:
    """What staff read of a dossier loaded by `dossier_load`: the one source of the admin's
    dossier page and the reviewer's page (template `candidates/staff/dossier_facts.html`)."""
    french = section_of(dossier, "french")
    assets = section_of(dossier, "assets")
    experiences, totals = _experience_lines(dossier, timezone.localdate())
    couple = couple_for(dossier)
    partner = None
    if couple is not None:
        partner = couple.partner if couple.proposer_id == dossier.pk else couple.proposer
    return DossierFacts(
        dossier=dossier,
        identity=_answers(section_of(dossier, "identity")),
        studies=_answers(section_of(dossier, "studies")),
        french=_answers(french, skip=FRENCH_TEST_FIELDS),
        french_level_source=french_level_source_label(dossier.french_level_source),
        french_test=_french_test(dossier, french),
        french_courses=list(dossier.french_courses.all()),
        experiences=experiences,
        experience_totals=totals,
        assets=_answers(assets, only=("school_level", "available_from_contract_start")),
        academie_choices=list(assets.academie_choices) if assets else [],
        academie_choices_label=gettext("Académies in order of preference"),
        motivation_letter=assets.motivation_letter if assets else "",
        motivation_letter_label=capfirst(Assets._meta.get_field("motivation_letter").verbose_name),
        letter_words=count_words(assets.motivation_letter) if assets else 0,
        participations=list(dossier.previous_participations.all()),
        couple=couple,
        couple_partner=partner,
    )


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


def participations_recorded(application: Application, identity) -> int:
    """Participations the programme itself remembers of this person: the traces the retention
    policy kept of their anonymised dossiers of other years (candidates.retention)."""
    if identity is None:
        return 0
    fingerprint = identity_fingerprint(
        last_name=identity.legal_last_name,
        first_names=identity.legal_first_names,
        date_of_birth=identity.date_of_birth,
    )
    if fingerprint is None:
        return 0
    years = participation_years().get(fingerprint, [])
    return len([year for year in years if year != application.campaign.school_year])


def application_facts(application: Application, typed: Mapping[str, Any] | None = None) -> Facts:
    """What the dossier says, as the eligibility rules read it (None where not known yet).

    `typed` replaces saved section rows by unsaved ones (section name to an unsaved row): what
    the candidate is typing, judged before it is saved.
    """
    typed = typed or {}

    def _section(name: str):
        return typed[name] if name in typed else section_of(application, name)

    identity = _section("identity")
    studies = _section("studies")
    french = _section("french")
    assets = _section("assets")
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
        previous_participations=max(
            len(application.previous_participations.all()),
            participations_recorded(application, identity),
        ),
        available_from_contract_start=(
            True if assets and assets.available_from_contract_start else None
        ),
    )


#: `Application.french_level_source` of a level from a professor's (confidential) evaluation.
EVALUATION_SOURCE = "evaluation"


def dossier_verdict(application: Application, typed: Mapping[str, Any] | None = None) -> Verdict:
    """The eligibility verdict of a dossier, worded so the candidate may read it: a French level
    from a professor's evaluation is never named, only whether the requirement is met (staff
    read the level itself in the dossier's facts). `typed`: as for `application_facts`."""
    rules = campaign_rules(application.campaign)
    verdict = evaluate(application_facts(application, typed), rules)
    if application.french_level and application.french_level_source == EVALUATION_SOURCE:
        verdict = without_evaluation_level(verdict, rules)
    return verdict


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
        return [explain_message(r.message) for r in self.verdict.failures()]

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
        verdict=dossier_verdict(application),
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


def eligibility_decision_latest(application: Application) -> EligibilityDecision | None:
    """The decision that counts: the latest one, with who took it."""
    return (
        EligibilityDecision.objects.filter(application=application)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
        .first()
    )


# --- the dossier's history ----------------------------------------------------------------------
#
# One history, read by every screen that shows it (the candidate's timeline, the admin's dossier
# page): the dossier's events (status changes and recorded facts) and, for staff, the audit
# trail of every action on the dossier and its records. What a viewer may read is decided here.

#: Who reads a dossier's history as staff (the admin's dossier page needs the same permission).
VIEW_DOSSIER_PERMISSION = "candidates.view_application"
#: The blind-review rule reads permissions of the selection app by their codes (no import of a
#: higher app): who may read reviews at all, who scores dossiers, and who assigns them (and so
#: is never anchored by another's points).
VIEW_REVIEWS_PERMISSION = "selection.view_review"
SCORE_PERMISSION = "selection.score_dossier"
ASSIGN_PERMISSION = "selection.assign_reviewers"
#: Audit actions that carry a reviewer's points (recorded by selection).
REVIEW_DETAIL_ACTIONS = frozenset({"review.save", "review.submit"})
#: A submitted review is final: once its audit row exists, its reviewer may read the others'.
REVIEW_SUBMITTED_ACTION = "review.submit"
#: Audit rows whose fact the dossier's events already tell (shown once, as the event).
EVENT_MIRROR_ACTIONS = frozenset({"application.transition"})


@dataclass(frozen=True)
class HistoryItem:
    """One line of a dossier's history, as one viewer may read it.

    An event (a status change or a recorded fact) has a `label` in the viewer's words, the
    `reason` or note shown with it and, for a status change, the status left (`before`). An
    audit row (staff only) has its `action` code, worded in `label` by `explain`, the record
    it is about and its `details` (empty when the viewer may not read them).
    """

    created_at: dt.datetime
    label: str
    actor: User | None
    reason: str = ""
    before: str = ""  # the status left (status changes only)
    action: str = ""  # the audit action's code (audit rows only)
    record: str = ""  # the audited record, as named when it was recorded
    target_type: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_audit(self) -> bool:
        return bool(self.action)


def _staff_status_label(status: str) -> str:
    return str(ApplicationStatus(status).label) if status in ApplicationStatus else status


def _event_item(event: DossierEvent, status_label) -> HistoryItem:
    if event.kind == DossierEventKind.STATUS_CHANGED:
        return HistoryItem(
            created_at=event.created_at,
            label=str(status_label(event.to_status)),
            actor=event.actor,
            reason=event.note,
            before=str(status_label(event.from_status)) if event.from_status else "",
        )
    return HistoryItem(
        created_at=event.created_at,
        label=str(DossierEventKind(event.kind).label),
        actor=event.actor,
        reason=event.note,
    )


# --- the candidate's situation -----------------------------------------------------------------

#: What the candidate can expect after each status, in plain words.
NEXT_STEPS = {
    ApplicationStatus.DRAFT: gettext_lazy(
        "Complete every section and document, then submit before the deadline."
    ),
    ApplicationStatus.SUBMITTED: gettext_lazy(
        "The embassy checks your documents and your fee payment. You will be told if anything "
        "needs correcting."
    ),
    ApplicationStatus.COMPLETE: gettext_lazy("Your eligibility is being confirmed."),
    ApplicationStatus.INCOMPLETE: gettext_lazy(
        "Something is missing: follow the instructions you received to correct it."
    ),
    ApplicationStatus.ELIGIBLE: gettext_lazy(
        "Reviewers score your dossier; the selection committee meets in March."
    ),
    ApplicationStatus.REVIEWED: gettext_lazy(
        "The selection committee meets in March; results reach every candidate in April."
    ),
}


def candidate_label(status: str) -> str:
    """The words the candidate reads for a dossier status (the timeline names changes with it)."""
    return CANDIDATE_LABELS[status]


def application_may_withdraw(application: Application) -> bool:
    """Whether the dossier's status allows withdrawing (its transition table says); the
    withdrawal service checks again under its locks."""
    return ApplicationStatus.WITHDRAWN in TRANSITIONS[application.status]


@dataclass(frozen=True)
class OfferLink:
    """The way from the result to the offer pages, as the result card words it."""

    text: str
    primary: bool = False  # a button: the candidate has something to answer


@dataclass(frozen=True)
class CandidateSituation:
    """Where a candidate stands, worked out once from their dossier: what every page of theirs
    shows and allows. Templates read it rather than compare statuses."""

    status: str
    label: str  # the candidate-facing name of the status
    next_step: str  # what happens next ("" when there is nothing to expect)
    draft: bool  # still in preparation (never submitted, or reopened by staff)
    may_edit: bool  # a draft while the campaign is open
    may_submit: bool  # may edit, nothing missing, no rule known to fail
    may_withdraw: bool
    locked_notice: str  # why the dossier can no longer be changed ("" while it can)
    must_replace_document: bool  # a document was rejected after submission
    has_result: bool  # the committee's result is released to the candidate
    result_text: str  # the result in one sentence ("" before it is released)
    waitlisted: bool
    offer_pages: bool  # the result gives the candidate offer pages (accepted or waitlisted)
    offer_nav_label: str  # the offer pages' name in the dossier's menu ("" without them)
    offer_link: OfferLink | None  # the result card's way to the offer pages


def _offer_link(status: str) -> OfferLink:
    if status == ApplicationStatus.PLACED:
        return OfferLink(gettext("See your offer and answer it"), primary=True)
    if status in (ApplicationStatus.OFFER_ACCEPTED, ApplicationStatus.APPOINTED):
        return OfferLink(gettext("Your offer, your town and schools, your letters"))
    if status == ApplicationStatus.WAITLISTED:
        return OfferLink(gettext("Your place on the waiting list today"))
    if status == ApplicationStatus.ACCEPTED:
        return OfferLink(gettext("What comes next, and withdrawing"))
    return OfferLink(gettext("See your answer"))


def _result_text(application: Application) -> str:
    decision = application.result_decision
    if decision == ApplicationStatus.ACCEPTED and application.result_academie_id:
        return gettext("You are accepted, and placed in an académie.")
    if decision == ApplicationStatus.ACCEPTED:
        return gettext("You are accepted. Your académie will be given to you later.")
    if decision == ApplicationStatus.WAITLISTED:
        return gettext(
            "You are on the waiting list, in position %(position)s. If a place is freed, it goes "
            "to the best-ranked candidate on the list."
        ) % {"position": application.result_waitlist_position}
    return gettext("You were not selected this year.")


def candidate_situation(
    application: Application, *, progress: DossierStatus | None = None
) -> CandidateSituation:
    """The candidate's situation on a loaded dossier (`dossier_load`); `progress` is the
    dossier's `dossier_status` when the caller has it already (worked out here otherwise).

    The one place where the dossier's status, its campaign's dates and its released result
    become what the candidate reads and may do; the offer pages add the offer's state on top
    (`placements.selectors.offer_situation`).
    """
    progress = progress if progress is not None else dossier_status(application)
    status = application.status
    draft = application.is_draft
    closed = application.campaign.has_closed()
    may_edit = draft and not closed
    if may_edit:
        locked_notice = ""
    elif draft:
        locked_notice = gettext(
            "The application period has ended: your dossier can no longer be changed."
        )
    else:
        locked_notice = gettext("Your dossier has been submitted and can no longer be changed.")
    has_result = application.result_released_at is not None
    waitlisted = status == ApplicationStatus.WAITLISTED
    offer_pages = has_result and application.result_decision in (
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.WAITLISTED,
    )
    if not offer_pages:
        offer_nav_label = ""
    elif waitlisted:
        offer_nav_label = gettext("Waiting list")
    else:
        offer_nav_label = gettext("My offer")
    return CandidateSituation(
        status=status,
        label=str(candidate_label(status)),
        next_step=str(NEXT_STEPS.get(status, "")),
        draft=draft,
        may_edit=may_edit,
        may_submit=may_edit and progress.complete and progress.verdict.eligible is not False,
        may_withdraw=application_may_withdraw(application),
        locked_notice=locked_notice,
        must_replace_document=(
            status == ApplicationStatus.INCOMPLETE and bool(progress.documents_missing)
        ),
        has_result=has_result,
        result_text=_result_text(application) if has_result else "",
        waitlisted=waitlisted,
        offer_pages=offer_pages,
        offer_nav_label=offer_nav_label,
        offer_link=_offer_link(status) if offer_pages else None,
    )


def review_details_visible(*, application: Application, viewer: User) -> bool:
    """The blind-review rule: may the viewer read other reviewers' points on this dossier?

    A reviewer who scores dossiers (and does not assign them) may only once their own review
    of the dossier is submitted, so the first score does not anchor the others; staff who
    read reviews otherwise (programme managers, the committee, auditors) always may; anyone
    else never.
    """
    if not viewer.has_perm(VIEW_REVIEWS_PERMISSION):
        return False
    if viewer.has_perm(SCORE_PERMISSION) and not viewer.has_perm(ASSIGN_PERMISSION):
        return AuditEntry.objects.filter(
            dossier=application.number, actor=viewer, action=REVIEW_SUBMITTED_ACTION
        ).exists()
    return True


def _audit_item(entry: AuditEntry, *, review_details: bool, viewer: User) -> HistoryItem:
    hidden = (
        entry.action in REVIEW_DETAIL_ACTIONS and entry.actor_id != viewer.pk and not review_details
    )
    if hidden:  # that a review exists, at most: not who wrote it, nor its points
        return HistoryItem(
            created_at=entry.created_at,
            label=explain(entry.action),
            actor=None,
            action=entry.action,
            target_type=entry.target_type,
        )
    return HistoryItem(
        created_at=entry.created_at,
        label=explain(entry.action),
        actor=entry.actor,
        action=entry.action,
        record=entry.target_repr or f"{entry.target_type} #{entry.target_id}",
        target_type=entry.target_type,
        details=dict(entry.data or {}),
    )


def dossier_history(*, application: Application, viewer: User) -> list[HistoryItem]:
    """The dossier's history as `viewer` may read it, oldest first.

    The candidate reads the dossier's events in their own words (`candidate_label`),
    never the audit trail. Staff who may view dossiers read the events in staff words and the
    audit trail of the dossier and its records (documents, payments, reviews…), under the
    blind-review rule (`review_details_visible`): another reviewer's saved or submitted review
    shows only that it exists. Anyone else reads nothing. Two or three queries.
    """
    is_candidate = viewer.pk is not None and viewer.pk == application.candidate_id
    if not is_candidate and not (viewer.is_staff and viewer.has_perm(VIEW_DOSSIER_PERMISSION)):
        return []
    events = DossierEvent.objects.filter(application=application).select_related("actor")
    if is_candidate:
        return [_event_item(event, candidate_label) for event in events]
    review_details = review_details_visible(application=application, viewer=viewer)
    entries = (
        AuditEntry.objects.filter(dossier=application.number)
        .exclude(action__in=EVENT_MIRROR_ACTIONS)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    # Events before audit rows of the same instant, each in the order it was written.
    rows = [
        ((event.created_at, 0, event.pk), _event_item(event, _staff_status_label))
        for event in events
    ]
    rows += [
        (
            (entry.created_at, 1, entry.pk),
            _audit_item(entry, review_details=review_details, viewer=viewer),
        )
        for entry in entries
    ]
    return [item for _key, item in sorted(rows, key=lambda row: row[0])]

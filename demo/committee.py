"""The committee's part of the demo: twelve more dossiers taken to "reviewed" (fee verified,
documents accepted, eligible, two submitted reviews each, shared among four reviewers: the
reviewer, the admin, a deliberately harsh one and a lenient one, so the reviewer statistics name
them and calibration moves someone across the acceptance line), and one draft selection round
with quotas on six académies and a waitlist, ready to preview and freeze.
"""

from __future__ import annotations

from candidates import services
from candidates.choices import ApplicationStatus, DocumentKind, DocumentReview
from candidates.models import Application, Couple, Document, PreviousParticipation
from candidates.services import (
    application_submit,
    document_accept,
    eligibility_decide,
    french_test_verify,
)
from demo.accounts import DEMO_CANDIDATE_PASSWORD
from demo.dossiers import demo_dossier
from demo.fees import demo_fees
from placements.models import Quota, SelectionRound
from placements.services import round_assert_draft, round_create
from selection.choices import FRENCH_LEVEL_CODE
from selection.models import ReviewAssignment
from selection.services import criteria_ensure, french_level_prefill, review_save, reviewers_assign
from tapif.core.models import Academie, Campaign, User

#: The reviewed dossiers: (e-mail name, first name, last name, sex, city, province, programme,
#: académie codes, school level, test, level, age). Paris and Lyon are over-asked on purpose, so
#: the draft round leaves some candidates waitlisted or not selected.
COMMITTEE_CANDIDATES = (
    ("demo6", "Léa", "Bergeron", "F", "Montréal", "QC", "BA Études françaises",
     ("paris", "lyon", "versailles"), "primary", "DALF", "C1", 23),
    ("demo7", "Ethan", "MacDonald", "M", "Toronto", "ON", "BA French and History",
     ("paris", "creteil", "versailles"), "secondary", "DELF", "B2", 22),
    ("demo8", "Zoé", "Pelletier", "F", "Québec", "QC", "BEd Primary",
     ("lyon", "grenoble", "paris"), "primary", "DALF", "C2", 24),
    ("demo9", "Owen", "Fraser", "M", "Calgary", "AB", "BA Linguistics",
     ("paris", "lyon", "bordeaux"), "either", "TCF", "B2", 21),
    ("demo10", "Amira", "Haddad", "F", "Ottawa", "ON", "BA Translation",
     ("lyon", "paris", "lille"), "secondary", "TEF", "C1", 25),
    ("demo11", "Lucas", "Wong", "M", "Vancouver", "BC", "BA French studies",
     ("bordeaux", "toulouse", "paris"), "either", "DELF", "B1", 22),
    ("demo12", "Sarah", "Cohen", "F", "Montréal", "QC", "BA Education (French)",
     ("rennes", "lyon", "nantes"), "primary", "DALF", "C1", 23),
    ("demo13", "Jacob", "Thompson", "M", "Halifax", "NS", "BA English",
     ("lille", "paris", "amiens"), "secondary", "TCF", "B2", 24),
    ("demo14", "Olivia", "Gauthier", "F", "Sherbrooke", "QC", "BA Modern languages",
     ("paris", "lyon", "toulouse"), "either", "TEF", "B1", 26),
    ("demo15", "Nathan", "Morin", "M", "Edmonton", "AB", "BA Political science and French",
     ("toulouse", "bordeaux", "montpellier"), "primary", "DELF", "B2", 22),
    ("demo16", "Clara", "Dubé", "F", "Winnipeg", "MB", "BA French and English",
     ("lyon", "paris", "grenoble"), "either", "DALF", "C1", 23),
    ("demo17", "Gabriel", "Dubé", "M", "Winnipeg", "MB", "BSc Mathematics, French minor",
     ("lyon", "paris", "grenoble"), "either", "DELF", "B2", 24),
)  # fmt: skip
#: The returning assistant (a previous participation) and the confirmed couple.
COMMITTEE_RETURNING = ("demo9", "2024-2025", "nantes")
COMMITTEE_COUPLE = ("demo16", "demo17", "together_preferred")
#: The draft round's places (primary, secondary) per académie, and its waitlist size.
COMMITTEE_QUOTAS = {
    "paris": (1, 1),
    "lyon": (1, 0),
    "bordeaux": (0, 1),
    "rennes": (1, 0),
    "lille": (0, 1),
    "toulouse": (1, 0),
}
COMMITTEE_WAITLIST = 3
#: Each dossier's two score sheets, as offsets from a base sheet (so merits differ).
_BASE_POINTS = (3, 2, 3, 2, 3, 3)  # the criteria other than the French level, in order
#: How many points the harsh reviewer takes off, and the lenient one adds, on each criterion
#: other than the French level (which the evaluation or test sets).
HARSH_OFFSET = -2
LENIENT_OFFSET = 1


def demo_committee(
    campaign: Campaign,
    *,
    admin: User,
    manager: User,
    reviewer: User,
    harsh: User,
    lenient: User,
) -> None:
    """The twelve reviewed dossiers and the draft round.

    Idempotent: only dossiers never submitted go through the journey; the round is created
    only when the campaign has none (a frozen round, or one the committee has edited, is never
    touched).
    """
    applications = _dossiers(campaign)
    new = [a for a in applications if a.is_draft and a.submitted_at is None]
    if new:
        demo_fees(campaign, new, admin=admin)
        _review(
            new,
            manager=manager,
            reviewers=[reviewer, admin, harsh, lenient],
            offsets={harsh.pk: HARSH_OFFSET, lenient.pk: LENIENT_OFFSET},
        )
    _round(campaign, actor=manager)


def _dossiers(campaign: Campaign) -> list[Application]:
    """The twelve dossiers (drafts the first time), with their school level, the returning
    assistant's previous participation and the couple, all entered as the candidates would."""
    academies = Academie.objects.in_bulk(field_name="code")
    applications = {}
    for (
        name,
        first_name,
        last_name,
        sex,
        city,
        province,
        programme,
        codes,
        school_level,
        test_name,
        test_level,
        age,
    ) in COMMITTEE_CANDIDATES:
        application = demo_dossier(
            campaign,
            email=f"{name}@demo.tapif.ca",
            first_name=first_name,
            last_name=last_name,
            password=DEMO_CANDIDATE_PASSWORD,
            sex=sex,
            city=city,
            province=province,
            programme=programme,
            academies=[academies[code] for code in codes if code in academies],
            test_name=test_name,
            test_level=test_level,
            age=age,
            language="en" if sex == "M" else "fr",
        )
        if (
            application.is_draft
            and application.submitted_at is None
            and application.assets.school_level != school_level
        ):
            services.section_update(
                application=application,
                section="assets",
                data={"school_level": school_level},
                actor=application.candidate,
            )
        applications[name] = application

    name, school_year, code = COMMITTEE_RETURNING
    returning = applications[name]
    if returning.is_draft and not returning.previous_participations.exists():
        services.item_save(
            application=returning,
            instance=PreviousParticipation(school_year=school_year, academie=academies[code]),
            actor=returning.candidate,
        )

    proposer_name, partner_name, preference = COMMITTEE_COUPLE
    proposer, partner = applications[proposer_name], applications[partner_name]
    if (
        proposer.is_draft
        and partner.is_draft
        and not Couple.objects.filter(proposer__in=[proposer, partner]).exists()
        and not Couple.objects.filter(partner__in=[proposer, partner]).exists()
    ):
        couple = services.couple_propose(
            application=proposer,
            partner_email=partner.candidate.email,
            preference=preference,
            actor=proposer.candidate,
        )
        services.couple_confirm(couple=couple, application=partner, actor=partner.candidate)
    return list(applications.values())


def _review(
    applications: list[Application],
    *,
    manager: User,
    reviewers: list[User],
    offsets: dict[int, int],
) -> None:
    """The candidates submit; the manager verifies the French test, accepts every document and
    finds the dossier eligible; the balanced assignment gives each dossier two of `reviewers`
    (pairs rotating, so every reviewer shares dossiers with several others), who each submit a
    review, a reviewer in `offsets` moving every criterion but the French level by their points.
    """
    for application in applications:
        application_submit(application=application, actor=application.candidate)
        french_test_verify(application=application, actor=manager)
        documents = Document.objects.filter(
            application=application, is_current=True, review_status=DocumentReview.PENDING
        ).exclude(kind=DocumentKind.FEE_RECEIPT)
        for document in documents:
            document_accept(document=document, actor=manager)
    fresh = list(Application.objects.filter(pk__in=[a.pk for a in applications]).order_by("number"))
    for application in fresh:
        if application.status == ApplicationStatus.COMPLETE:
            eligibility_decide(application=application, actor=manager)
    reviewers_assign(applications=fresh, reviewers=reviewers, actor=manager)
    others = [c.code for c in criteria_ensure(fresh[0].campaign) if c.code != FRENCH_LEVEL_CODE]
    for index, application in enumerate(fresh):
        application.refresh_from_db()
        prefill = french_level_prefill(application)
        assigned = [
            a.reviewer
            for a in ReviewAssignment.objects.filter(application=application)
            .select_related("reviewer")
            .order_by("assigned_at", "pk")
        ]
        for turn, reviewer in enumerate(assigned):
            shift = offsets.get(reviewer.pk, 0)
            points = {
                code: max(
                    0, min(5, base + (index * (position + 2) + turn * position) % 3 - 1 + shift)
                )
                for position, (code, base) in enumerate(zip(others, _BASE_POINTS, strict=False))
            }
            french = prefill if prefill is not None else 3
            note = ""
            if turn == 1 and index % 4 == 1:  # the second reader sometimes hears it otherwise
                french = max(0, french - 1)
                note = "Heard at the interview: the oral is below the certificate's level."
            review_save(
                application=application,
                reviewer=reviewer,
                points={FRENCH_LEVEL_CODE: french, **points},
                french_level_note=note,
                submit=True,
            )


def _round(campaign: Campaign, *, actor: User) -> None:
    """One draft round with quotas on a few académies, unless the campaign has a round already."""
    if SelectionRound.objects.filter(campaign=campaign).exists():
        return
    selection_round = round_create(campaign=campaign, actor=actor, waitlist_size=COMMITTEE_WAITLIST)
    round_assert_draft(selection_round)
    academies = Academie.objects.in_bulk(list(COMMITTEE_QUOTAS), field_name="code")
    Quota.objects.bulk_create(
        Quota(round=selection_round, academie=academies[code], primary=primary, secondary=second)
        for code, (primary, second) in COMMITTEE_QUOTAS.items()
        if code in academies
    )

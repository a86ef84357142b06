"""The staff review part of the demo: five submitted dossiers with their fee verified, two of them
with every document accepted, all assigned to the demo reviewer."""

from __future__ import annotations

from candidates.choices import DocumentKind, DocumentReview
from candidates.models import Application, Document
from candidates.services import application_submit, document_accept
from demo.accounts import DEMO_CANDIDATE_PASSWORD
from demo.dossiers import demo_dossier
from demo.fees import demo_fees
from selection.services import criteria_ensure, reviewers_assign
from tapif.core.models import Academie, Campaign, Institution, User

#: The submitted dossiers: (e-mail, first name, last name, sex, city, province, postal code,
#: university, programme, académie codes, test, level, age).
DEMO_CANDIDATES = (
    ("demo1@demo.tapif.ca", "Émilie", "Roy", "F", "Ottawa", "ON", "K1N 6N5",
     "University of Ottawa / Université d'Ottawa", "BA French studies",
     ("lyon", "grenoble", "nice"), "DELF", "B2", 22),
    ("demo2@demo.tapif.ca", "Liam", "O'Connor", "M", "Halifax", "NS", "B3H 4R2",
     "Dalhousie University", "BA English and French",
     ("rennes", "nantes", "normandie"), "DALF", "C1", 24),
    ("demo3@demo.tapif.ca", "Chloé", "Nguyen", "F", "Vancouver", "BC", "V6T 1Z4",
     "University of British Columbia", "BEd Secondary (French)",
     ("bordeaux", "toulouse", "montpellier"), "TCF", "B2", 23),
    ("demo4@demo.tapif.ca", "Noah", "Campbell", "M", "Kingston", "ON", "K7L 3N6",
     "Queen's University", "BA Linguistics",
     ("paris", "versailles", "creteil"), "TEF", "C1", 21),
    ("demo5@demo.tapif.ca", "Maya", "Singh", "F", "Winnipeg", "MB", "R3T 2N2",
     "University of Manitoba", "BA French and Spanish",
     ("strasbourg", "nancy-metz", "la-reunion"), "DELF", "B2", 25),
)  # fmt: skip
#: How many of the demo dossiers have every document accepted (ready for eligibility).
DEMO_COMPLETE = 2


def demo_review(campaign: Campaign, *, admin: User, manager: User, reviewer: User) -> None:
    """The campaign's scoring criteria, then the five dossiers: fee verified, submitted, the
    first ones' documents accepted, all assigned to `reviewer`.

    Idempotent: existing dossiers are kept, bank lines already imported are skipped, and every
    step returns early when there is nothing left to do.
    """
    criteria_ensure(campaign)
    applications = _dossiers(campaign)
    # Only dossiers never submitted go through the fee and the submission: a later run leaves
    # alone what a newcomer has done to the others since (rejected, reopened…).
    new = [a for a in applications if a.is_draft and a.submitted_at is None]
    demo_fees(campaign, new, admin=admin)
    _review(applications, new, manager=manager, reviewer=reviewer)


def _dossiers(campaign: Campaign) -> list[Application]:
    applications = []
    for (
        email,
        first_name,
        last_name,
        sex,
        city,
        province,
        postal_code,
        university,
        programme,
        codes,
        test_name,
        test_level,
        age,
    ) in DEMO_CANDIDATES:
        by_code = Academie.objects.in_bulk(codes, field_name="code")
        applications.append(
            demo_dossier(
                campaign,
                email=email,
                first_name=first_name,
                last_name=last_name,
                password=DEMO_CANDIDATE_PASSWORD,
                sex=sex,
                city=city,
                province=province,
                postal_code=postal_code,
                institution=Institution.objects.filter(name=university).first(),
                programme=programme,
                academies=[by_code[code] for code in codes if code in by_code],
                test_name=test_name,
                test_level=test_level,
                age=age,
            )
        )
    return applications


def _review(applications: list, new: list, *, manager: User, reviewer: User) -> None:
    """The new candidates submit; the manager accepts every document of the first dossiers
    (they become complete, ready for an eligibility decision) and assigns all the dossiers to
    the demo reviewer (assignments already made are kept)."""
    for application in new:
        application_submit(application=application, actor=application.candidate)
    for application in new:
        if application in applications[:DEMO_COMPLETE]:
            documents = Document.objects.filter(
                application=application, is_current=True, review_status=DocumentReview.PENDING
            ).exclude(kind=DocumentKind.FEE_RECEIPT)
            for document in documents:
                document_accept(document=document, actor=manager)
    fresh = list(Application.objects.filter(pk__in=[a.pk for a in applications]))
    reviewers_assign(applications=fresh, reviewers=[reviewer], actor=manager)

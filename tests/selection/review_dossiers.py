"""Dossiers open to review and the staff who review them, for the selection tests.

`reviewable` goes through the candidates services (transitions, fee, French level), as the
staff screens would; `bulk_dossiers` writes rows directly with bulk_create, for the
changelist's query-count test where only the shape of the data matters.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Permission

from candidates.choices import ApplicationStatus, DossierEventKind, PaymentStatus
from candidates.models import Application, Assets, FrenchProfile, Identity, Studies
from candidates.services import (
    application_record_french_level,
    application_record_payment,
    application_transition,
)
from selection.choices import ReviewStatus
from selection.models import MeritScore, Review, ReviewAssignment
from tapif.core.models import Academie, Campaign, Institution, User
from tests.candidates.factories import ApplicationFactory
from tests.factories import CandidateFactory, StaffFactory

# How a dossier gets from "submitted" to each status reviewers may meet.
PATH = {
    ApplicationStatus.SUBMITTED: [ApplicationStatus.SUBMITTED],
    ApplicationStatus.COMPLETE: [ApplicationStatus.SUBMITTED, ApplicationStatus.COMPLETE],
    ApplicationStatus.ELIGIBLE: [
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.COMPLETE,
        ApplicationStatus.ELIGIBLE,
    ],
    ApplicationStatus.INELIGIBLE: [
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.COMPLETE,
        ApplicationStatus.INELIGIBLE,
    ],
}


def staff_with(*permissions: str, **fields) -> User:
    """A staff member holding the named "app_label.codename" permissions."""
    user = StaffFactory(**fields)
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)  # a fresh permission cache


def scorer(**fields) -> User:
    return staff_with(
        "selection.score_dossier",
        "selection.view_review",
        "selection.view_dossierunderreview",
        **fields,
    )


def manager(**fields) -> User:
    return staff_with(
        "selection.assign_reviewers",
        "selection.view_review",
        "selection.view_dossierunderreview",
        "selection.view_reviewassignment",
        "candidates.view_every_dossier",
        **fields,
    )


def reviewable(
    campaign: Campaign,
    *,
    status: str = ApplicationStatus.ELIGIBLE,
    fee: str = PaymentStatus.VERIFIED,
    french_level: str = "",
    **candidate,
) -> Application:
    """A dossier moved through the transition table to `status`, its fee in `fee`."""
    application = ApplicationFactory(campaign=campaign, candidate=CandidateFactory(**candidate))
    for step in PATH[status]:
        application = application_transition(application=application, to_status=step, actor=None)
    if fee:
        application = application_record_payment(
            application=application,
            status=fee,
            event=DossierEventKind.PAYMENT_VERIFIED,
            actor=None,
        )
    if french_level:
        application = application_record_french_level(
            application=application, level=french_level, actor=None, source="evaluation"
        )
    return Application.objects.get(pk=application.pk)


def assign(application: Application, *reviewers: User) -> None:
    ReviewAssignment.objects.bulk_create(
        ReviewAssignment(application=application, reviewer=r) for r in reviewers
    )


def bulk_dossiers(
    campaign: Campaign, count: int, *, reviewers: list[User], start: int = 0
) -> list[Application]:
    """`count` eligible dossiers with every section, two reviewers each (one submitted review)
    and a merit: every column of the review changelist has something to read."""
    academies = list(Academie.objects.order_by("name")[:3])
    institution, _created = Institution.objects.get_or_create(
        name="Université du Banc d’essai", city="Moncton", province="NB", status="approved"
    )
    users = User.objects.bulk_create(
        User(
            email=f"bulk{start + i}@example.ca",
            first_name=f"Prénom{start + i}",
            last_name=f"Nom{start + i}",
        )
        for i in range(count)
    )
    applications = Application.objects.bulk_create(
        Application(
            campaign=campaign,
            candidate=user,
            number=f"BK-{start + i:05d}",
            status=ApplicationStatus.ELIGIBLE,
            payment_status=PaymentStatus.VERIFIED,
            french_level="B2",
        )
        for i, user in enumerate(users)
    )
    Identity.objects.bulk_create(
        Identity(application=a, legal_last_name=a.candidate.last_name, province="ON")
        for a in applications
    )
    Studies.objects.bulk_create(
        Studies(application=a, institution=institution) for a in applications
    )
    FrenchProfile.objects.bulk_create(
        FrenchProfile(application=a, evaluator_status="submitted") for a in applications
    )
    Assets.objects.bulk_create(
        Assets(
            application=a,
            academie_1=academies[0],
            academie_2=academies[1],
            academie_3=academies[2],
        )
        for a in applications
    )
    ReviewAssignment.objects.bulk_create(
        ReviewAssignment(application=a, reviewer=r) for a in applications for r in reviewers[:2]
    )
    Review.objects.bulk_create(
        Review(
            application=a,
            reviewer=reviewers[0],
            status=ReviewStatus.SUBMITTED,
            score=Decimal("70.00"),
        )
        for a in applications
    )
    MeritScore.objects.bulk_create(
        MeritScore(application=a, merit=Decimal("70.00"), reviewers=1) for a in applications
    )
    return applications

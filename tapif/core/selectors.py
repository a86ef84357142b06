from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef, QuerySet

from tapif.core.models import Academie, AcademieCutoff, Campaign, StaffInvitation, User
from tapif.core.tokens import token_hash

#: The authenticators that are a second factor by themselves (recovery codes only back one up).
SECOND_FACTOR_TYPES = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def campaign_current() -> Campaign | None:
    """The one campaign flagged current, or None before any campaign is set up."""
    return Campaign.objects.filter(is_current=True).first()


def academie_list_active() -> QuerySet[Academie]:
    return Academie.objects.filter(is_active=True).order_by("name")


def cutoffs_of_previous_campaign(campaign: Campaign | None) -> list[AcademieCutoff]:
    """The cut-offs of the latest campaign before `campaign` that has any (opened earlier),
    by académie name then level; [] when no earlier campaign has cut-offs."""
    if campaign is None:
        return []
    previous = (
        Campaign.objects.filter(opens_at__lt=campaign.opens_at, cutoffs__isnull=False)
        .order_by("-opens_at")
        .values_list("pk", flat=True)
        .first()
    )
    if previous is None:
        return []
    return list(
        AcademieCutoff.objects.filter(campaign_id=previous)
        .select_related("campaign", "academie")
        .order_by("academie__name", "level")
    )


def users_with_second_factor(users: QuerySet[User]) -> QuerySet[User]:
    """`users` annotated with `has_second_factor` (an authenticator app or a security key)."""
    return users.annotate(
        has_second_factor=Exists(
            Authenticator.objects.filter(user=OuterRef("pk"), type__in=SECOND_FACTOR_TYPES)
        )
    )


def staff_without_second_factor() -> QuerySet[User]:
    """Active staff accounts that cannot reach the admin yet: no second factor set up."""
    return users_with_second_factor(User.objects.filter(is_staff=True, is_active=True)).filter(
        has_second_factor=False
    )


def staff_invitation_by_token(token: str) -> StaffInvitation | None:
    """The set-up link a token belongs to, whatever its state (None for an unknown token)."""
    if not token or len(token) > 100:
        return None
    return (
        StaffInvitation.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    )

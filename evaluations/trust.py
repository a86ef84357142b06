"""The chain of trust of evaluations: whose address is whose, and who vouches for a professor.

staff → institution → professor. Staff approve an institution, its contacts and its e-mail
domains; an approved contact lists its professors by address. An evaluation counts when the
address it was sent to is proved to be the professor's (their account's verified address, or a
confirmation from that address) and that address is vouched for: listed by an approved contact
of an approved institution, or on one of the domains staff approved for it. The candidate's own
addresses never evaluate them. See docs/security.md, "Evaluations: the chain of trust".
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import models

from candidates.models import Application, Identity
from evaluations.choices import ContactStatus
from evaluations.models import InstitutionContact, Professor
from tapif.core.models import Institution, User


def normalized(email: str) -> str:
    return (email or "").strip().lower()


def verified_addresses(user: User) -> set[str]:
    """The addresses this account proved it receives mail at (allauth's verified addresses)."""
    return {
        normalized(address)
        for address in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }


def user_addresses(user: User) -> set[str]:
    """Every address an account uses: its login address and its allauth addresses."""
    found = {normalized(user.email)}
    found |= {
        normalized(address)
        for address in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    return found - {""}


def candidate_addresses(application: Application) -> set[str]:
    """The candidate's own addresses: their account's, every allauth address of theirs, and any
    address written in their dossier's identity section. None of them may evaluate them."""
    found = user_addresses(application.candidate)
    email_fields = [
        field.name for field in Identity._meta.fields if isinstance(field, models.EmailField)
    ]
    if email_fields:
        identity = Identity.objects.filter(application=application).values(*email_fields).first()
        found |= {normalized(value) for value in (identity or {}).values() if value}
    return found - {""}


def is_candidates_own(application: Application, email: str) -> bool:
    return normalized(email) in candidate_addresses(application)


def domain_of(email: str) -> str:
    return normalized(email).rpartition("@")[2]


def vouched_by(email: str) -> str:
    """Why `email` is vouched for: "listed" (an active professor listed by an approved contact
    of an approved institution), "domain" (on a domain staff approved), or "" (nobody vouches)."""
    email = normalized(email)
    listing = (
        Professor.objects.filter(
            email__iexact=email,
            is_active=True,
            institution__status=Institution.Status.APPROVED,
        )
        .select_related("institution")
        .first()
    )
    if listing is not None and listing.added_by_id is not None:
        listed_by_contact = InstitutionContact.objects.filter(
            user_id=listing.added_by_id,
            institution_id=listing.institution_id,
            status=ContactStatus.APPROVED,
        ).exists()
        if listed_by_contact:
            return "listed"
    domain = domain_of(email)
    if domain:
        candidates = Institution.objects.filter(
            status=Institution.Status.APPROVED,
            domains_approved_at__isnull=False,
            email_domains__icontains=domain,
        )
        if any(domain in institution.approved_domains for institution in candidates):
            return "domain"
    return ""

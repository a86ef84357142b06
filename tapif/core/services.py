"""Every write to the platform's own records goes through these functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tapif.core.audit import audit_record
from tapif.core.choices import SchoolLevel, UserKind
from tapif.core.exceptions import DomainError
from tapif.core.models import (
    AcademieCutoff,
    Campaign,
    Institution,
    StaffInvitation,
    User,
    email_domains_parse,
    validate_email_domains,
)
from tapif.core.outbox import mail_user
from tapif.core.sealing import reseal_authenticator_data
from tapif.core.selectors import staff_invitation_by_token
from tapif.core.tokens import new_token, token_hash


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


#: Sent inside `campaign_update`'s transaction when dated fields change: `campaign` (as saved)
#: and `previous` ({field: its value before}). The dossier's app announces moved deadlines.
campaign_dates_changed = Signal()

#: The campaign's dates whose change is announced through `campaign_dates_changed`.
CAMPAIGN_DATE_FIELDS = ("opens_at", "closes_at", "language_test_deadline", "results_release_date")


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


@transaction.atomic
def campaign_update(
    *, campaign: Campaign, values: Mapping[str, Any], actor: User | None
) -> Campaign:
    """Change a campaign's settings (`values`: field → new value, already validated, as the
    admin's form gives them). Returns early when nothing differs from the stored row.

    Locks the row, saves the changed fields, records them before and after in the audit log
    (`campaign.update`), and, when dates moved, sends `campaign_dates_changed` in the
    transaction: the dossier's app queues, on commit, the announcement of a moved deadline
    (candidates.reminders.deadline_change_announce).
    """
    stored = Campaign.objects.select_for_update().get(pk=campaign.pk)
    previous = {
        name: getattr(stored, name)
        for name, value in values.items()
        if getattr(stored, name) != value
    }
    if not previous:
        return stored
    for name in previous:
        setattr(stored, name, values[name])
    stored.save(update_fields=[*previous, "updated_at"])
    audit_record(
        actor=actor,
        action="campaign.update",
        target=stored,
        data={
            "before": {name: _json_value(value) for name, value in previous.items()},
            "after": {name: _json_value(values[name]) for name in previous},
        },
    )
    moved = {name: value for name, value in previous.items() if name in CAMPAIGN_DATE_FIELDS}
    if moved:
        campaign_dates_changed.send(sender=Campaign, campaign=stored, previous=moved)
    return stored


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


# --- Staff accounts: created by invitation, second factor set up only from the link -----------

STAFF_SETUP_TEMPLATE = "core/email/staff_setup"


def staff_setup_link(invitation: StaffInvitation, token: str) -> str:
    """The set-up page's address, in the language of the person's e-mails."""
    with translation.override(invitation.user.preferred_language):
        return settings.SITE_URL + reverse("core:staff_setup", kwargs={"token": token})


@transaction.atomic
def staff_invite(*, user: User, actor: User | None) -> StaffInvitation:
    """E-mail `user` a new single-use link to set their password and second factor.

    The account must be an active staff account. The previous open link stops working (at most
    one open link per account); the new one is valid `TAPIF_STAFF_SETUP_LINK_HOURS`. Writes the
    e-mail to the outbox (the link is erased from it once sent) and an audit row. Nothing else
    changes until the link is used: a second factor already set up keeps working.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if not (user.is_staff and user.is_active):
        raise DomainError(
            _("%(email)s is not an active staff account.") % {"email": user.email},
            code="not_staff",
        )
    now = timezone.now()
    StaffInvitation.objects.filter(user=user, used_at=None, revoked_at=None).update(revoked_at=now)
    token = new_token()
    invitation = StaffInvitation.objects.create(
        user=user,
        token_hash=token_hash(token),
        created_at=now,
        created_by=actor if actor is not None and actor.pk else None,
        expires_at=now + dt.timedelta(hours=settings.TAPIF_STAFF_SETUP_LINK_HOURS),
    )
    mail_user(
        user=user,
        template_prefix=STAFF_SETUP_TEMPLATE,
        context={"invitation": invitation, "link": staff_setup_link(invitation, token)},
        secret_keys=["link"],
    )
    audit_record(
        actor=actor,
        action="staff.invite",
        target=user,
        data={"invitation": invitation.pk, "expires_at": invitation.expires_at.isoformat()},
    )
    return invitation


@transaction.atomic
def staff_enrol(*, user: User, actor: User | None) -> StaffInvitation:
    """An account just made staff (in the admin): its set-up link is e-mailed, and any second
    factor it set up by itself is removed (a staff second factor comes only from the link; the
    owner is e-mailed about each one removed). Audited.
    """
    removed = list(Authenticator.objects.filter(user=user))
    Authenticator.objects.filter(pk__in=[each.pk for each in removed]).delete()
    audit_record(
        actor=actor,
        action="staff.enrol",
        target=user,
        data={"removed": [each.type for each in removed]},
    )
    if removed:
        transaction.on_commit(lambda: _tell_owner(user, removed=removed))
    return staff_invite(user=user, actor=actor)


def _tell_owner(
    user: User, *, removed: Iterable[Authenticator] = (), added: Iterable[Authenticator] = ()
) -> None:
    """allauth's signals for authenticators changed outside its pages (their receivers e-mail
    the owner); sent after commit, as allauth does."""
    for each in removed:
        mfa_signals.authenticator_removed.send(
            sender=Authenticator, request=None, user=user, authenticator=each
        )
    for each in added:
        mfa_signals.authenticator_added.send(
            sender=Authenticator, request=None, user=user, authenticator=each
        )


@transaction.atomic
def staff_create(
    *,
    email: str,
    groups: Iterable[str] = (),
    superuser: bool = False,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    actor: User | None,
) -> tuple[User, StaffInvitation]:
    """A new staff account, without a password, in the named roles; e-mails its set-up link.

    Refuses an address already in use and a group that does not exist (the roles of
    `tapif.core.roles`). The e-mail address counts as verified once the link is used.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(
            _("An account with the address %(email)s already exists.") % {"email": email},
            code="email_taken",
        )
    names = sorted(set(groups))
    found = {group.name: group for group in Group.objects.filter(name__in=names)}
    unknown = [name for name in names if name not in found]
    if unknown:
        raise DomainError(
            _("No such staff group: %(names)s.") % {"names": ", ".join(unknown)},
            code="unknown_group",
        )
    user = User.objects.create_user(
        email,
        password=None,  # unusable: the person sets their own from the link
        first_name=first_name,
        last_name=last_name,
        kind=UserKind.STAFF,
        is_staff=True,
        is_superuser=superuser,
        preferred_language=language or settings.LANGUAGE_CODE,
    )
    user.groups.set(found.values())
    audit_record(
        actor=actor,
        action="staff.create",
        target=user,
        data={"groups": names, "superuser": superuser},
    )
    return user, staff_invite(user=user, actor=actor)


@dataclass(frozen=True)
class StaffSetup:
    """What a used set-up link made: the account, and its recovery codes (to show once)."""

    user: User
    recovery_codes: list[str]


@transaction.atomic
def staff_setup_complete(*, token: str, password: str, totp_secret: str) -> StaffSetup:
    """Use a set-up link: the person's own password, a new authenticator app, new recovery codes.

    The caller has checked the password against the validators and a code of the app against
    `totp_secret`. The link must still be usable (locked, so a double submit uses it once); it
    is then used. Authenticators the account had are replaced (a lost phone); the e-mail
    address counts as verified (the link was sent to it). Audited; the owner is e-mailed about
    each authenticator added and removed (`authenticator_added` / `_removed`, after commit).
    Returns the recovery codes, marked as seen: they are shown this once.
    """
    found = staff_invitation_by_token(token)
    invitation = (
        StaffInvitation.objects.select_for_update().select_related("user").get(pk=found.pk)
        if found is not None
        else None
    )
    now = timezone.now()
    if invitation is None or not invitation.is_usable(now):
        raise DomainError(
            _("This set-up link no longer works. Ask a programme manager for a new one."),
            code="link_invalid",
        )
    user = invitation.user
    if not (user.is_staff and user.is_active):
        raise DomainError(_("This account is no longer a staff account."), code="not_staff")
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    removed = list(Authenticator.objects.filter(user=user))
    Authenticator.objects.filter(pk__in=[each.pk for each in removed]).delete()
    totp = TOTP.activate(user, totp_secret).instance
    codes = RecoveryCodes.activate(user)
    codes.mark_as_viewed()
    audit_record(
        actor=user,
        action="staff.setup_complete",
        target=user,
        data={"invitation": invitation.pk, "replaced": [each.type for each in removed]},
    )

    transaction.on_commit(lambda: _tell_owner(user, removed=removed, added=[totp, codes.instance]))
    return StaffSetup(user=user, recovery_codes=codes.get_unused_codes())


def second_factor_changed_mail(*, user: User, authenticator: Authenticator, change: str) -> None:
    """E-mail the owner that a second factor was added, removed or renewed (`change`), so a
    change they did not make does not go unnoticed. Recovery codes made together with an
    authenticator app are not mailed on their own (allauth's convention): that mail says it."""
    if change == "added" and authenticator.type == Authenticator.Type.RECOVERY_CODES:
        return
    if change == "removed" and authenticator.type == Authenticator.Type.RECOVERY_CODES:
        return  # removed with the last authenticator app, whose mail says so
    mail_user(
        user=user,
        template_prefix="core/email/second_factor_changed",
        context={"change": change, "kind": authenticator.type, "at": timezone.now()},
    )


def authenticator_secrets_reseal() -> int:
    """Seal every stored second-factor secret with the current SECRET_KEY: those written in the
    clear before sealing existed, and those sealed with a key now in SECRET_KEY_FALLBACKS (run
    after a key rotation, before the old key leaves the fallbacks). Each row is locked and saved
    with `update_fields`; returns how many changed. Idempotent."""
    changed = 0
    with transaction.atomic():
        for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
            data = reseal_authenticator_data(authenticator.type, authenticator.data)
            if data is not None:
                authenticator.data = data
                authenticator.save(update_fields=["data"])
                changed += 1
    return changed

"""allauth adapter: who signs up as what, and e-mails in the recipient's own language."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.contrib.auth import get_user_model
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tapif.core.choices import UserKind
from tapif.core.outbox import mail_prerendered
from tapif.core.sealing import seal, unseal


def _language_of(email: str, fallback: str) -> str:
    user = get_user_model().objects.filter(email__iexact=email).only("preferred_language").first()
    return user.preferred_language if user else fallback


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        user.first_name = data.get("first_name", "")
        user.last_name = data.get("last_name", "")
        user.kind = data.get("kind") or UserKind.CANDIDATE
        user.preferred_language = data.get("preferred_language") or translation.get_language()
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request) -> str:
        # An explicit ?next= wins (allauth checks it before calling this).
        user = request.user
        if user.is_staff:
            return reverse("admin:index")
        with translation.override(user.preferred_language):
            return reverse("core:home")

    def send_confirmation_mail(self, request, emailconfirmation, signup) -> None:
        language = emailconfirmation.email_address.user.preferred_language
        with translation.override(language):
            super().send_confirmation_mail(request, emailconfirmation, signup)

    def send_password_reset_mail(self, user, email, context) -> None:
        language = user.preferred_language
        if "password_reset_url" in context:
            context["password_reset_url"] = translate_url(context["password_reset_url"], language)
        with translation.override(language):
            super().send_password_reset_mail(user, email, context)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        language = _language_of(email, translation.get_language() or "fr")
        with translation.override(language):
            # allauth renders with the request (site, links); the outbox delivers, and erases
            # the content (a code, a reset link) once sent.
            message = self._render_in_request(template_prefix, email, context)
        html = next((body for body, kind in message.alternatives if kind == "text/html"), None)
        if message.content_subtype == "html":
            html = message.body
        mail_prerendered(
            email=email,
            language=language,
            kind=template_prefix,
            subject=message.subject,
            text=message.body,
            html=html,
        )

    def _render_in_request(self, template_prefix: str, email: str, context: dict):
        request = allauth_context.request
        full = {"request": request, "email": email, "current_site": get_current_site(request)}
        return self.render_mail(template_prefix, email, {**full, **context})


class MFAAdapter(DefaultMFAAdapter):
    """Staff keep the second factor their set-up link gave them: removing it would leave the
    account without one, and only a new link (from a programme manager) sets one up."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "A staff account keeps its second factor. To replace it (a new phone), ask a "
            "programme manager for a new set-up link."
        ),
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        return not authenticator.user.is_staff

    # The authenticator's key and the recovery codes' seed are sealed in the database
    # (tapif.core.sealing): a stolen dump or backup does not carry anyone's second factor.
    def encrypt(self, text: str) -> str:
        return seal(text)

    def decrypt(self, encrypted_text: str) -> str:
        return unseal(encrypted_text)

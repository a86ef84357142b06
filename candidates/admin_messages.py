"""The admin of messages to a group of candidates (`candidates.bulk_messages`): the programme
manager picks the recipients by filters and writes both texts; the saved message shows how
many it reaches and how two recipients of each language will read it; the "Send" action
sends it once. A sent message can no longer be changed."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.utils.html import format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from candidates.bulk_messages import (
    RecipientFilter,
    group_message_preview,
    group_message_recipients,
    group_message_send,
)
from candidates.choices import ApplicationStatus, CefrLevel, DocumentKind, PaymentStatus
from candidates.models import GroupMessage
from tapif.core.admin_actions import admin_action
from tapif.core.admin_display import AuditedAdmin
from tapif.core.models import Academie
from tapif.core.selectors import campaign_current


class GroupMessageForm(forms.ModelForm):
    """The message's texts, and its recipients' filters (stored together in `filters`)."""

    statuses = forms.MultipleChoiceField(
        label=_("status of the dossier"),
        choices=ApplicationStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every status."),
    )
    payment_status = forms.ChoiceField(
        label=_("application fee"),
        choices=[("", _("Any")), ("none", _("Not declared yet")), *PaymentStatus.choices],
        required=False,
    )
    french_level = forms.ChoiceField(
        label=_("verified French level"),
        choices=[("", _("Any")), *CefrLevel.choices],
        required=False,
    )
    academie = forms.ModelChoiceField(
        label=_("académie among the preferences"),
        queryset=Academie.objects.order_by("name"),
        required=False,
    )
    missing_document = forms.ChoiceField(
        label=_("document missing"),
        choices=[("", _("Any")), *DocumentKind.choices],
        required=False,
    )

    class Meta:
        model = GroupMessage
        fields = ["campaign", "subject_fr", "body_fr", "subject_en", "body_en"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = RecipientFilter.from_dict(self.instance.filters or {})
        self.initial.update(
            {
                "statuses": stored.statuses,
                "payment_status": stored.payment_status,
                "french_level": stored.french_level,
                "academie": stored.academie_id,
                "missing_document": stored.missing_document,
            }
        )
        if not self.instance.pk and "campaign" in self.fields:
            self.initial.setdefault("campaign", campaign_current())

    def save(self, commit=True):
        data = self.cleaned_data
        academie = data.get("academie")
        self.instance.filters = RecipientFilter(
            statuses=list(data.get("statuses") or []),
            payment_status=data.get("payment_status") or "",
            french_level=data.get("french_level") or "",
            academie_id=academie.pk if academie else None,
            missing_document=data.get("missing_document") or "",
        ).as_dict()
        return super().save(commit)


@admin.register(GroupMessage)
class GroupMessageAdmin(AuditedAdmin):
    form = GroupMessageForm
    list_display = ["__str__", "campaign", "created_at", "sent_at", "recipients_count"]
    list_filter = ["campaign", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject_fr", "subject_en"]
    list_select_related = ["campaign"]
    readonly_fields = ["recipients_now", "preview", "created_by", "sent_by", "sent_at"]
    actions = ["send"]
    fieldsets = [
        (None, {"fields": ["campaign"]}),
        (
            _("Recipients"),
            {
                "fields": [
                    "statuses",
                    "payment_status",
                    "french_level",
                    "academie",
                    "missing_document",
                    "recipients_now",
                ]
            },
        ),
        (_("Message"), {"fields": ["subject_fr", "body_fr", "subject_en", "body_en"]}),
        (_("Preview"), {"fields": ["preview"]}),
        (_("Sending"), {"fields": ["created_by", "sent_by", "sent_at"]}),
    ]

    def has_send_permission(self, request) -> bool:
        return request.user.has_perm("candidates.send_groupmessage")

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.sent_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.sent_at is not None:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("recipients now"))
    def recipients_now(self, obj: GroupMessage):
        if obj.pk is None:
            return gettext("Save to count the recipients.")
        count = group_message_recipients(
            campaign_id=obj.campaign_id,
            recipient_filter=RecipientFilter.from_dict(obj.filters or {}),
        ).count()
        return ngettext("%(count)d candidate", "%(count)d candidates", count) % {"count": count}

    @admin.display(description=_("how it reads"))
    def preview(self, obj: GroupMessage):
        if obj.pk is None:
            return gettext("Save to preview the message.")
        previews = group_message_preview(message=obj)
        if not previews:
            return gettext("No candidate matches these filters.")
        return format_html_join(
            "",
            '<section class="group-message-preview" lang="{}"><h3>{} · {} ({})</h3>'
            '<p><strong>{}</strong></p><pre style="white-space: pre-wrap">{}</pre></section>',
            (
                (p.language, p.number, p.email, p.language.upper(), p.subject, p.text)
                for p in previews
            ),
        )

    @admin.action(
        description=_("Send to its recipients"),
        permissions=["send"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def send(self, request, queryset):
        return admin_action(
            self,
            request,
            queryset.order_by("pk"),
            call=lambda message: (
                message,
                group_message_send(message=message, actor=request.user),
            ),
            refused=_("%(subject)s was not sent: %(reason)s"),
            names=lambda message: {"subject": str(message)},
            refused_level=messages.ERROR,
            done=lambda result: (
                ngettext(
                    "%(subject)s: sent to %(count)d candidate.",
                    "%(subject)s: sent to %(count)d candidates.",
                    result[1],
                )
                % {"subject": str(result[0]), "count": result[1]}
            ),
        )

"""Staff roles: Django groups holding exactly the permissions a job needs.

Pure data and one function, run after every `migrate` by a `post_migrate` receiver (so a new
permission reaches its roles with the migration that adds its model, and no migration imports
this module). Permissions are written "app_label.codename"; one whose model does not exist is
skipped. Keep this module free of app imports: tapif.core imports no app.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext_lazy

REVIEWER = "Reviewer"
PAYMENTS_OFFICER = "Payments officer"
PROGRAMME_MANAGER = "Programme manager"
COMMITTEE_MEMBER = "Committee member"
AUDITOR = "Auditor"

#: Each role's name as staff read it (the group's name stays the English key).
ROLE_LABELS = {
    REVIEWER: pgettext_lazy("role", "Reviewer"),
    PAYMENTS_OFFICER: pgettext_lazy("role", "Payments officer"),
    PROGRAMME_MANAGER: pgettext_lazy("role", "Programme manager"),
    COMMITTEE_MEMBER: pgettext_lazy("role", "Committee member"),
    AUDITOR: pgettext_lazy("role", "Auditor"),
}


def role_label(name: str) -> str:
    """A group's name in the active language (a group that is no role keeps its name)."""
    return str(ROLE_LABELS.get(name, name))


#: Models of the project's apps, by app label (the auditor views every one of them).
_MODELS = {
    "core": [
        "user",
        "campaign",
        "academie",
        "institution",
        "auditentry",
        "academiecutoff",
        "outboundmessage",
        "jobrun",
        "issuedletter",
        "staffinvitation",
    ],
    "candidates": [
        "numbersequence",
        "application",
        "identity",
        "studies",
        "frenchprofile",
        "frenchcourse",
        "experience",
        "assets",
        "previousparticipation",
        "couple",
        "document",
        "dossierevent",
        "eligibilitydecision",
        "participationtrace",
        "deletionrequest",
        "groupmessage",
    ],
    "evaluations": ["professor", "institutioncontact", "evaluationrequest", "evaluation"],
    "payments": ["statementimport", "bankline", "payment", "importprofile"],
    "selection": [
        "criterion",
        "criterionlevel",
        "reviewassignment",
        "conflictofinterest",
        "review",
        "score",
        "meritscore",
        "dossierunderreview",
    ],
    "placements": [
        "selectionround",
        "rankentry",
        "quota",
        "placement",
        "resultsrelease",
        "offer",
        "offerschool",
        "promotionlog",
    ],
}


def _view(app_label: str, *models: str) -> frozenset[str]:
    """View permissions of the app's named models, or of all its models when none is named."""
    return frozenset(f"{app_label}.view_{model}" for model in models or _MODELS[app_label])


_REFERENCE_READ = _view("core", "campaign", "academie", "institution")

ROLES: dict[str, frozenset[str]] = {
    # Reads the dossiers assigned to them (without `candidates.view_every_dossier`), their
    # documents once submitted and their evaluations; accepts or rejects documents; confirms
    # the eligibility the rules find (overruling a rule is the programme manager's). No
    # payments (the review page shows the fee's status from the dossier), no letters.
    REVIEWER: _REFERENCE_READ
    | _view("candidates", "application", "document", "couple", "eligibilitydecision")
    | _view("evaluations", "evaluationrequest", "evaluation")
    | _view("selection", "criterion", "criterionlevel", "review", "dossierunderreview")
    | {
        "candidates.review_document",
        "candidates.decide_eligibility",
        "selection.score_dossier",
    },
    # Payments and bank statements only; sees fee receipts through `can_view_document`.
    PAYMENTS_OFFICER: _view("core", "campaign")
    | _view("payments")
    | {"payments.verify_payment", "payments.import_statement"}
    | {"payments.add_importprofile", "payments.change_importprofile"},
    # Runs the campaign: reference data, reopening, overrides, institution contacts; releases a
    # frozen round's results to the candidates; watches the e-mails and the scheduled jobs;
    # records académies' details, verifies assistants' criminal record checks, offers freed places.
    PROGRAMME_MANAGER: frozenset(
        f"core.{action}_{model}"
        for action in ("add", "change", "view")
        for model in ("campaign", "academie", "institution")
    )
    | _view("core", "auditentry", "academiecutoff", "outboundmessage", "jobrun", "issuedletter")
    | {"core.resend_outboundmessage", "core.approve_email_domains"}
    | _view("candidates")
    | {
        "candidates.reopen_application",
        "candidates.verify_french_test",
        "candidates.review_document",
        "candidates.decide_eligibility",
        "candidates.override_eligibility",
        "candidates.view_every_dossier",
        "candidates.record_previous_evaluation",
        # A draft's documents, each read with a reason (candidates.permissions).
        "candidates.open_draft_document",
        # Candidates' deletion requests, settled under the retention policy.
        "candidates.settle_deletionrequest",
        # Messages to a group of candidates, written in both languages and sent once.
        "candidates.add_groupmessage",
        "candidates.change_groupmessage",
        "candidates.send_groupmessage",
    }
    | _view("evaluations")
    | {"evaluations.change_institutioncontact", "evaluations.confirm_evaluator"}
    | _view("payments")
    | _view("selection")
    | {
        f"selection.{action}_{model}"
        for action in ("add", "change")
        for model in ("criterion", "criterionlevel")
    }
    | {
        "selection.assign_reviewers",
        "placements.supersede_round",
        "placements.freeze_round_incomplete",
    }
    | _view("placements")
    | {
        "placements.release_results",
        "placements.change_offer",
        "placements.offer_place",
        "placements.verify_criminal_record",
    },
    # Reads the reviewed dossiers and their merit; prepares selection rounds (quotas, waitlist
    # size), previews and freezes them; offers a freed place to a waitlisted candidate by hand.
    # Superseding a frozen round is the programme manager's.
    COMMITTEE_MEMBER: _view("core", "campaign", "academie", "academiecutoff")
    | _view("candidates", "application")
    | {"candidates.view_every_dossier"}
    | _view(
        "selection",
        "dossierunderreview",
        "review",
        "meritscore",
        "criterion",
    )
    | _view("placements")
    | {
        f"placements.{action}_{model}"
        for action in ("add", "change")
        for model in ("selectionround", "quota")
    }
    | {"placements.freeze_round", "placements.offer_place"},
    # Reads everything (a draft's documents excepted), changes nothing.
    AUDITOR: frozenset().union(*(_view(app_label) for app_label in _MODELS))
    | {"candidates.view_every_dossier"},
}


def sync_roles(*, using: str = "default") -> None:
    """Create each role's group and give it exactly its permissions (idempotent).

    Permissions that do not exist are ignored; permissions granted by hand beyond the list are
    taken away.
    """
    from django.contrib.auth.models import Group, Permission

    app_labels = {name.split(".", 1)[0] for names in ROLES.values() for name in names}
    existing = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using)
        .filter(content_type__app_label__in=app_labels)
        .values_list("pk", "content_type__app_label", "codename")
    }
    for name, permissions in ROLES.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set([existing[perm] for perm in sorted(permissions) if perm in existing])


def sync_roles_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """`post_migrate` receiver: after `migrate` (and a test database's flush), every app's
    permissions exist and each role's group holds exactly its list.

    Django makes permissions in its own post_migrate receiver, app by app; this runs once, for
    core (the first of the project's apps), so it makes them all first.
    """
    if sender.label != "core":
        return
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=global_apps)
    sync_roles(using=using)

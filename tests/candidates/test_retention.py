"""The retention policy (candidates.retention, run by tapif.core.privacy): each rule on a dossier
aged by time travel, files gone from local storage and from S3 once the change commits.

The 2026-2027 campaign closes on 27 February 2026, releases its results on 15 April 2026 and
its contracts end on 30 April 2027; with the default policy a draft goes on 29 March 2026
(warned on 15 March), a dossier not selected loses its documents on 15 October 2026, an
assistant on 30 April 2028, and every dossier is anonymised on 30 April 2032.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.db import transaction

from candidates import retention
from candidates import services as dossier_services
from candidates.choices import DocumentKind
from candidates.models import Application, Document, Identity, ParticipationTrace
from candidates.selectors import application_facts, dossier_load
from tapif.core.models import AuditEntry, JobRun, OutboundMessage
from tapif.core.privacy import retention_plan, retention_run
from tapif.core.tasks import apply_retention
from tests.candidates.dossier import complete_dossier, upload
from tests.candidates.factories import ApplicationFactory, stored_files
from tests.conftest import BUCKET
from tests.factories import EASTERN, CampaignFactory, CandidateFactory

pytestmark = pytest.mark.usefixtures("campaign_open")

NOT_SELECTED_PATH = ["complete", "eligible", "reviewed", "not_selected"]
ASSISTANT_PATH = [
    "complete",
    "eligible",
    "reviewed",
    "accepted",
    "placed",
    "offer_accepted",
    "appointed",
]


def at(year: int, month: int, day: int, hour: int = 3) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=EASTERN)


@pytest.fixture
def run(campaign_open, django_capture_on_commit_callbacks):
    """Run the retention job at a moment, its after-commit work (files, mail) done."""

    def run_at(moment: dt.datetime, **options):
        campaign_open.move_to(moment)
        with django_capture_on_commit_callbacks(execute=True):
            return retention_run(now=moment, **options)

    return run_at


def draft(language: str = "en") -> Application:
    application = ApplicationFactory(candidate=CandidateFactory(preferred_language=language))
    upload(application, DocumentKind.TRANSCRIPTS)
    upload(application, DocumentKind.BIRTH_CERTIFICATE)
    return application


def decided(path: list[str]) -> Application:
    application = complete_dossier(ApplicationFactory())
    dossier_services.application_submit(application=application, actor=application.candidate)
    for status in path:
        dossier_services.application_transition(
            application=application, to_status=status, actor=None
        )
    return Application.objects.get(pk=application.pk)


def files_of(application: Application) -> list[str]:
    return [d.file.name for d in Document.objects.filter(application=application) if d.file]


def exists(names: list[str]) -> list[bool]:
    return [default_storage.exists(name) for name in names]


# --- Drafts never submitted ---------------------------------------------------------------------


def test_draft_is_warned_two_weeks_before_then_deleted_with_its_files(run, private_storage):
    application = draft(language="fr")
    number, names = application.number, files_of(application)
    assert len(stored_files(private_storage)) == 2

    run(at(2026, 3, 14))
    assert OutboundMessage.objects.filter(template=retention.DRAFT_WARNING_TEMPLATE).count() == 0

    report = run(at(2026, 3, 15))
    run(at(2026, 3, 16))  # a second run warns nobody twice
    warnings = OutboundMessage.objects.filter(template=retention.DRAFT_WARNING_TEMPLATE)
    assert [(m.dedup_key, m.language) for m in warnings] == [
        (retention.warning_key(application.pk), "fr")
    ]
    assert [s.rule for s in report.done[number]] == ["retention.draft_warning"]
    [message] = mail.outbox
    assert "29 mars 2026" in message.body
    assert number in message.subject

    run(at(2026, 3, 28))
    assert Application.objects.filter(pk=application.pk).exists()
    assert exists(names) == [True, True]

    report = run(at(2026, 3, 29))

    assert not Application.objects.filter(number=number).exists()
    assert Document.objects.count() == 0
    assert stored_files(private_storage) == []
    assert report.files_deleted == 2
    # One row per dossier and run; the deletion forgets what the earlier rows recorded.
    audit = AuditEntry.objects.filter(action="retention.apply", dossier=number).order_by("pk")
    assert [entry.data for entry in audit] == [
        {},
        {"rules": ["retention.draft_delete"], "files": 2},
    ]


def test_a_draft_warned_late_is_deleted_two_weeks_after_the_warning(run, private_storage):
    application = draft()
    run(at(2026, 3, 28))  # the job was down until the day before the deletion

    report = run(at(2026, 3, 29))

    assert Application.objects.filter(pk=application.pk).exists()
    [later] = [s for s in report.upcoming if s.rule == "retention.draft_delete"]
    assert later.due == dt.date(2026, 4, 11)


def test_files_leave_storage_only_once_the_deletion_commits(
    campaign_open, private_storage, django_capture_on_commit_callbacks
):
    application = draft()
    names = files_of(application)
    campaign_open.move_to(at(2026, 6, 1))
    retention_run(now=at(2026, 6, 1))  # warned (long past the day: deleted two weeks later)
    campaign_open.move_to(at(2026, 6, 15))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        retention_run(now=at(2026, 6, 15))
        assert not Application.objects.filter(pk=application.pk).exists()
        assert exists(names) == [True, True]  # not yet committed: the files are still there

    for callback in callbacks:
        callback()
    assert exists(names) == [False, False]


def test_a_rolled_back_deletion_keeps_its_files(campaign_open, private_storage):
    application = draft()
    names = files_of(application)
    with transaction.atomic():
        retention.application_delete_draft(application=application, actor=application.candidate)
        transaction.set_rollback(True)
    assert Application.objects.filter(pk=application.pk).exists()
    assert exists(names) == [True, True]


# --- Submitted dossiers -------------------------------------------------------------------------


def test_replaced_versions_go_once_the_dossier_is_decided(run, private_storage):
    application = complete_dossier(ApplicationFactory())
    upload(application, DocumentKind.TRANSCRIPTS)  # replaces the first transcripts
    dossier_services.application_submit(application=application, actor=application.candidate)
    old = Document.objects.get(application=application, kind="transcripts", is_current=False)
    old_name = old.file.name

    run(at(2026, 3, 20))  # submitted, not decided: kept
    assert exists([old_name]) == [True]

    for status in NOT_SELECTED_PATH:
        dossier_services.application_transition(
            application=application, to_status=status, actor=None
        )
    run(at(2026, 4, 16))

    old.refresh_from_db()
    assert (old.file.name, old.original_name, old.erased_at is not None) == ("", "", True)
    assert exists([old_name]) == [False]
    current = Document.objects.filter(application=application, is_current=True)
    assert all(d.file and default_storage.exists(d.file.name) for d in current)


@pytest.mark.parametrize("storage", ["private_storage", "s3_bucket"])
def test_documents_of_a_dossier_not_selected_go_months_after_the_results(run, storage, request):
    backend = request.getfixturevalue(storage)
    application = decided(NOT_SELECTED_PATH)
    names = files_of(application)
    assert len(names) == 3
    if storage == "s3_bucket":
        keys = {o["Key"] for o in backend.list_objects_v2(Bucket=BUCKET)["Contents"]}
        assert keys == set(names)

    run(at(2026, 10, 14))
    assert exists(names) == [True] * 3

    report = run(at(2026, 10, 15))

    assert [s.rule for s in report.done[application.number]] == ["retention.documents_not_selected"]
    assert exists(names) == [False] * 3
    if storage == "s3_bucket":
        assert backend.list_objects_v2(Bucket=BUCKET).get("Contents", []) == []
    assert Document.objects.filter(application=application, erased_at__isnull=True).count() == 0
    assert Identity.objects.filter(application=application).exists()  # identity stays


def test_documents_of_an_assistant_go_months_after_the_contract(run, private_storage):
    assistant = decided(ASSISTANT_PATH)
    names = files_of(assistant)

    run(at(2026, 10, 15))  # the rule of those not selected does not touch an assistant
    run(at(2028, 4, 29))
    assert exists(names) == [True] * 3

    run(at(2028, 4, 30))

    assert exists(names) == [False] * 3


def test_anonymised_dossier_keeps_only_the_trace_that_counts_participations(run, private_storage):
    assistant = decided(ASSISTANT_PATH)
    candidate = assistant.candidate
    run(at(2032, 4, 29))
    assert Identity.objects.filter(application=assistant).exists()

    run(at(2032, 4, 30))

    assistant.refresh_from_db()
    candidate.refresh_from_db()
    assert assistant.anonymised_at is not None
    assert not Identity.objects.filter(application=assistant).exists()
    assert assistant.assets.motivation_letter == ""
    assert not assistant.experiences.exists()
    assert OutboundMessage.objects.filter(dossier=assistant.number).count() == 0
    assert (candidate.is_active, candidate.first_name, candidate.has_usable_password()) == (
        False,
        "",
        False,
    )
    assert candidate.email == f"anonymised-{candidate.pk}@invalid.invalid"
    [trace] = ParticipationTrace.objects.all()
    assert (trace.school_year, trace.outcome) == ("2026-2027", "appointed")
    assert len(trace.fingerprint) == 64
    assert retention_plan(today=dt.date(2040, 1, 1)) == []  # nothing left to do about it

    # Years later the same person applies again with a new account: recognised.
    later = CampaignFactory(school_year="2033-2034", code="CA34")
    new = Application.objects.create(campaign=later, candidate=CandidateFactory(), number="X1")
    Identity.objects.create(
        application=new,
        legal_first_names="CAMILLE",
        legal_last_name="Tremblay",
        date_of_birth=dt.date(2003, 5, 17),
    )
    assert application_facts(dossier_load(new.pk)).previous_participations == 1


def test_the_daily_task_records_its_run(campaign_open, private_storage):
    decided(NOT_SELECTED_PATH)
    campaign_open.move_to(at(2026, 10, 16))

    summary = apply_retention()

    assert summary == {"dossiers_handled": 1, "files_deleted": 3}
    run = JobRun.objects.get(job="retention")
    assert (run.status, run.summary) == ("done", summary)

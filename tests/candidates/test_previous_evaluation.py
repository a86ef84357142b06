"""Returning assistants' previous evaluation (issue 18): recorded by staff on the dossier, alone
or from a CSV, audited; only a positive one may be offered (tests/placements/test_rounds.py)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candidates.choices import ApplicationStatus, PreviousEvaluation
from candidates.models import PreviousParticipation
from candidates.services import (
    application_record_previous_evaluation,
    previous_evaluations_import,
)
from tapif.core.models import AuditEntry
from tapif.core.roles import PROGRAMME_MANAGER, REVIEWER
from tests.placements.test_rounds import academies, log_in, member_of, reviewed_dossiers

pytestmark = [pytest.mark.django_db]


def returning(campaign, count: int = 1):
    dossiers = reviewed_dossiers(campaign, ["70"] * count, status=ApplicationStatus.REVIEWED)
    for dossier in dossiers:
        PreviousParticipation.objects.create(
            application=dossier, school_year="2024-2025", academie=academies()[0]
        )
    return dossiers


def test_previous_evaluation_recorded_once_and_audited(reference_campaign):
    (dossier,) = returning(reference_campaign)
    manager = member_of(PROGRAMME_MANAGER)
    assert dossier.previous_evaluation == PreviousEvaluation.UNKNOWN

    application_record_previous_evaluation(
        application=dossier, evaluation=PreviousEvaluation.POSITIVE, actor=manager
    )
    application_record_previous_evaluation(
        application=dossier, evaluation=PreviousEvaluation.POSITIVE, actor=manager
    )

    dossier.refresh_from_db()
    assert dossier.previous_evaluation == PreviousEvaluation.POSITIVE
    (entry,) = AuditEntry.objects.filter(action="application.previous_evaluation")
    assert entry.data == {"from": "unknown", "to": "positive"}


def test_previous_evaluations_import_reads_both_languages_and_reports_refusals(
    reference_campaign,
):
    first, second, third = returning(reference_campaign, 3)
    (new,) = reviewed_dossiers(reference_campaign, ["60"])
    text = (
        "numéro;évaluation\n"
        f"{first.number};Positive\n"
        f"{second.number};négative\n"
        f"{third.number};excellent\n"
        f"{new.number};positive\n"
    )

    report = previous_evaluations_import(campaign=reference_campaign, text=text, actor=None)

    assert (report.changed, report.unchanged) == (2, 0)
    assert [line for line, _text, _why in report.refused] == [4, 5]
    assert "not one of the words" in report.refused[0][2]
    assert "no returning assistant" in report.refused[1][2]
    values = {d.number: d.previous_evaluation for d in (first, second, third)}
    for dossier in (first, second, third):
        dossier.refresh_from_db()
        values[dossier.number] = dossier.previous_evaluation
    assert values == {
        first.number: PreviousEvaluation.POSITIVE,
        second.number: PreviousEvaluation.NEGATIVE,
        third.number: PreviousEvaluation.UNKNOWN,
    }


def test_admin_programme_manager_imports_a_csv_and_records_one_by_action(
    client, reference_campaign
):
    first, second = returning(reference_campaign, 2)
    log_in(client, member_of(PROGRAMME_MANAGER))
    changelist = reverse("admin:candidates_application_changelist")
    url = reverse("admin:candidates_application_previous_evaluations_import")
    assert url in client.get(changelist).content.decode()

    done = client.post(
        url,
        {
            "campaign": reference_campaign.pk,
            "file": SimpleUploadedFile("evaluations.csv", f"{first.number},negative\n".encode()),
        },
    )
    client.post(
        changelist,
        {
            "action": "record_previous_evaluation",
            "_selected_action": [str(second.pk)],
            "evaluation": PreviousEvaluation.POSITIVE,
            "apply": "yes",
        },
    )

    assert done.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.previous_evaluation == PreviousEvaluation.NEGATIVE
    assert second.previous_evaluation == PreviousEvaluation.POSITIVE


def test_admin_reviewer_may_not_record_previous_evaluations(client, reference_campaign):
    log_in(client, member_of(REVIEWER))
    url = reverse("admin:candidates_application_previous_evaluations_import")
    assert client.get(url).status_code == 403

"""Returning candidates: earlier participations found by e-mail, by names and date of birth,
or by an anonymised trace; shown to staff and confirmed into previous participations."""

from __future__ import annotations

import datetime as dt

import pytest

from candidates.fingerprint import identity_fingerprint
from candidates.models import Application, Identity, ParticipationTrace, PreviousParticipation
from candidates.returning import earlier_participations, previous_participations_confirm
from candidates.selectors import application_facts, dossier_load
from tapif.core.models import Academie, AuditEntry
from tests.candidates.factories import ApplicationFactory
from tests.factories import CampaignFactory, CandidateFactory, StaffFactory

pytestmark = pytest.mark.django_db

BORN = dt.date(2001, 3, 4)


def old_dossier(campaign, candidate, status, *, academie=None, names=("Élise-Anne", "O'Brien")):
    application = Application.objects.create(
        campaign=campaign,
        candidate=candidate,
        number=f"{campaign.code}-{Application.objects.count() + 1:05d}",
        status=status,
        result_academie=academie,
    )
    Identity.objects.create(
        application=application,
        legal_first_names=names[0],
        legal_last_name=names[1],
        date_of_birth=BORN,
    )
    return application


@pytest.fixture
def past_years(db):
    return CampaignFactory(years=-2), CampaignFactory(years=-1)  # 2024-2025, 2025-2026


def test_earlier_participations_found_by_email_identity_and_trace(campaign_open, past_years):
    older, last = past_years
    academie = Academie.objects.order_by("code").first()
    candidate = CandidateFactory()
    old_dossier(last, candidate, "not_selected")  # same account: same e-mail
    # Another account, same person (accents, case and hyphens aside), appointed.
    old_dossier(
        older, CandidateFactory(), "appointed", academie=academie, names=("elise anne", "O’Brien")
    )
    # Same birthday, somebody else: not recognised.
    old_dossier(older, CandidateFactory(), "appointed", academie=academie, names=("Jo", "Smith"))
    fingerprint = identity_fingerprint(
        last_name="O'Brien", first_names="Élise-Anne", date_of_birth=BORN
    )
    ParticipationTrace.objects.create(
        fingerprint=fingerprint, school_year="2020-2021", outcome="appointed"
    )
    application = ApplicationFactory(candidate=candidate)

    assert [(p.school_year, p.matched_by) for p in earlier_participations(application)] == [
        ("2025-2026", "email")
    ]  # before the identity is filled in: the account only

    Identity.objects.update_or_create(
        application=application,
        defaults={
            "legal_first_names": "Elise Anne",
            "legal_last_name": "o'brien",
            "date_of_birth": BORN,
        },
    )
    found = earlier_participations(application)

    assert [(p.school_year, p.status, p.matched_by, p.academie_name) for p in found] == [
        ("2020-2021", "appointed", "trace", ""),
        ("2024-2025", "appointed", "identity", academie.name),
        ("2025-2026", "not_selected", "email", ""),
    ]


def test_confirm_records_the_years_as_an_assistant_once(campaign_open, past_years):
    older, last = past_years
    academie = Academie.objects.order_by("code").first()
    candidate = CandidateFactory()
    old_dossier(older, candidate, "appointed", academie=academie)
    old_dossier(last, candidate, "withdrawn")
    application = ApplicationFactory(candidate=candidate)
    staff = StaffFactory()
    assert application_facts(dossier_load(application.pk)).previous_participations == 0

    assert previous_participations_confirm(application=application, actor=staff) == 1
    assert previous_participations_confirm(application=application, actor=staff) == 0

    rows = list(PreviousParticipation.objects.filter(application=application))
    assert [(r.school_year, r.academie_id) for r in rows] == [("2024-2025", academie.pk)]
    assert application_facts(dossier_load(application.pk)).previous_participations == 1
    assert AuditEntry.objects.filter(action="application.previous_participations").count() == 1


def test_dossier_admin_shows_earlier_participations(client, campaign_open, past_years):
    from django.contrib.auth.models import Group

    older, _last = past_years
    candidate = CandidateFactory()
    old_dossier(older, candidate, "appointed", academie=Academie.objects.get(code="normandie"))
    application = ApplicationFactory(candidate=candidate)
    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name="Programme manager"))
    client.force_login(manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    page = client.get(f"/admin/candidates/application/{application.pk}/change/").content.decode()

    assert "Earlier participations" in page
    for text in ("2024-2025", "Normandie", "same e-mail address"):
        assert text in page

    response = client.post(
        "/admin/candidates/application/",
        {"action": "confirm_earlier_participations", "_selected_action": [application.pk]},
        follow=True,
    )
    assert f"{application.number}: 1 earlier participation recorded." in (response.content.decode())

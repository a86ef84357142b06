import datetime as dt
import io
import re
from pathlib import Path

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.core.management.base import CommandError

from candidates.completeness import count_words
from candidates.models import Application, Couple, Document, DossierEvent, PreviousParticipation
from candidates.selectors import dossier_load, dossier_status
from candidates.services import application_create
from demo.accounts import DEMO_ACCOUNTS
from demo.campaign import demo_campaign_values
from demo.load import load_demo
from payments.models import BankLine, Payment, StatementImport
from placements.models import Quota, SelectionRound
from selection.models import MeritScore, Review, ReviewAssignment
from tapif.core.models import AuditEntry, Campaign, JobRun, User
from tapif.core.roles import COMMITTEE_MEMBER, PROGRAMME_MANAGER, REVIEWER
from tapif.core.selectors import campaign_current
from tests.candidates.factories import stored_files
from tests.factories import EASTERN

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 10, tzinfo=EASTERN)
DEMO_EMAILS = [f"demo{n}@demo.tapif.ca" for n in range(1, 6)]
COMMITTEE_EMAILS = [f"demo{n}@demo.tapif.ca" for n in range(6, 18)]


@pytest.fixture(autouse=True)
def _demo_day(private_storage):
    """The demo's dossiers are created "today" (inside the demo window) in a fresh folder."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize(
    ("today", "school_year", "code"),
    [
        (dt.datetime(2026, 11, 28, 10, tzinfo=EASTERN), "2027-2028", "CA28"),
        (dt.datetime(2027, 2, 27, 23, 0, tzinfo=EASTERN), "2027-2028", "CA28"),
        (dt.datetime(2027, 3, 1, 9, tzinfo=EASTERN), "2028-2029", "CA29"),
    ],
)
def test_demo_campaign_window_contains_today(reference_campaign, today, school_year, code):
    values = demo_campaign_values(reference_campaign, today)

    assert values["opens_at"] <= today <= values["closes_at"]
    assert (values["school_year"], values["code"]) == (school_year, code)
    start = values["contract_start"]
    assert (start.month, start.day) == (10, 1)
    assert values["passport_valid_until"] == dt.date(start.year + 1, 10, 30)
    assert values["fee_amount"] == reference_campaign.fee_amount


def test_load_demo_makes_the_demo_campaign_current_and_creates_usable_accounts():
    campaign, accounts = load_demo(now=NOW)

    assert campaign_current() == campaign
    assert campaign.school_year == "2027-2028"
    for account in accounts:
        user = User.objects.get(email=account.email)
        assert user.check_password(account.password)
        assert user.kind == account.kind
        assert EmailAddress.objects.get(user=user).verified
    admin = User.objects.get(email="admin@demo.tapif.ca")
    assert admin.is_superuser
    assert Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP).exists()


def test_load_demo_creates_the_staff_accounts_in_their_groups_with_totp():
    load_demo(now=NOW)

    for email, password, group in [
        ("reviewer@demo.tapif.ca", "demo-Reviewer-2027", REVIEWER),
        ("manager@demo.tapif.ca", "demo-Manager-2027", PROGRAMME_MANAGER),
        ("committee@demo.tapif.ca", "demo-Committee-2027", COMMITTEE_MEMBER),
    ]:
        user = User.objects.get(email=email)
        assert user.check_password(password)
        assert (user.kind, user.is_staff, user.is_superuser) == ("staff", True, False)
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    accounts = {account.email: account.role for account in DEMO_ACCOUNTS}
    assert accounts["reviewer@demo.tapif.ca"] == REVIEWER
    assert accounts["manager@demo.tapif.ca"] == PROGRAMME_MANAGER


def test_load_demo_submits_five_paid_dossiers_assigned_to_the_reviewer(private_storage):
    campaign, _accounts = load_demo(now=NOW)

    dossiers = Application.objects.filter(campaign=campaign, candidate__email__in=DEMO_EMAILS)
    assert [
        (a.candidate.email, a.status, a.payment_status) for a in dossiers.order_by("number")
    ] == [
        ("demo1@demo.tapif.ca", "complete", "verified"),
        ("demo2@demo.tapif.ca", "complete", "verified"),
        ("demo3@demo.tapif.ca", "submitted", "verified"),
        ("demo4@demo.tapif.ca", "submitted", "verified"),
        ("demo5@demo.tapif.ca", "submitted", "verified"),
    ]
    payments = Payment.objects.filter(application__in=dossiers)
    assert sorted(payments.values_list("status", flat=True)) == ["verified"] * 5
    assert all(p.bank_line_id and p.receipt.content_type == "image/png" for p in payments)
    # One bank export for these five, one for the committee's twelve (placements' demo).
    assert StatementImport.objects.count() == 2
    assert (
        sorted(
            ReviewAssignment.objects.filter(application__in=dossiers).values_list(
                "reviewer__email", flat=True
            )
        )
        == ["reviewer@demo.tapif.ca"] * 5
    )
    for application in dossiers:
        assert User.objects.get(pk=application.candidate_id).check_password("demo-Candidate-2027")
        loaded = dossier_load(application.pk)
        status = dossier_status(loaded)
        assert status.verdict.eligible is True
        assert loaded.french.proof_route == "official_test"
        assert loaded.french.test_level in {"B2", "C1"}
        assert 450 <= count_words(loaded.assets.motivation_letter) <= 600
        assert loaded.experiences.get().kind == "teaching"
        assert sorted(d.kind for d in loaded.current_documents) == [
            "birth_certificate",
            "fee_receipt",
            "language_test",
            "passport",
            "transcripts",
        ]
    accepted = Document.objects.filter(application__in=dossiers, review_status="accepted")
    assert sorted(accepted.values_list("application__candidate__email", flat=True)) == sorted(
        ["demo1@demo.tapif.ca"] * 4 + ["demo2@demo.tapif.ca"] * 4
    )
    assert len(stored_files(private_storage)) == 25 + 12 * 5


def test_load_demo_takes_twelve_dossiers_to_reviewed_for_the_committee():
    campaign, _accounts = load_demo(now=NOW)

    dossiers = Application.objects.filter(
        campaign=campaign, candidate__email__in=COMMITTEE_EMAILS
    ).select_related("merit", "assets")
    assert dossiers.count() == 12
    assert {(a.status, a.payment_status) for a in dossiers} == {("reviewed", "verified")}
    merits = [a.merit.merit for a in dossiers]
    assert all(m is not None and m > 0 for m in merits)
    assert len(set(merits)) >= 8  # varied scores, so the ranking means something
    assert {a.merit.reviewers for a in dossiers} == {2}
    assert (
        sorted(
            Review.objects.filter(application__in=dossiers, status="submitted").values_list(
                "reviewer__email", flat=True
            )
        )
        == ["admin@demo.tapif.ca"] * 7
        + ["harsh@demo.tapif.ca"] * 7
        + ["lenient@demo.tapif.ca"] * 7
        + ["reviewer@demo.tapif.ca"] * 3  # who has the five dossiers of the review demo too
    )
    assert {a.assets.school_level for a in dossiers} == {"primary", "secondary", "either"}
    assert {a.french_level for a in dossiers} == {"B1", "B2", "C1", "C2"}
    first_choices = [a.assets.academie_1.code for a in dossiers]
    assert first_choices.count("paris") + first_choices.count("lyon") >= 8
    returning = PreviousParticipation.objects.get(application__in=dossiers)
    assert returning.application.candidate.email == "demo9@demo.tapif.ca"
    couple = Couple.objects.get()
    assert (couple.status, couple.proposer.candidate.email, couple.partner.candidate.email) == (
        "confirmed",
        "demo16@demo.tapif.ca",
        "demo17@demo.tapif.ca",
    )


def test_load_demo_prepares_one_draft_round_with_quotas_for_the_committee():
    from placements.services import round_preview

    campaign, _accounts = load_demo(now=NOW)

    selection_round = SelectionRound.objects.get(campaign=campaign)
    assert (selection_round.status, selection_round.waitlist_size) == ("draft", 3)
    quotas = Quota.objects.filter(round=selection_round)
    assert quotas.count() == 6
    assert {q.academie.code for q in quotas} >= {"paris", "lyon"}
    decisions = [o.decision for o in round_preview(selection_round).outcomes]
    assert len(decisions) == 12
    assert {"accepted", "waitlisted", "not_selected"} <= set(decisions)


def test_load_demo_has_a_harsh_and_a_lenient_reviewer_that_calibration_corrects():
    from placements.selectors import round_calibration
    from selection.selectors import merit_statistics

    campaign, _accounts = load_demo(now=NOW)

    found = merit_statistics(campaign)
    verdicts = {
        found.reviewer_names[f.reviewer]: (f.verdict, f.calibrated)
        for f in found.statistics.reviewers
    }
    assert verdicts == {
        "Marc Girard": ("harsh", True),
        "Julie Caron": ("lenient", True),
        "Alice Martin": ("in_line", True),
        "Hugo Lefebvre": ("in_line", False),  # 3 reviews: not enough to calibrate
    }
    assert len(found.statistics.groups) == 1  # the rotating pairs connect all four
    reading = round_calibration(selection_round=SelectionRound.objects.get(campaign=campaign))
    assert len(reading.crossing_up) == len(reading.crossing_down) == 1


def test_load_demo_creates_the_committee_account_with_totp():
    load_demo(now=NOW)

    user = User.objects.get(email="committee@demo.tapif.ca")
    assert user.check_password("demo-Committee-2027")
    assert (user.kind, user.is_staff, user.is_superuser) == ("staff", True, False)
    assert list(user.groups.values_list("name", flat=True)) == [COMMITTEE_MEMBER]
    assert user.has_perm("placements.freeze_round")
    assert EmailAddress.objects.get(user=user).verified
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_load_demo_never_touches_an_existing_round():
    campaign, _accounts = load_demo(now=NOW)
    selection_round = SelectionRound.objects.get(campaign=campaign)
    Quota.objects.filter(round=selection_round, academie__code="paris").update(primary=5)

    load_demo(now=NOW)

    assert SelectionRound.objects.filter(campaign=campaign).get() == selection_round
    assert Quota.objects.get(round=selection_round, academie__code="paris").primary == 5


def _counts() -> dict[str, int]:
    models = [
        Campaign,
        User,
        Authenticator,
        EmailAddress,
        Application,
        DossierEvent,
        Document,
        Payment,
        BankLine,
        StatementImport,
        ReviewAssignment,
        Review,
        MeritScore,
        Couple,
        PreviousParticipation,
        SelectionRound,
        Quota,
        AuditEntry,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_load_demo_twice_changes_nothing(private_storage):
    load_demo(now=NOW)
    first = _counts()
    files = stored_files(private_storage)

    load_demo(now=NOW)

    assert _counts() == first
    assert stored_files(private_storage) == files
    assert (first["Campaign"], first["User"], first["Authenticator"]) == (2, 26, 6)
    assert (first["Application"], first["Payment"], first["BankLine"]) == (17, 17, 17)
    assert (first["Review"], first["MeritScore"], first["SelectionRound"]) == (24, 12, 1)
    assert (first["Couple"], first["PreviousParticipation"], first["Quota"]) == (1, 1, 6)


def test_demo_commands_refuse_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG only"):
        call_command("load_demo")
    with pytest.raises(CommandError, match="DEBUG only"):
        call_command("totp_code", "admin@demo.tapif.ca")


def test_load_demo_lets_the_institution_and_professor_accounts_work_at_once():
    from evaluations.models import InstitutionContact, Professor

    load_demo(now=NOW)
    load_demo(now=NOW)

    contact = InstitutionContact.objects.get(user__email="institution@demo.tapif.ca")
    assert contact.status == "approved"
    professor = Professor.objects.get(email="professor@demo.tapif.ca")
    assert professor.institution == contact.institution
    assert professor.user.email == "professor@demo.tapif.ca"
    # Listed by the approved contact: the demo professor's evaluations count at once.
    from evaluations.trust import vouched_by

    assert professor.added_by == contact.user
    assert vouched_by("professor@demo.tapif.ca") == "listed"


def test_the_readmes_accounts_are_the_demos():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| [^|]+ \| `([^`]+@demo\.tapif\.ca)` \| `([^`]+)` \|$", readme, re.M)

    assert rows == [(account.email, account.password) for account in DEMO_ACCOUNTS]
    candidates = {email.split("@")[0] for email in DEMO_EMAILS + COMMITTEE_EMAILS}
    assert candidates == {f"demo{n}" for n in range(1, 18)}
    assert "`demo1@demo.tapif.ca` … `demo5@demo.tapif.ca`" in readme
    assert "`demo6@demo.tapif.ca` … `demo17@demo.tapif.ca`" in readme


def test_the_load_demo_command_prints_every_account(settings):
    settings.DEBUG = True
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    printed = out.getvalue()
    assert "Demo campaign 2027-2028 is current" in printed
    for account in DEMO_ACCOUNTS:
        assert f"{account.email:<28} {account.password}" in printed
    assert User.objects.filter(email__in=COMMITTEE_EMAILS).count() == 12


def test_retention_dry_run_on_the_demo_names_what_and_when():
    campaign, _accounts = load_demo(now=NOW)
    candidate = User.objects.get(email="candidate@demo.tapif.ca")
    draft = application_create(candidate=candidate, campaign=campaign)  # started, not submitted
    out = io.StringIO()

    call_command("apply_retention", "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[:3] == [
        "Retention on 2026-11-28 (dry run: nothing changed)",
        "Nothing is due today.",
        "Later:",
    ]
    assert f"2027-03-15: {draft.number} · warn the candidate that their draft will be deleted" in (
        lines
    )
    assert f"2027-03-29: {draft.number} · delete the dossier never submitted, with its 0 files" in (
        lines
    )
    assert (
        "2027-10-15: CA28-00001 · delete the 5 documents of a dossier that led to no contract"
        in lines
    )
    assert (
        "2033-04-30: CA28-00001 · anonymise the dossier, keeping only the participation trace "
        "(fingerprint, year, outcome)" in lines
    )
    assert not JobRun.objects.filter(job="retention").exists()  # a dry run records nothing
    assert Application.objects.filter(pk=draft.pk).exists()

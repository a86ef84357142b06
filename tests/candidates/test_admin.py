"""The dossier admin: read-only pages that show everything, and the reopen action."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation
from django.utils.html import escape

from candidates.choices import ApplicationStatus
from candidates.models import (
    Application,
    Assets,
    Couple,
    Document,
    DossierEvent,
    Experience,
    FrenchCourse,
    FrenchProfile,
    Identity,
    PreviousParticipation,
    Studies,
)
from candidates.selectors import dossier_load, dossier_status
from candidates.services import application_transition
from tapif.core.messages import explain_message
from tapif.core.models import Academie, Institution
from tests.candidates.factories import ApplicationFactory, DocumentFactory
from tests.factories import (
    EASTERN,
    CampaignFactory,
    CandidateFactory,
    StaffFactory,
    SuperuserFactory,
)

# Time frozen inside the 2026-2027 window; uploaded files go to a throw-away private folder.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

CHANGELIST = "/admin/candidates/application/"
LETTER = " ".join(["mot"] * 480)


def words(result, language: str) -> str:
    """A rule's message as a reader of `language` sees it."""
    with translation.override(language):
        return explain_message(result.message)


def staff_with(*codenames: str, **kwargs):
    user = StaffFactory(**kwargs)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="candidates",
            # Their scope is every dossier; reviewers' narrower one: test_document_scope.py.
            codename__in=[*codenames, "view_every_dossier"],
        )
    )
    return user


@pytest.fixture
def staff():
    return staff_with(
        "view_application",
        "reopen_application",
        "view_document",
        "view_couple",
        email="officer@example.ca",
    )


@pytest.fixture
def admin_client(client, staff):
    """A staff member who reads the admin in English (the eligibility messages follow it)."""
    client.force_login(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def dossier(campaign, **candidate) -> Application:
    return ApplicationFactory(candidate=CandidateFactory(**candidate), campaign=campaign)


def submitted(campaign, **candidate) -> Application:
    application = dossier(campaign, **candidate)
    return application_transition(
        application=application, to_status=ApplicationStatus.SUBMITTED, actor=application.candidate
    )


def fill(application: Application, *, born: dt.date = dt.date(2001, 5, 17)) -> Application:
    """Every section answered so that each eligibility rule can be judged."""
    academies = list(Academie.objects.order_by("name")[:3])
    Identity.objects.create(
        application=application,
        legal_first_names="Marie Claire",
        legal_last_name="Tremblay-Ng",
        date_of_birth=born,
        place_of_birth="Halifax",
        country_of_birth="CA",
        sex="F",
        citizenship="canadian",
        resides_in_canada=True,
        address_line="12 rue Principale",
        city="Ottawa",
        postal_code="K1A 0A1",
        phone="613-555-0100",
    )
    Studies.objects.create(
        application=application,
        enrolment_status="enrolled",
        institution=Institution.objects.get_or_create(
            name="Université du Test", city="Moncton", province="NB", status="approved"
        )[0],
        programme="BA French and History",
        french_study="major",
        university_years_completed=3,
        has_education_degree=False,
        studies_mostly_in_canada=True,
    )
    FrenchProfile.objects.create(
        application=application,
        proof_route="official_test",
        test_name="DELF",
        test_level="B2",
        test_date=dt.date(2025, 6, 2),
    )
    FrenchCourse.objects.create(
        application=application, title="Stylistique comparée", level="300-level", grade="A-"
    )
    Experience.objects.create(
        application=application,
        kind="teaching",
        role="Tutor",
        organisation="Moncton High School",
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2024, 1, 31),
    )
    Assets.objects.create(
        application=application,
        motivation_letter=LETTER,
        academie_1=academies[0],
        academie_2=academies[1],
        academie_3=academies[2],
        school_level="primary",
        available_from_contract_start=True,
    )
    PreviousParticipation.objects.create(
        application=application, school_year="2022-2023", academie=academies[2]
    )
    return application


def document(application: Application, kind: str, name: str, **fields) -> Document:
    return DocumentFactory(application=application, kind=kind, original_name=name, **fields)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- changelist -------------------------------------------------------------------------------


def test_changelist_lists_dossiers_with_candidate_status_and_eligibility(
    admin_client, reference_campaign
):
    empty = dossier(reference_campaign, first_name="Ada", last_name="Lovelace")
    too_old = submitted(reference_campaign, first_name="Bob", last_name="Ancien")
    fill(too_old, born=dt.date(1980, 1, 1))
    eligible = fill(dossier(reference_campaign, first_name="Chloé", last_name="Roy"))
    document(eligible, "passport", "passport.pdf", expires_on=dt.date(2030, 1, 1))
    assert dossier_status(dossier_load(eligible.pk)).verdict.eligible is True

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    rows = {row.number: row for row in response.context["cl"].result_list}
    assert set(rows) == {empty.number, too_old.number, eligible.number}
    admin = response.context["cl"].model_admin
    assert str(admin.eligibility(rows[empty.number])) == "Not known yet"
    assert str(admin.eligibility(rows[too_old.number])) == "Ineligible"
    assert str(admin.eligibility(rows[eligible.number])) == "Eligible"
    assert rows[eligible.number].current_documents_count == 1
    assert rows[empty.number].current_documents_count == 0
    html = response.content.decode()
    for text in ["Ada Lovelace", empty.candidate.email, "Bob Ancien", "Submitted", "Draft"]:
        assert text in html
    assert '<td class="field-eligibility">Not known yet</td>' in html
    assert '<td class="field-eligibility">Ineligible</td>' in html


def test_changelist_filters_by_status_submission_and_campaign(admin_client, reference_campaign):
    draft = dossier(reference_campaign)
    sent = submitted(reference_campaign)
    reopened = submitted(reference_campaign)
    application_transition(application=reopened, to_status="draft", actor=None, reason="x")
    other_campaign = CampaignFactory(
        opens_at=dt.datetime(2025, 9, 1, tzinfo=EASTERN),
        closes_at=dt.datetime(2026, 3, 1, tzinfo=EASTERN),
    )
    elsewhere = dossier(other_campaign)

    def numbers(query: str) -> set[str]:
        response = admin_client.get(f"{CHANGELIST}?{query}")
        return {a.number for a in response.context["cl"].result_list}

    assert numbers("status__exact=submitted") == {sent.number}
    assert numbers("status__exact=draft") == {draft.number, reopened.number, elsewhere.number}
    assert numbers("submitted=yes") == {sent.number}
    assert numbers("submitted=no") == {draft.number, reopened.number, elsewhere.number}
    assert numbers(f"campaign__id__exact={other_campaign.pk}") == {elsewhere.number}
    assert numbers(f"campaign__id__exact={reference_campaign.pk}") == {
        draft.number,
        sent.number,
        reopened.number,
    }


def test_changelist_searches_by_number_email_and_legal_name(admin_client, reference_campaign):
    first = fill(dossier(reference_campaign, email="zoe.paquette@example.ca"))
    second = dossier(reference_campaign, email="other@example.ca")

    def numbers(q: str) -> set[str]:
        response = admin_client.get(CHANGELIST, {"q": q})
        return {a.number for a in response.context["cl"].result_list}

    assert numbers(second.number) == {second.number}
    assert numbers("zoe.paquette@") == {first.number}
    assert numbers("Tremblay-Ng") == {first.number}
    assert numbers("nobody@nowhere") == set()


def test_changelist_query_count_does_not_grow_with_rows(admin_client, reference_campaign):
    def add_full_dossier():
        application = fill(submitted(reference_campaign))
        document(application, "passport", "old.pdf", is_current=False)
        document(application, "passport", "new.pdf", expires_on=dt.date(2030, 1, 1))
        Experience.objects.create(
            application=application, kind="abroad", role="Student", start_date=dt.date(2023, 1, 1)
        )

    add_full_dossier()
    admin_client.get(CHANGELIST)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(CHANGELIST).status_code == 200
    for _ in range(4):
        add_full_dossier()
    with CaptureQueriesContext(connection) as five:
        response = admin_client.get(CHANGELIST)

    assert response.context["cl"].result_count == 5
    assert len(five) == len(one)


# --- change page ------------------------------------------------------------------------------


@pytest.fixture
def full_dossier(reference_campaign, staff):
    application = fill(submitted(reference_campaign, first_name="Marie", last_name="Tremblay"))
    old = document(
        application,
        "passport",
        "passport-2019.pdf",
        is_current=False,
        expires_on=dt.date(2026, 3, 1),
        uploaded_at=dt.datetime(2025, 11, 2, 9, tzinfo=EASTERN),
    )
    new = document(application, "passport", "passport-2025.pdf", expires_on=dt.date(2035, 8, 31))
    application_transition(
        application=application,
        to_status=ApplicationStatus.INCOMPLETE,
        actor=staff,
        reason="Transcripts missing",
    )
    return application, old, new


def test_change_page_shows_every_section_answer(admin_client, full_dossier):
    application, _old, _new = full_dossier
    academies = list(Academie.objects.order_by("name")[:3])

    html = admin_client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()

    for text in [
        "<td>First name(s) as on passport</td><td>Marie Claire</td>",
        "<td>Last name as on passport</td><td>Tremblay-Ng</td>",
        "<td>Country of birth</td><td>Canada</td>",
        "<td>Citizenship</td><td>Canadian citizen</td>",
        "<td>I live in Canada</td><td>Yes</td>",
        "<td>University</td><td>Université du Test (Moncton)</td>",
        "<td>University years completed and validated</td><td>3</td>",
        "<td>Official test</td><td>DELF</td>",
        "<td>Level obtained</td><td>B2</td>",
        "<td>Stylistique comparée</td><td>300-level</td><td>A-</td>",
        "<td>Teaching</td><td>Tutor</td><td>Moncton High School</td>",
        "<td>31 days (1.0 months)</td>",
        "<li>Teaching: 31 days (1.0 months)</li>",
        f"<li>1. {academies[0].name}</li><li>2. {academies[1].name}</li>"
        f"<li>3. {academies[2].name}</li>",
        "<td>School level wanted</td><td>Primary (pupils aged 6 to 10)</td>",
        "480 words (about 500 expected)",
        f"<td>2022-2023</td><td>{academies[2].name}</td>",
        "Marie Tremblay",
    ]:
        assert text in html, text


def test_change_page_lists_every_document_version_with_its_download_link(
    admin_client, full_dossier
):
    application, old, new = full_dossier

    html = admin_client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()

    old_link = reverse("candidates:document_download", kwargs={"pk": old.pk})
    new_link = reverse("candidates:document_download", kwargs={"pk": new.pk})
    with translation.override("en"):
        size = filesizeformat(new.size)
    assert f'<a href="{new_link}">passport-2025.pdf</a></td><td>{size}</td>' in html
    assert f'<a href="{old_link}">passport-2019.pdf</a></td><td>{size}</td>' in html
    assert html.index("passport-2025.pdf") < html.index("passport-2019.pdf")  # newest first
    with translation.override("en"):
        new_expiry = formats.date_format(new.expires_on, "SHORT_DATE_FORMAT")
        old_expiry = formats.date_format(old.expires_on, "SHORT_DATE_FORMAT")
    assert f"<td>current</td><td>{new_expiry}</td>" in html
    assert f"<td>replaced</td><td>{old_expiry}</td>" in html
    assert "dossiers/" not in html  # the storage path never reaches the page


def test_change_page_shows_completeness_eligibility_and_timeline(admin_client, full_dossier, staff):
    application, _old, _new = full_dossier

    html = admin_client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()

    # Completeness: every section is answered; the documents still missing, by name.
    assert (
        "<td>Documents</td><td><ul><li>Transcripts of the last two completed years (stamped)</li>"
        "<li>Birth certificate</li><li>Official French test certificate</li></ul></td>"
    ) in html
    assert "<td>1. Identity</td>" not in html
    # Eligibility rule by rule, in the staff member's language.
    assert "<p><strong>Eligible</strong></p>" in html
    assert (
        "<td>Age on 1 October</td><td>Met</td>"
        "<td>You will be 25 on 1 October 2026, within the 20 to 35 age limits.</td>"
    ) in html
    assert (
        "<td>Passport validity</td><td>Met</td><td>Your passport expires on 31 August 2035, "
        "which covers the required 30 October 2027.</td>"
    ) in html
    # Timeline: creation, submission, the staff's check, with who and why.
    candidate = application.candidate.email
    assert f"<td>—</td><td>Draft</td><td>{candidate}</td><td>—</td>" in html
    assert f"<td>Draft</td><td>Submitted</td><td>{candidate}</td><td>—</td>" in html
    assert (
        f"<td>Submitted</td><td>Incomplete</td><td>{staff.email}</td><td>Transcripts missing</td>"
        in html
    )


def test_change_page_shows_a_failed_rule_and_what_a_section_misses(admin_client, full_dossier):
    application, _old, _new = full_dossier
    Identity.objects.filter(application=application).update(
        date_of_birth=dt.date(1980, 1, 1), phone=""
    )

    html = admin_client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()

    assert "<p><strong>Ineligible</strong></p>" in html
    rules = dossier_status(dossier_load(application.pk)).verdict.rules
    age = next(rule for rule in rules if rule.rule == "age")
    assert f"<td>Age on 1 October</td><td>Not met</td><td>{escape(words(age, 'en'))}</td>" in html
    assert "<td>1. Identity</td><td><ul><li>Phone number</li></ul></td>" in html


def test_eligibility_messages_follow_the_staff_members_language(client, staff, full_dossier):
    application, _old, _new = full_dossier
    rules = dossier_status(dossier_load(application.pk)).verdict.rules
    client.force_login(staff)
    url = f"{CHANGELIST}{application.pk}/change/"

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert len(rules) == 9
    assert [escape(words(r, "en")) in english for r in rules] == [True] * 9
    assert [escape(words(r, "fr")) in french for r in rules] == [True] * 9
    assert [escape(words(r, "fr")) in english for r in rules] == [False] * 9
    assert [escape(words(r, "en")) in french for r in rules] == [False] * 9


def test_change_page_has_no_editable_field_and_ignores_a_post(admin_client, full_dossier):
    application, _old, _new = full_dossier
    url = f"{CHANGELIST}{application.pk}/change/"
    number = application.number
    before = DossierEvent.objects.status_changes().filter(application=application).count()

    page = admin_client.get(url)
    response = admin_client.post(
        url, {"number": "HACKED", "status": "accepted", "french_level": "C2", "_save": "Save"}
    )

    assert page.context["adminform"].form.fields == {}
    assert 'name="_save"' not in page.content.decode()
    assert "<textarea" not in page.content.decode()
    assert response.status_code == 403
    application.refresh_from_db()
    assert (application.number, application.status, application.french_level) == (
        number,
        ApplicationStatus.INCOMPLETE,
        "",
    )
    assert not Application.objects.filter(number="HACKED").exists()
    assert DossierEvent.objects.status_changes().filter(application=application).count() == before


def test_add_and_delete_are_refused_even_to_a_superuser(client, full_dossier):
    application, old, _new = full_dossier
    client.force_login(SuperuserFactory())

    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}{application.pk}/delete/", {"post": "yes"}).status_code == 403
    choices = dict(client.get(CHANGELIST).context["action_form"].fields["action"].choices)
    assert "delete_selected" not in choices
    response = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [application.pk], "index": 0}
    )
    assert Application.objects.filter(pk=application.pk).exists()
    assert client.get("/admin/candidates/document/add/").status_code == 403
    assert client.post(f"/admin/candidates/document/{old.pk}/delete/").status_code == 403
    assert client.post(f"/admin/candidates/document/{old.pk}/change/", {}).status_code == 403
    assert Document.objects.filter(pk=old.pk).exists()
    assert response.status_code == 302


# --- reopen action ----------------------------------------------------------------------------


def run_reopen(client, pks, reason=None, *, url=CHANGELIST):
    data = {"action": "reopen_for_candidate", "_selected_action": [str(pk) for pk in pks]}
    if reason is None:
        data["index"] = "0"  # the first click, from the list's action bar
    else:
        data.update({"apply": "yes", "reason": reason})
    return client.post(url, data)


def test_reopen_asks_for_a_reason_then_gives_the_dossier_back_as_a_draft(
    admin_client, staff, reference_campaign, django_capture_on_commit_callbacks
):
    application = submitted(reference_campaign)

    form_page = run_reopen(admin_client, [application.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        response = run_reopen(admin_client, [application.pk], "  Passport scan unreadable  ")

    assert form_page.status_code == 200
    assert form_page.templates[0].name == "admin/action_confirmation.html"
    assert application.number in form_page.content.decode()
    assert 'name="reason"' in form_page.content.decode()
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    change = DossierEvent.objects.status_changes().filter(application=application).latest("id")
    assert (change.from_status, change.to_status, change.actor, change.note) == (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.DRAFT,
        staff,
        "Passport scan unreadable",
    )
    assert len(callbacks) == 1  # the candidate's e-mail, after commit
    assert messages_of(response) == ["1 dossier reopened for its candidate."]


def test_reopen_with_an_empty_reason_shows_the_form_again_and_changes_nothing(
    admin_client, reference_campaign
):
    application = submitted(reference_campaign)
    before = DossierEvent.objects.status_changes().count()

    response = run_reopen(admin_client, [application.pk], "   ")

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert "This field is required." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert DossierEvent.objects.status_changes().count() == before


def test_reopen_reports_the_dossiers_it_refused_and_why(admin_client, reference_campaign):
    sent = submitted(reference_campaign)
    draft = dossier(reference_campaign)
    withdrawn = dossier(reference_campaign)
    application_transition(application=withdrawn, to_status="withdrawn", actor=None)
    changes_before = {a.pk: a.events.status_changes().count() for a in (draft, withdrawn)}

    response = run_reopen(admin_client, [sent.pk, draft.pk, withdrawn.pk], "Wrong transcripts")

    assert messages_of(response) == [
        f"{draft.number} was not reopened: It is already a draft.",
        f"{withdrawn.number} was not reopened: A dossier cannot go from “Withdrawn” to “Draft”.",
        "1 dossier reopened for its candidate.",
    ]
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert statuses[sent.pk] == ApplicationStatus.DRAFT
    assert statuses[draft.pk] == ApplicationStatus.DRAFT
    assert statuses[withdrawn.pk] == ApplicationStatus.WITHDRAWN
    assert {a.pk: a.events.status_changes().count() for a in (draft, withdrawn)} == changes_before


def test_reopen_from_the_change_page_returns_to_it(admin_client, reference_campaign):
    application = submitted(reference_campaign)
    url = f"{CHANGELIST}{application.pk}/change/"
    field = "CHANGE_FORM-action"

    page = admin_client.get(url)
    form_page = admin_client.post(
        url, {field: "reopen_for_candidate", "_selected_action": str(application.pk)}
    )
    response = admin_client.post(
        url,
        {
            field: "reopen_for_candidate",
            "_selected_action": str(application.pk),
            "apply": "yes",
            "reason": "Birth certificate is not legible",
        },
    )

    assert f'name="{field}"' in page.content.decode()
    assert f'<input type="hidden" name="{field}" value="reopen_for_candidate">' in (
        form_page.content.decode()
    )
    assert response.status_code == 302
    assert response["Location"] == url
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_staff_without_the_reopen_permission_neither_sees_nor_runs_the_action(
    client, reference_campaign
):
    application = submitted(reference_campaign)
    viewer = staff_with("view_application")
    client.force_login(viewer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    page = client.get(CHANGELIST)
    first = run_reopen(client, [application.pk])
    second = run_reopen(client, [application.pk], "Let me in")

    assert page.status_code == 200
    assert "reopen_for_candidate" not in page.content.decode()
    # With no action left to offer, the list treats the POST as a plain display.
    assert first.status_code == second.status_code == 200
    assert messages_of(second) == []
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert list(application.events.status_changes().values_list("to_status", flat=True)) == [
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
    ]
    change_page = client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()
    assert "reopen_for_candidate" not in change_page


def test_staff_with_the_reopen_permission_sees_the_action(client, reference_campaign):
    submitted(reference_campaign)
    client.force_login(staff_with("view_application", "reopen_application"))

    choices = dict(client.get(CHANGELIST).context["action_form"].fields["action"].choices)

    assert list(choices) == ["", "reopen_for_candidate"]


# --- documents and couples ----------------------------------------------------------------------


def test_document_list_filters_searches_and_links_to_the_download(admin_client, full_dossier):
    application, old, new = full_dossier
    other = document(dossier(application.campaign), "birth_certificate", "acte.pdf")

    def pks(query: str) -> set[int]:
        response = admin_client.get(f"/admin/candidates/document/?{query}")
        return {d.pk for d in response.context["cl"].result_list}

    html = admin_client.get("/admin/candidates/document/").content.decode()

    assert pks("") == {old.pk, new.pk, other.pk}
    assert pks("is_current__exact=0") == {old.pk}
    assert pks("kind__exact=birth_certificate") == {other.pk}
    assert pks(f"q={application.number}") == {old.pk, new.pk}
    assert pks("q=acte") == {other.pk}
    link = reverse("candidates:document_download", kwargs={"pk": new.pk})
    assert f'<a href="{link}">Download</a>' in html
    view = admin_client.get(f"/admin/candidates/document/{new.pk}/change/").content.decode()
    assert f'<a href="{link}">Download</a>' in view
    assert "dossiers/" not in view


def test_couple_list_shows_both_partners_and_searches(admin_client, reference_campaign):
    proposer = dossier(reference_campaign, email="anna@example.ca")
    partner = dossier(reference_campaign, email="ben@example.ca")
    couple = Couple.objects.create(
        proposer=proposer,
        partner=partner,
        partner_email="ben@example.ca",
        preference="together_only",
        status="confirmed",
    )
    Couple.objects.create(
        proposer=dossier(reference_campaign),
        partner_email="carl@example.ca",
        preference="together_preferred",
    )

    def pks(query: str) -> set[int]:
        response = admin_client.get(f"/admin/candidates/couple/?{query}")
        return {c.pk for c in response.context["cl"].result_list}

    html = admin_client.get("/admin/candidates/couple/").content.decode()

    assert proposer.number in html
    assert "anna@example.ca" in html
    assert "carl@example.ca" in html
    assert pks("status__exact=confirmed") == {couple.pk}
    assert pks(f"q={partner.number}") == {couple.pk}
    assert pks("q=anna@") == {couple.pk}
    assert admin_client.get("/admin/candidates/couple/add/").status_code == 403
    change_page = admin_client.get(f"{CHANGELIST}{proposer.pk}/change/").content.decode()
    assert f"{partner.number} (ben@example.ca) — Confirmed by both" in change_page

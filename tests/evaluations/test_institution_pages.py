"""The institution contact's pages: joining, the waiting state, professors, request progress.

An institution sees where each request addressed to its professors stands and when, never what
the professor wrote: every page is checked against an evaluation with distinctive content.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations import services
from evaluations.choices import ContactStatus
from evaluations.models import EvaluationRequest, InstitutionContact, Professor
from tapif.core.models import AuditEntry, Institution
from tests.candidates.factories import ApplicationFactory
from tests.evaluations.factories import (
    COMPLETE,
    CONFIDENTIAL,
    EvaluationRequestFactory,
    InstitutionFactory,
    opened_by,
)
from tests.factories import (
    CandidateFactory,
    InstitutionContactFactory,
    ProfessorFactory,
    StaffFactory,
)
from tests.words import cells

pytestmark = pytest.mark.usefixtures("campaign_open")

DASHBOARD = "/en/evaluations/institution/"
JOIN = "/en/evaluations/institution/join/"
ADD = "/en/evaluations/institution/professors/add/"

# Nothing a professor wrote (nor the reason they gave for declining) reaches these pages.
SECRETS = [*CONFIDENTIAL, "Reason-Quokka", "I recommend this candidate"]


def toggle(pk: int) -> str:
    return f"/en/evaluations/institution/professors/{pk}/active/"


def listed(name: str = "Collège Tintamarre", city: str = "Tintamarre", **fields) -> Institution:
    return InstitutionFactory(name=name, city=city, **({"province": "NB"} | fields))


def contact_for(institution: Institution, *, approve: bool | None = True, **user):
    """An institution account that asked to represent `institution`; staff decide if asked to."""
    account = InstitutionContactFactory(**user)
    contact = services.institution_contact_request(
        user=account, institution=institution, role="Head of the French department"
    )
    if approve is not None:
        services.institution_contact_decide(
            contact=contact, approve=approve, actor=StaffFactory(totp=False)
        )
    return account


def professor_account(email: str, first_name: str, last_name: str):
    return ProfessorFactory(email=email, first_name=first_name, last_name=last_name)


def invite(application, email: str, name: str, institution=None) -> EvaluationRequest:
    """The candidate invites an evaluator (`.token` is the link's token, from the e-mail)."""
    return EvaluationRequestFactory(
        application=application,
        evaluator_email=email,
        evaluator_name=name,
        institution=institution,
        language="en",
    )


def dossier_of(first_name: str, last_name: str):
    return ApplicationFactory(
        candidate=CandidateFactory(first_name=first_name, last_name=last_name)
    )


@pytest.fixture
def moncton():
    return listed()


@pytest.fixture
def contact_client(client, moncton):
    client.force_login(contact_for(moncton, email="dept@umoncton.ca"))
    return client


def squash(html: str) -> str:
    """The page without the indentation between tags, to compare table rows."""
    return re.sub(r">\s+<", "><", html)


@pytest.fixture
def progress(moncton, campaign_open):
    """Requests in every state addressed to Moncton's professors, plus two it must not see."""
    services.professor_add(
        user=contact_for(moncton, email="lister@umoncton.ca"),
        full_name="Prof. Anne Leblanc",
        email="anne.leblanc@umoncton.ca",
    )
    leblanc = professor_account("anne.leblanc@umoncton.ca", "Anne", "Leblanc")
    martin = professor_account("paul.martin@umoncton.ca", "Paul", "Martin")
    # Submitted, with content that must never show (invited on 15 January).
    submitted = invite(dossier_of("Chloé", "Roy"), "anne.leblanc@umoncton.ca", "Anne Leblanc")
    campaign_open.shift(dt.timedelta(days=2))  # opened on 17 January
    opened_by(submitted, leblanc)
    services.evaluation_save(request=submitted, user=leblanc, data=COMPLETE)
    campaign_open.shift(dt.timedelta(days=3))  # submitted on 20 January
    services.evaluation_submit(request=submitted, user=leblanc)
    # Declined, naming the institution (the professor is not listed by it).
    declined = invite(
        dossier_of("Bruno", "Gagnon"), "paul.martin@umoncton.ca", "Paul Martin", moncton
    )
    opened_by(declined, martin)
    campaign_open.shift(dt.timedelta(days=1))  # declined on 21 January
    services.evaluation_request_decline(
        request=declined, user=martin, reason="Reason-Quokka: on sabbatical"
    )
    # Invited, not opened yet, naming the institution.
    invited = invite(dossier_of("Zoé", "Paquette"), "anne.leblanc@umoncton.ca", "A. L.", moncton)
    # Invited, not opened, naming no institution, to an address the institution listed: an
    # address alone reveals nothing (left out).
    invite(dossier_of("Walter", "Discret"), "anne.leblanc@umoncton.ca", "A. L.")
    # Replaced: a dead link, left out.
    replaced = invite(dossier_of("Yves", "Remplacé"), "anne.leblanc@umoncton.ca", "A. Leblanc")
    services.evaluation_request_replace(
        request=replaced,
        evaluator_name="Someone Else",
        evaluator_email="someone@elsewhere.ca",
        institution=None,
        relationship="former_professor",
        language="en",
        actor=replaced.application.candidate,
    )
    # Another institution's professor.
    invite(
        dossier_of("Xavier", "Ailleurs"),
        "prof@ubc.ca",
        "Other Prof",
        listed("Université Borée", "Boréal", province="BC"),
    )
    return submitted, declined, invited


def test_dashboard_shows_the_progress_of_each_request_and_never_its_content(
    progress, contact_client
):
    submitted, _declined, _invited = progress
    assert submitted.evaluation.comment == COMPLETE["comment"]  # it exists

    response = contact_client.get(DASHBOARD)

    html = cells(response.content.decode())
    assert response.status_code == 200
    rows = [
        (r.application.candidate.get_full_name(), r.get_status_display())
        for r in response.context["requests"]
    ]
    assert "Walter" not in html  # an address the contact listed reveals no one
    assert rows == [
        ("Zoé Paquette", "Invitation sent"),
        ("Bruno Gagnon", "Declined by the evaluator"),
        ("Chloé Roy", "Evaluation received"),
    ]
    for row in [
        "<td>Zoé Paquette</td><td>A. L.</td>"
        '<td><span class="badge badge-invited">Invitation sent</span></td>'
        "<td>21 January 2026</td><td>—</td><td>—</td>",
        "<td>Bruno Gagnon</td><td>Paul Martin</td>"
        '<td><span class="badge badge-declined">Declined by the evaluator</span></td>'
        "<td>20 January 2026</td><td>20 January 2026</td><td>21 January 2026</td>",
        "<td>Chloé Roy</td><td>Prof. Anne Leblanc</td>"
        '<td><span class="badge badge-submitted">Evaluation received</span></td>'
        "<td>15 January 2026</td><td>17 January 2026</td><td>20 January 2026</td>",
    ]:
        assert row in squash(html), row
    for text in ["Yves", "Xavier", "Someone Else", "Other Prof", *SECRETS]:
        assert text not in html, text
    assert "<td>C1</td>" not in html


def test_no_institution_page_shows_evaluation_content(client, moncton, progress):
    """Every page an institution account can reach, in every state, in both languages."""
    pages = []
    for status in (True, False, None):
        client.force_login(contact_for(moncton, approve=status))
        for language in ("en", "fr"):
            for path in ("/evaluations/institution/", "/evaluations/institution/join/"):
                pages.append(client.get(f"/{language}{path}", follow=True).content.decode())
    assert len(pages) == 12
    for html in pages:
        for text in SECRETS:
            assert text not in html, text


def test_dashboard_lists_the_professors_with_their_state_and_a_form_to_add_one(
    contact_client, moncton
):
    account = InstitutionContact.objects.get(institution=moncton).user
    services.professor_add(user=account, full_name="Béatrice Cormier", email="bc@umoncton.ca")
    gone = services.professor_add(user=account, full_name="Albert Parti", email="ap@umoncton.ca")
    services.professor_set_active(user=account, professor=gone, active=False)
    listed("Université Borée", "Boréal", province="BC").professors.create(
        full_name="Other Prof", email="o@ubc.ca"
    )

    response = contact_client.get(DASHBOARD)

    html = response.content.decode()
    assert [p.full_name for p in response.context["professors"]] == [
        "Béatrice Cormier",
        "Albert Parti",
    ]
    assert "Other Prof" not in html
    assert '<span class="state state-done">Active</span>' in html
    assert '<span class="state state-todo">Inactive</span>' in html
    assert f'action="{toggle(gone.pk)}"' in html
    assert '<input type="hidden" name="active" value="1">' in html  # reactivate Albert
    assert f'action="{ADD}"' in html
    assert 'name="full_name"' in html
    assert 'name="email"' in html
    assert "<h1>Collège Tintamarre</h1>" in html
    assert "You represent this institution as: Head of the French department." in html
    assert "No candidate has asked your professors for an evaluation yet." in html


def test_dashboard_queries_do_not_grow_with_the_requests(contact_client, moncton):
    account = InstitutionContact.objects.get(institution=moncton).user
    services.professor_add(user=account, full_name="Anne Leblanc", email="al@umoncton.ca")
    leblanc = professor_account("al@umoncton.ca", "Anne", "Leblanc")

    def add_request(n: int) -> None:
        opened_by(invite(dossier_of(f"Cand{n}", "Idate"), "al@umoncton.ca", "A. L."), leblanc)

    add_request(0)
    contact_client.get(DASHBOARD)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        contact_client.get(DASHBOARD)
    for n in range(1, 5):
        add_request(n)
    with CaptureQueriesContext(connection) as five:
        response = contact_client.get(DASHBOARD)

    assert len(response.context["requests"]) == 5
    assert len(five) == len(one)


# --- joining ------------------------------------------------------------------------------------


def test_a_new_institution_account_is_asked_to_join_from_its_home(client, moncton):
    client.force_login(InstitutionContactFactory())

    home = client.get("/en/home/")
    page = client.get(DASHBOARD)

    assert home.status_code == 302
    assert home["Location"] == DASHBOARD
    html = page.content.decode()
    assert "Your account does not represent an institution yet." in html
    assert f'href="{JOIN}"' in html
    assert "Your professors" not in html


def test_joining_a_listed_institution_waits_for_the_embassy(client, moncton):
    listed("Hidden College", "Nowhere", status=Institution.Status.REQUESTED)
    account = InstitutionContactFactory()
    client.force_login(account)

    form_page = client.get(JOIN)
    response = client.post(JOIN, {"institution": moncton.pk, "role": "  Dean of Arts  "})

    offered = form_page.context["form"].fields["institution"].queryset
    assert moncton in offered
    assert set(offered) == set(Institution.objects.filter(status=Institution.Status.APPROVED))
    assert "Hidden College" not in form_page.content.decode()
    assert f'<option value="{moncton.pk}">Collège Tintamarre — Tintamarre</option>' in (
        form_page.content.decode()
    )
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    contact = InstitutionContact.objects.get(user=account)
    assert (contact.institution, contact.role, contact.status) == (
        moncton,
        "Dean of Arts",
        ContactStatus.REQUESTED,
    )
    html = client.get(DASHBOARD).content.decode()
    assert "Your request has been sent to the embassy." in html
    assert (
        "Your request to represent Collège Tintamarre (Dean of Arts) is waiting for the "
        "embassy's approval." in html
    )
    assert "Your professors" not in html
    assert client.post(ADD, {"full_name": "X", "email": "x@umoncton.ca"}).status_code == 403
    assert not Professor.objects.exists()


def test_joining_a_missing_institution_asks_for_it_to_be_listed(client):
    account = InstitutionContactFactory()
    client.force_login(account)

    response = client.post(
        JOIN,
        {
            "missing_name": "  Université   des Marées ",
            "missing_city": "Baie-des-Marées",
            "missing_province": "NS",
            "role": "Registrar",
        },
    )

    assert response.status_code == 302
    institution = Institution.objects.get(name="Université des Marées")
    assert (institution.city, institution.province, institution.status) == (
        "Baie-des-Marées",
        "NS",
        Institution.Status.REQUESTED,
    )
    assert institution.requested_by == account
    contact = InstitutionContact.objects.get(user=account)
    assert (contact.institution, contact.status) == (institution, ContactStatus.REQUESTED)
    html = client.get(DASHBOARD).content.decode()
    assert (
        "You asked for Université des Marées to be added to the list; the embassy will check "
        "it too." in html
    )
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "institution.request",
        "institution_contact.request",
    }


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        (
            {"role": "Dean"},
            "institution",
            "Choose your institution from the list, or ask for it to be added.",
        ),
        (
            {"role": "Dean", "missing_name": "Université X"},
            "missing_name",
            "Give the name, city and province of the missing institution.",
        ),
        (
            {
                "role": "Dean",
                "institution": "LISTED",
                "missing_name": "Université X",
                "missing_city": "Ville",
                "missing_province": "QC",
            },
            "institution",
            "Choose an institution from the list or ask for a new one, not both.",
        ),
        ({"institution": "LISTED", "role": "  "}, "role", "This field is required."),
    ],
)
def test_an_incomplete_join_request_is_explained_and_changes_nothing(
    client, moncton, data, field, error
):
    client.force_login(InstitutionContactFactory())
    data = {k: (moncton.pk if v == "LISTED" else v) for k, v in data.items()}
    institutions = Institution.objects.count()

    response = client.post(JOIN, data)

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [error]}
    assert error in response.content.decode()
    assert not InstitutionContact.objects.exists()
    assert Institution.objects.count() == institutions


def test_a_waiting_contact_can_change_their_request(client, moncton):
    laval = listed("Université Capella", "Capella", province="QC")
    account = contact_for(moncton, approve=None)
    client.force_login(account)

    page = client.get(JOIN)
    client.post(JOIN, {"institution": laval.pk, "role": "Professor"})

    assert page.context["form"].initial == {
        "role": "Head of the French department",
        "institution": moncton,
    }
    assert "You can still change your request below." in page.content.decode()
    contact = InstitutionContact.objects.get(user=account)
    assert (contact.institution, contact.role, contact.status) == (
        laval,
        "Professor",
        ContactStatus.REQUESTED,
    )


def test_a_rejected_contact_is_told_and_may_ask_again(client, moncton):
    account = contact_for(moncton, approve=False)
    client.force_login(account)

    html = client.get(DASHBOARD).content.decode()
    client.post(JOIN, {"institution": moncton.pk, "role": "Dean"})

    assert "The embassy could not confirm that your account represents Collège Tintamarre." in html
    assert f'<a href="{JOIN}">Ask again</a>' in html
    assert InstitutionContact.objects.get(user=account).status == ContactStatus.REQUESTED


def test_an_approved_contact_is_sent_from_join_to_their_page(contact_client, moncton):
    response = contact_client.get(JOIN)
    posted = contact_client.post(JOIN, {"institution": moncton.pk, "role": "Someone else"})

    assert response.status_code == posted.status_code == 302
    assert response["Location"] == posted["Location"] == DASHBOARD
    assert InstitutionContact.objects.get().role == "Head of the French department"


# --- professors ---------------------------------------------------------------------------------


def test_adding_a_professor_lists_them_for_the_institution(contact_client, moncton):
    response = contact_client.post(
        ADD, {"full_name": " Marie Cormier ", "email": "Marie.Cormier@UMoncton.ca"}
    )

    assert response.status_code == 302
    assert response["Location"] == DASHBOARD
    professor = Professor.objects.get()
    assert (professor.full_name, professor.email, professor.institution, professor.is_active) == (
        "Marie Cormier",
        "marie.cormier@umoncton.ca",
        moncton,
        True,
    )
    assert professor.added_by.email == "dept@umoncton.ca"
    html = cells(contact_client.get(DASHBOARD).content.decode())
    assert "Marie Cormier is listed as a professor of your institution." in html
    assert "<td>marie.cormier@umoncton.ca</td>" in html


def test_a_professor_listed_elsewhere_is_refused_next_to_the_field(contact_client):
    ubc = listed("Université Borée", "Boréal", province="BC")
    taken = ubc.professors.create(full_name="Prof. Ubc", email="prof@ubc.ca")

    response = contact_client.post(ADD, {"full_name": "Prof. Ubc", "email": "PROF@ubc.ca"})
    invalid = contact_client.post(ADD, {"full_name": "", "email": "not-an-address"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["This professor is listed by another institution."]
    }
    assert "This professor is listed by another institution." in response.content.decode()
    taken.refresh_from_db()
    assert (taken.institution, taken.is_active) == (ubc, True)
    assert invalid.status_code == 200
    assert set(invalid.context["form"].errors) == {"full_name", "email"}
    assert Professor.objects.count() == 1


def test_deactivating_and_reactivating_a_professor(contact_client, moncton):
    account = InstitutionContact.objects.get(institution=moncton).user
    professor = services.professor_add(user=account, full_name="Anne Leblanc", email="a@um.ca")

    off = contact_client.post(toggle(professor.pk), {"active": "0"})
    again = contact_client.post(toggle(professor.pk), {"active": "0"})  # a double click
    professor.refresh_from_db()
    was_active = professor.is_active
    on = contact_client.post(toggle(professor.pk), {"active": "1"})

    assert off.status_code == again.status_code == on.status_code == 302
    assert was_active is False
    professor.refresh_from_db()
    assert professor.is_active is True
    assert list(
        AuditEntry.objects.filter(action__startswith="professor.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["professor.add", "professor.inactive", "professor.active"]
    html = cells(contact_client.get(DASHBOARD).content.decode())
    assert "Anne Leblanc is active again." in html


def test_another_institutions_professor_cannot_be_toggled(contact_client):
    other = listed("Université Borée", "Boréal", province="BC")
    contact_for(other)
    professor = other.professors.create(full_name="Prof. Ubc", email="prof@ubc.ca")

    response = contact_client.post(toggle(professor.pk), {"active": "0"})
    missing = contact_client.post(toggle(professor.pk + 1000), {"active": "0"})
    bad = contact_client.post(toggle(professor.pk), {"active": "maybe"})

    assert response.status_code == missing.status_code == bad.status_code == 404
    professor.refresh_from_db()
    assert professor.is_active is True
    assert not AuditEntry.objects.filter(action__startswith="professor.").exists()


def test_a_waiting_contact_cannot_act_on_professors(client, moncton):
    approved = contact_for(moncton)
    professor = services.professor_add(user=approved, full_name="Anne", email="a@um.ca")
    client.force_login(contact_for(moncton, approve=None))

    toggled = client.post(toggle(professor.pk), {"active": "0"})
    added = client.post(ADD, {"full_name": "Bob", "email": "b@um.ca"})

    assert toggled.status_code == added.status_code == 403
    professor.refresh_from_db()
    assert professor.is_active is True
    assert Professor.objects.count() == 1


# --- who may come ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_user",
    [
        CandidateFactory,
        ProfessorFactory,
        lambda: StaffFactory(totp=False),
        lambda: InstitutionContactFactory(is_staff=True),
    ],
    ids=["candidate", "professor", "staff", "staff-with-institution-kind"],
)
def test_only_institution_accounts_reach_the_pages(client, moncton, make_user):
    account = contact_for(moncton)
    professor = services.professor_add(user=account, full_name="Anne", email="a@um.ca")
    get_urls = [DASHBOARD, JOIN]
    post_urls = [
        (ADD, {"full_name": "Bob", "email": "b@um.ca"}),
        (toggle(professor.pk), {"active": "0"}),
    ]

    client.force_login(account)
    allowed = [client.get(url).status_code for url in get_urls]
    client.force_login(make_user())
    denied = [client.get(url).status_code for url in get_urls] + [
        client.post(url, data).status_code for url, data in post_urls
    ]

    assert allowed == [200, 302]  # an approved contact's join page leads to their page
    assert denied == [403, 403, 403, 403]
    professor.refresh_from_db()
    assert professor.is_active is True
    assert Professor.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in [DASHBOARD, JOIN]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/en/accounts/login/?next=")
    response = client.post(ADD, {"full_name": "Bob", "email": "b@um.ca"})
    assert response.status_code == 302
    assert not Professor.objects.exists()

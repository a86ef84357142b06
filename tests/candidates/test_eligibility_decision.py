"""Staff decide a complete dossier's eligibility (`eligibility_decide`) and the admin action that
shows each rule beside the facts it read, with overrules for the programme manager."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.utils import translation

from candidates import services
from candidates.choices import ApplicationStatus, DossierEventKind, PaymentStatus
from candidates.messages import failure_text
from candidates.models import Application, Document, DossierEvent, EligibilityDecision
from candidates.selectors import eligibility_decision_latest
from selection.selectors import reviewable_applications
from tapif.core.admin_display import short_date
from tapif.core.exceptions import DomainError
from tapif.core.models import AuditEntry
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import CAMPAIGN_OPEN_AT, ApplicationFactory
from tests.factories import CandidateFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

CHANGELIST = "/admin/candidates/application/"
ACTION = "decide_eligibility"
# The level came from a professor's evaluation: the reason the candidate reads never names it.
LOW_FRENCH_EN = (
    "Your evaluation has been received: the French requirement (at least B1, CEFR) is not met."
)
LOW_FRENCH_FR = (
    "Votre évaluation a été reçue : l’exigence de français (au moins B1, CECR) n’est pas remplie."
)
UNKNOWN_FRENCH = (
    "The rule “French level” is not known yet: overrule it with a justification or wait for "
    "the fact."
)


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


def submitted(language: str = "en") -> Application:
    application = complete_dossier(
        ApplicationFactory(candidate=CandidateFactory(preferred_language=language))
    )
    return services.application_submit(application=application, actor=application.candidate)


def accept_documents(application: Application, actor) -> None:
    for document in Document.objects.filter(application=application, is_current=True):
        services.document_accept(document=document, actor=actor)


def verify_fee(application: Application, actor) -> None:
    services.application_record_payment(
        application=application,
        status=PaymentStatus.VERIFIED,
        event=DossierEventKind.PAYMENT_VERIFIED,
        actor=actor,
    )


def ready(language: str = "en", *, french_level: str | None = "B2") -> Application:
    """A complete dossier (every document accepted) whose fee is verified; the professor's
    evaluation gives `french_level` (None: not evaluated yet, the rule is unknown)."""
    checker = StaffFactory()
    application = submitted(language)
    accept_documents(application, checker)
    verify_fee(application, checker)
    if french_level:
        services.application_record_french_level(
            application=application, level=french_level, actor=None, source="evaluation"
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMPLETE
    return application


def status_of(application: Application) -> str:
    application.refresh_from_db()
    return application.status


def last_change(application: Application) -> DossierEvent:
    return DossierEvent.objects.status_changes().filter(application=application).latest("id")


@pytest.fixture(autouse=True)
def _in_english():
    """Staff read the services' messages in their language: English here."""
    with translation.override("en"):
        yield


@pytest.fixture
def reviewer():
    return staff_with("view_application", "decide_eligibility", email="reviewer@example.ca")


@pytest.fixture
def manager():
    return staff_with(
        "view_application",
        "decide_eligibility",
        "override_eligibility",
        email="manager@example.ca",
    )


def assert_nothing_decided(application: Application, status=ApplicationStatus.COMPLETE) -> None:
    assert status_of(application) == status
    assert not EligibilityDecision.objects.filter(application=application).exists()
    assert not AuditEntry.objects.filter(action="application.eligibility").exists()


# --- the service ---------------------------------------------------------------------------------


def test_confirming_an_eligible_dossier_moves_it_to_the_review_queue(
    reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    application = ready()
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        decision = services.eligibility_decide(application=application, actor=reviewer)

    assert (decision.outcome, decision.overrides, decision.failures) == ("eligible", [], [])
    assert (decision.decided_by, decision.decided_at) == (reviewer, CAMPAIGN_OPEN_AT)
    assert status_of(application) == ApplicationStatus.ELIGIBLE
    change = last_change(application)
    assert (change.from_status, change.to_status, change.actor, change.note) == (
        ApplicationStatus.COMPLETE,
        ApplicationStatus.ELIGIBLE,
        reviewer,
        "",
    )
    entry = AuditEntry.objects.get(action="application.eligibility")
    assert (entry.actor, entry.dossier, entry.target_id) == (
        reviewer,
        application.number,
        str(application.pk),
    )
    assert entry.data == {
        "before": "complete",
        "after": "eligible",
        "overrides": [],
        "failures": [],
    }
    assert mailoutbox == []  # only an ineligible candidate is written to
    assert list(reviewable_applications(application.campaign)) == [application]
    assert eligibility_decision_latest(application) == decision


@pytest.mark.parametrize(("language", "reason"), [("en", LOW_FRENCH_EN), ("fr", LOW_FRENCH_FR)])
def test_an_ineligible_dossier_gets_its_reasons_on_the_timeline_and_by_mail(
    reviewer, mailoutbox, django_capture_on_commit_callbacks, language, reason
):
    application = ready(language, french_level="A2")
    eligible = ready()
    services.eligibility_decide(application=eligible, actor=reviewer)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        decision = services.eligibility_decide(application=application, actor=reviewer)

    assert decision.outcome == "ineligible"
    assert decision.failures == [
        {
            "rule": "french_level",
            # From the professor's evaluation: the level is not in what the candidate reads.
            "code": "eligibility.french_level.evaluation_below",
            "params": {"minimum": "B1"},
        }
    ]
    for words, text in (("en", LOW_FRENCH_EN), ("fr", LOW_FRENCH_FR)):
        with translation.override(words):
            assert [failure_text(failure) for failure in decision.failures] == [text]
    assert status_of(application) == ApplicationStatus.INELIGIBLE
    change = last_change(application)
    assert (change.to_status, change.actor, change.note) == (
        ApplicationStatus.INELIGIBLE,
        reviewer,
        reason,
    )
    assert AuditEntry.objects.get(
        dossier=application.number, action="application.eligibility"
    ).data == {
        "before": "complete",
        "after": "ineligible",
        "overrides": [],
        "failures": ["french_level"],
    }
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [application.candidate.email]
    assert application.number in mail.subject
    assert f"- {reason}" in mail.body
    assert f"<li>{reason}</li>" in mail.alternatives[0][0]
    # Ineligible dossiers leave the review queue.
    assert list(reviewable_applications(application.campaign)) == [eligible]


def test_the_english_mail_says_why(reviewer, mailoutbox, django_capture_on_commit_callbacks):
    application = ready("en", french_level="A2")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.eligibility_decide(application=application, actor=reviewer)

    assert mailoutbox[0].subject.endswith(
        f"Your dossier {application.number} does not meet the eligibility rules"
    )
    assert "it does not meet the programme's eligibility rules" in mailoutbox[0].body


def test_overruling_needs_the_permission(reviewer):
    application = ready(french_level="A2")

    with pytest.raises(DomainError) as refused:
        services.eligibility_decide(
            application=application,
            actor=reviewer,
            overrides={"french_level": ("pass", "B1 oral shown at the interview")},
        )

    assert refused.value.message == "You are not allowed to overrule eligibility rules."
    assert_nothing_decided(application)


@pytest.mark.parametrize("justification", ["", "   "])
def test_overruling_needs_a_justification(manager, justification):
    application = ready(french_level="A2")

    with pytest.raises(DomainError) as refused:
        services.eligibility_decide(
            application=application,
            actor=manager,
            overrides={"french_level": ("pass", justification)},
        )

    assert refused.value.message == "Justify overruling the rule “French level”."
    assert_nothing_decided(application)


def test_overruling_a_rule_that_does_not_exist_or_to_unknown_is_refused(manager):
    application = ready()

    with pytest.raises(DomainError) as no_rule:
        services.eligibility_decide(
            application=application, actor=manager, overrides={"height": ("pass", "tall")}
        )
    with pytest.raises(DomainError) as no_status:
        services.eligibility_decide(
            application=application, actor=manager, overrides={"age": ("unknown", "why not")}
        )

    assert no_rule.value.message == "There is no eligibility rule “height”."
    assert no_status.value.message == (
        "A rule is overruled to “met” or “not met” only (rule “Age on 1 October”)."
    )
    assert_nothing_decided(application)


def test_the_manager_overrules_a_failing_rule_with_a_justification(manager):
    application = ready(french_level="A2")

    decision = services.eligibility_decide(
        application=application,
        actor=manager,
        overrides={"french_level": ("pass", "  B1 shown at the embassy's interview  ")},
    )

    assert decision.outcome == "eligible"
    assert decision.overrides == [
        {
            "rule": "french_level",
            "status": "pass",
            "justification": "B1 shown at the embassy's interview",
        }
    ]
    assert decision.failures == []
    assert status_of(application) == ApplicationStatus.ELIGIBLE
    assert AuditEntry.objects.get(action="application.eligibility").data["overrides"] == (
        decision.overrides
    )


def test_a_rule_overruled_to_not_met_gives_the_justification_as_the_reason(manager):
    application = ready()

    decision = services.eligibility_decide(
        application=application,
        actor=manager,
        overrides={"passport": ("fail", "The passport shown is reported stolen.")},
    )

    assert decision.outcome == "ineligible"
    assert decision.failures == [
        {"rule": "passport", "justification": "The passport shown is reported stolen."}
    ]
    assert failure_text(decision.failures[0]) == "The passport shown is reported stolen."
    assert last_change(application).note == "The passport shown is reported stolen."


def test_a_rule_not_known_yet_refuses_the_decision(reviewer):
    application = ready(french_level=None)  # the professor has not evaluated yet

    with pytest.raises(DomainError) as refused:
        services.eligibility_decide(application=application, actor=reviewer)

    assert refused.value.message == UNKNOWN_FRENCH
    assert_nothing_decided(application)


def test_the_manager_may_overrule_a_rule_not_known_yet(manager):
    application = ready(french_level=None)

    decision = services.eligibility_decide(
        application=application,
        actor=manager,
        overrides={"french_level": ("pass", "C1 certificate seen, evaluation lost")},
    )

    assert decision.outcome == "eligible"
    assert status_of(application) == ApplicationStatus.ELIGIBLE


def test_refused_while_a_document_is_not_accepted(reviewer):
    application = submitted()
    verify_fee(application, reviewer)
    services.application_record_french_level(
        application=application, level="B2", actor=None, source="evaluation"
    )
    first, *_others = Document.objects.filter(application=application, is_current=True)
    services.document_accept(document=first, actor=reviewer)

    with pytest.raises(DomainError) as refused:
        services.eligibility_decide(application=application, actor=reviewer)

    assert refused.value.message == (
        "Eligibility is decided once every required document is accepted (this dossier is "
        "“Submitted”)."
    )
    assert_nothing_decided(application, ApplicationStatus.SUBMITTED)


def test_refused_while_the_fee_is_not_verified(reviewer):
    application = submitted()  # its fee is only declared
    accept_documents(application, reviewer)
    services.application_record_french_level(
        application=application, level="B2", actor=None, source="evaluation"
    )

    with pytest.raises(DomainError) as refused:
        services.eligibility_decide(application=application, actor=reviewer)

    assert refused.value.message == "The application fee is not verified yet."
    assert_nothing_decided(application)


def test_a_later_overrule_makes_an_ineligible_dossier_eligible(reviewer, manager):
    application = ready(french_level="A2")
    first = services.eligibility_decide(application=application, actor=reviewer)

    with pytest.raises(DomainError) as reviewer_refused:
        services.eligibility_decide(application=application, actor=reviewer)
    with pytest.raises(DomainError) as unchanged:
        services.eligibility_decide(application=application, actor=manager)
    second = services.eligibility_decide(
        application=application,
        actor=manager,
        overrides={"french_level": ("pass", "B2 confirmed by a second evaluation")},
    )

    assert reviewer_refused.value.message == (
        "This dossier was found ineligible: only staff allowed to overrule rules can decide again."
    )
    assert unchanged.value.message == (
        "The dossier is already ineligible: overrule a rule to change the outcome."
    )
    assert (first.outcome, second.outcome) == ("ineligible", "eligible")
    assert eligibility_decision_latest(application) == second
    assert status_of(application) == ApplicationStatus.ELIGIBLE
    change = last_change(application)
    assert (change.from_status, change.to_status, change.actor) == (
        ApplicationStatus.INELIGIBLE,
        ApplicationStatus.ELIGIBLE,
        manager,
    )
    assert list(reviewable_applications(application.campaign)) == [application]


# --- the admin action ----------------------------------------------------------------------------


def login(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def run(client, application, *, url=CHANGELIST, field="action", **form):
    data = {field: ACTION, "_selected_action": [str(application.pk)]}
    if form:
        data.update({"apply": "yes", **form})
    else:
        data["index"] = "0"
    return client.post(url, data)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def disabled(html: str, name: str) -> bool:
    tag = re.search(rf'<(?:select|textarea) name="{name}"[^>]*>', html)
    assert tag, name
    return " disabled" in tag.group(0)


def action_choices(response) -> set[str]:
    form = response.context["action_form"]
    return {name for name, _label in form.fields["action"].choices} if form else set()


def test_staff_without_the_permission_neither_see_nor_run_the_action(client):
    application = ready()
    login(client, staff_with("view_application"))

    page = client.get(CHANGELIST)
    change_page = client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()
    response = run(client, application, apply_only="yes")

    assert ACTION not in action_choices(page)
    assert ACTION not in change_page
    assert response.status_code == 200  # no such action: a plain display of the list
    assert_nothing_decided(application)


def test_the_action_page_shows_each_rule_beside_its_facts(client, reviewer):
    application = ready(french_level="A2")
    login(client, reviewer)

    offered = client.get(CHANGELIST)
    page = run(client, application)

    assert ACTION in action_choices(offered)
    assert page.status_code == 200
    assert page.templates[0].name == "admin/candidates/application/eligibility_decision.html"
    html = page.content.decode()
    assert application.number in html
    assert "The rule engine finds this dossier: <strong>Ineligible</strong>" in html
    assert "French level: A2, verified (evaluation)" in html
    assert f"date of birth: {short_date(dt.date(2003, 5, 17))}" in html
    assert "university years completed: 3" in html
    assert LOW_FRENCH_EN in html
    assert "Not met" in html
    # Without the overrule permission the choices are there, disabled, and the page says why.
    assert "Overruling a rule needs the permission to overrule eligibility rules" in html
    assert disabled(html, f"dossier-{application.pk}-french_level-override")
    assert disabled(html, f"dossier-{application.pk}-french_level-justification")
    assert '<input type="hidden" name="action" value="decide_eligibility">' in html
    assert_nothing_decided(application)


def test_the_reviewer_confirms_from_the_change_page(client, reviewer):
    application = ready(french_level="A2")
    url = f"{CHANGELIST}{application.pk}/change/"
    login(client, reviewer)

    change_page = client.get(url).content.decode()
    # An overrule posted anyway by a reviewer is ignored: the engine's result is confirmed.
    response = run(
        client,
        application,
        url=url,
        field="CHANGE_FORM-action",
        **{
            f"dossier-{application.pk}-french_level-override": "pass",
            f"dossier-{application.pk}-french_level-justification": "I say so",
        },
    )

    assert f'<option value="{ACTION}">Decide eligibility</option>' in change_page
    assert response.status_code == 302
    assert response["Location"] == url
    assert messages_of(response) == [
        "1 dossier found ineligible: its candidate is told why by e-mail."
    ]
    assert status_of(application) == ApplicationStatus.INELIGIBLE
    assert EligibilityDecision.objects.get(application=application).overrides == []


def test_the_manager_overrules_with_a_justification_and_the_dossier_page_shows_it(client, manager):
    application = ready(french_level="A2")
    field = f"dossier-{application.pk}-french_level"
    login(client, manager)

    page = run(client, application).content.decode()
    missing = run(client, application, **{f"{field}-override": "pass"})
    response = run(
        client,
        application,
        **{
            f"{field}-override": "pass",
            f"{field}-justification": "B1 shown at the interview",
        },
    )
    dossier_page = client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()

    assert "You may overrule a rule to “met” or “not met”" in page
    assert not disabled(page, f"{field}-override")
    assert missing.status_code == 200
    assert "Justify overruling this rule" in missing.content.decode()
    assert response.status_code == 302
    assert messages_of(response) == ["1 dossier found eligible: it joins the review queue."]
    assert status_of(application) == ApplicationStatus.ELIGIBLE
    assert "Eligibility decision" in dossier_page
    when = short_date(CAMPAIGN_OPEN_AT)
    assert f"<strong>Eligible</strong> — decided on {when} by manager@example.ca" in dossier_page
    assert "<td>French level</td><td>Met</td><td>B1 shown at the interview</td>" in dossier_page


def test_the_change_page_shows_the_reasons_of_an_ineligible_decision(client, reviewer):
    application = ready(french_level="A2")
    services.eligibility_decide(application=application, actor=reviewer)
    login(client, reviewer)

    html = client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()

    assert "<strong>Ineligible</strong> — decided on" in html
    assert "No rule overruled: the engine&#x27;s result was confirmed." in html
    assert f"<li>French level: {LOW_FRENCH_EN}</li>" in html


def test_a_refusal_is_reported_and_nothing_changes(client, reviewer):
    application = submitted()
    accept_documents(application, reviewer)  # complete, but the fee is only declared
    login(client, reviewer)

    page = run(client, application).content.decode()
    response = run(client, application, confirm="yes")

    assert "Cannot be decided now: The application fee is not verified yet." in page
    assert messages_of(response) == [
        f"{application.number}: no decision recorded: The application fee is not verified yet."
    ]
    assert_nothing_decided(application)


def test_the_roles_reviewers_decide_and_the_programme_manager_overrules():
    from django.contrib.auth.models import Group

    from tapif.core.roles import PROGRAMME_MANAGER, REVIEWER

    reviewer, manager = StaffFactory(), StaffFactory()
    reviewer.groups.add(Group.objects.get(name=REVIEWER))
    manager.groups.add(Group.objects.get(name=PROGRAMME_MANAGER))

    assert reviewer.has_perm("candidates.decide_eligibility")
    assert not reviewer.has_perm("candidates.override_eligibility")
    assert manager.has_perms(["candidates.decide_eligibility", "candidates.override_eligibility"])


def test_a_dossier_whose_reviews_are_all_in_is_reviewed_once_found_eligible(reviewer):
    """The reviews may be submitted before the decision (selection listens to the decision)."""
    from selection.models import Review
    from selection.services import criteria_ensure, review_save
    from tests.selection.review_dossiers import assign, scorer

    application = ready()
    criteria = criteria_ensure(application.campaign)
    reviewers = [scorer(), scorer()]
    assign(application, *reviewers)
    for person in reviewers:
        review_save(
            application=application,
            reviewer=person,
            points={c.code: 3 for c in criteria},
            french_level_note="Scored from the dossier.",
            submit=True,
        )
    assert Review.objects.filter(application=application, status="submitted").count() == 2
    assert status_of(application) == ApplicationStatus.COMPLETE

    services.eligibility_decide(application=application, actor=reviewer)

    assert status_of(application) == ApplicationStatus.REVIEWED
    changes = application.events.status_changes().order_by("created_at", "id")
    assert [c.to_status for c in changes][-2:] == [
        ApplicationStatus.ELIGIBLE,
        ApplicationStatus.REVIEWED,
    ]

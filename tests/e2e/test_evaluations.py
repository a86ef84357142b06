"""The language evaluation in the browser: invited, signed up, submitted, declined, replaced.

Two people at once: the candidate in the `page` of the test (English) and the professor in a
browser context of their own (a Canadian French-speaking visitor) who follows the link of the
invitation e-mail, read from django.core.mail.outbox as they would read it in their mailbox. The
link in the e-mail points at settings.SITE_URL; the professor opens its path on the live server.

Like test_dossier.py, each test opens a campaign of its own around the real present.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone, translation
from playwright.sync_api import BrowserContext, Page, expect

from candidates import services as dossier_services
from candidates.models import Application, FrenchProfile
from evaluations import services
from evaluations.choices import EvaluationStatus, RequestStatus
from evaluations.models import Evaluation, EvaluationRequest
from tapif.core.choices import UserKind
from tapif.core.models import Campaign, Institution, User
from tapif.core.moments import moment_words
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.helpers import (
    CONFIRMATION_LINK,
    PASSWORD,
    axe_violations,
    describe_violations,
    log_in,
    submit_login_form,
)
from tests.evaluations.factories import LINK

pytestmark = pytest.mark.e2e

UNIVERSITY = "University of Ottawa / Université d'Ottawa — Ottawa"
#: The evaluation the professor types: every text distinctive, to look for leaks in pages.
KNOWN_FOR = "Deux ans, Ocelot-connu"
DETAILS = "FRAN 3100 et FRAN 3200, Ocelot-details"
COMMENT = "Commentaire-Tatou : remarques confidentielles pour le comité."
#: The four skills (the overall level, B2, is the one the dossier may show).
SKILLS = {
    "Compréhension orale": "C1",
    "Expression orale": "B2",
    "Compréhension écrite": "C2",
    "Expression écrite": "B1",
}
DECLINE_REASON = "Je suis en congé sabbatique jusqu’en juin, désolée."


@pytest.fixture
def open_page(new_context) -> Callable[[], Page]:
    """A page in a browser context of its own: another person on another computer."""

    def open_() -> Page:
        context: BrowserContext = new_context()
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    return open_


def _professor_route(candidate: User, campaign: Campaign) -> Application:
    """A dossier whose section 3 chose the professor's evaluation."""
    application = dossier_services.application_create(candidate=candidate, campaign=campaign)
    dossier_services.section_update(
        application=application,
        section="french",
        data={"proof_route": "professor"},
        actor=candidate,
    )
    return application


def _invite_by_service(application: Application, *, name: str, email: str) -> str:
    """Invite through the service (setup, not the journey under test); the link's path."""
    services.evaluation_request_create(
        application=application,
        evaluator_name=name,
        evaluator_email=email,
        institution=None,
        relationship="current_professor",
        language="fr",
        actor=application.candidate,
    )
    return _link_path(_invitation_to(email))


def _status_of(page: Page, path: str) -> int:
    """Open `path` and return the HTTP status it answered."""
    response = page.goto(path)
    assert response is not None, path
    return response.status


def _messages(page: Page):
    return page.locator("main .messages")


def _invitation_to(email: str):
    """The one invitation e-mail sent to `email`."""
    sent = [m for m in mail.outbox if email in m.to]
    assert len(sent) == 1, [(m.to, m.subject) for m in mail.outbox]
    return sent[0]


def _confirmation_link(email: str) -> str:
    """The link of the one address-confirmation e-mail to `email` (who also has the invitation:
    helpers.confirmation_link expects a single message)."""
    links = [
        match.group(0)
        for message in mail.outbox
        if email in message.to and (match := CONFIRMATION_LINK.search(message.body))
    ]
    assert len(links) == 1, [(m.to, m.subject) for m in mail.outbox]
    return links[0]


def _link_path(message) -> str:
    """The path of the link in an invitation e-mail (its host is settings.SITE_URL)."""
    match = LINK.search(message.body)
    assert match, message.body
    assert match.group(0).startswith(settings.SITE_URL), match.group(0)
    return urlsplit(match.group(0)).path


def _shown(moment: dt.datetime, campaign: Campaign, language: str = "en") -> str:
    """A moment as the pages print it: in the campaign's time zone, the zone named."""
    with translation.override(language):
        return moment_words(moment, campaign)


def _invite(page: Page, *, name: str, email: str, button: str = "Send the invitation") -> None:
    """Fill the candidate's invitation form (English pages) and send it."""
    page.get_by_label("Your evaluator's name").fill(name)
    page.get_by_label("Their e-mail address").fill(email)
    page.get_by_label("Their institution").select_option(label=UNIVERSITY)
    page.get_by_role("group", name="They are").get_by_label("Former French professor").check()
    page.get_by_role("group", name="Language of the invitation e-mail").get_by_label(
        "French", exact=True
    ).check()
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(r"/en/evaluations/evaluator/$"))


def _labelled(page: Page, label: str):
    """The field whose label is exactly `label` (Django adds " :" to French labels)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\s*:?$"))


def _current_card(page: Page):
    return page.locator("section[aria-labelledby=current-title]")


# --- 1. Invited, signed up, submitted -------------------------------------------------------------


def test_candidate_invites_a_new_professor_who_signs_up_and_submits(
    page: Page, make_user, campaign, open_page
):
    candidate = make_user(language="en", first_name="Camille", last_name="Tremblay")
    application = dossier_services.application_create(candidate=candidate, campaign=campaign)
    evaluator_email = "helene.gagnon@uottawa.example.ca"
    # Staff approved the university's own domain: its professors are vouched for.
    Institution.objects.filter(name__startswith="University of Ottawa").update(
        email_domains="uottawa.example.ca", domains_approved_at=timezone.now()
    )

    # The candidate chooses the professor route in section 3, then invites from its card.
    log_in(page, email=candidate.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My application")
    page.goto("/en/dossier/french/")
    page.get_by_role("group", name="How your level will be proved").get_by_label(
        "Evaluation by a current or former French professor (recommended)"
    ).check()
    page.get_by_role("button", name="Save this section").click()
    expect(_messages(page)).to_have_text("Saved.")
    card = page.locator("section[aria-labelledby=evaluator-title]")
    expect(card.locator(".state")).to_have_text("No evaluator invited yet")
    card.get_by_role("link", name="Invite your evaluator").click()

    expect(page).to_have_url(re.compile(r"/en/evaluations/evaluator/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your evaluator")
    expect(page.get_by_role("heading", level=2, name="Invite your evaluator")).to_be_visible()
    _invite(page, name="Hélène Gagnon", email=evaluator_email)
    expect(_messages(page)).to_have_text(f"Invitation sent to Hélène Gagnon ({evaluator_email}).")
    expect(_current_card(page).locator(".badge")).to_have_text("Invitation sent")
    expect(_current_card(page)).to_contain_text("Not yet")  # opened
    invitation = EvaluationRequest.objects.get(application=application)
    assert (invitation.status, invitation.language, invitation.professor) == (
        RequestStatus.INVITED,
        "fr",
        None,
    )
    assert invitation.institution.name.startswith("University of Ottawa")

    # The e-mail, in French, with the personal link.
    message = _invitation_to(evaluator_email)
    assert message.subject == "[TAPIF] TAPIF : Camille Tremblay vous demande d’évaluer son français"
    assert message.reply_to == [candidate.email]
    link = _link_path(message)
    assert re.fullmatch(r"/fr/evaluations/r/[A-Za-z0-9_-]{30,}/", link), link

    # The professor, on their own computer, follows the link and creates an account.
    professor = open_page()
    professor.goto(link)
    expect(professor.get_by_role("heading", level=1)).to_have_text("Une demande d’évaluation")
    expect(professor.locator("main")).to_contain_text("Camille Tremblay")
    professor.get_by_role("main").get_by_role("link", name="Créer un compte Professeur").click()
    expect(professor).to_have_url(re.compile(r"/fr/accounts/signup/\?kind=professor&"))
    form = professor.get_by_role("main").locator("form")
    expect(form.get_by_role("radio", name="Professeur", exact=True)).to_be_checked()
    expect(form.locator("input[name=email]")).to_have_value(evaluator_email)
    form.locator("input[name=first_name]").fill("Hélène")
    form.locator("input[name=last_name]").fill("Gagnon")
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(professor).to_have_url(re.compile(r"/fr/accounts/confirm-email/$"))
    user = User.objects.get(email=evaluator_email)
    assert (user.kind, user.get_full_name()) == (UserKind.PROFESSOR, "Hélène Gagnon")

    # Confirming the address signs in and goes back to the link, which opens the request.
    professor.goto(_confirmation_link(evaluator_email))
    professor.get_by_role("main").locator("form button[type=submit]").click()
    detail = f"/fr/evaluations/requests/{invitation.pk}/"
    expect(professor).to_have_url(re.compile(rf"{re.escape(detail)}$"))
    expect(professor.get_by_role("heading", level=1)).to_have_text("Évaluation de Camille Tremblay")
    invitation.refresh_from_db()
    assert (invitation.status, invitation.professor.user) == (RequestStatus.OPENED, user)
    assert invitation.opened_at is not None
    page.reload()
    expect(_current_card(page).locator(".badge")).to_have_text("Opened by the evaluator")
    expect(_current_card(page)).to_contain_text(_shown(invitation.opened_at, campaign))

    # The evaluation: a draft first.
    for label, level in SKILLS.items():
        _labelled(professor, label).select_option(level)
    _labelled(professor, "Niveau global").select_option("B2")
    professor.get_by_role("group", name="Motivation", exact=True).get_by_label(
        re.compile(r"^\s*4 — ")
    ).check()
    professor.get_by_role("group", name=re.compile("^Aptitude à enseigner")).get_by_label(
        re.compile(r"^\s*5 — ")
    ).check()
    _labelled(professor, "Depuis combien de temps vous connaissez le candidat").fill(KNOWN_FOR)
    professor.get_by_role("group", name="Dans quel contexte").get_by_label(
        "Dans mes cours de français"
    ).check()
    _labelled(professor, "Détails").fill(DETAILS)
    _labelled(professor, "Commentaire").fill(COMMENT)
    professor.get_by_role("group", name="Recommandation").get_by_label(
        "Je recommande vivement cette candidature"
    ).check()
    professor.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(_messages(professor)).to_have_text(
        "Brouillon enregistré. Vous pouvez y revenir à tout moment."
    )
    expect(_labelled(professor, "Commentaire")).to_have_value(COMMENT)
    evaluation = Evaluation.objects.get(request=invitation)
    assert evaluation.status == EvaluationStatus.DRAFT
    assert (
        evaluation.oral_comprehension,
        evaluation.oral_expression,
        evaluation.written_comprehension,
        evaluation.written_expression,
        evaluation.overall_level,
    ) == ("C1", "B2", "C2", "B1", "B2")
    assert (evaluation.motivation, evaluation.aptitude, evaluation.recommendation) == (
        4,
        5,
        "strongly",
    )
    assert (evaluation.known_for, evaluation.known_context, evaluation.comment) == (
        KNOWN_FOR,
        "courses",
        COMMENT,
    )
    assert Application.objects.get(pk=application.pk).french_level == ""

    # Review, confirm, submit.
    professor.get_by_role("button", name="Vérifier et soumettre").click()
    expect(professor).to_have_url(re.compile(rf"{re.escape(detail)}submit/$"))
    expect(professor.get_by_role("heading", level=1)).to_have_text("Vérifier et soumettre")
    expect(professor.locator("main dl.facts").last).to_contain_text(COMMENT)
    professor.get_by_label(re.compile("^Je confirme cette évaluation")).check()
    professor.get_by_role("button", name="Envoyer l’évaluation").click()
    expect(professor).to_have_url(re.compile(rf"{re.escape(detail)}$"))
    expect(_messages(professor)).to_have_text(
        "Votre évaluation a été envoyée. Merci : Camille Tremblay a été informé·e de sa réception."
    )
    expect(professor.locator("main .status")).to_contain_text("Elle ne peut plus être modifiée.")
    expect(professor.locator("main form")).to_have_count(0)
    invitation.refresh_from_db()
    evaluation.refresh_from_db()
    assert (invitation.status, evaluation.status) == (
        RequestStatus.SUBMITTED,
        EvaluationStatus.SUBMITTED,
    )
    assert invitation.submitted_at == evaluation.submitted_at is not None
    application.refresh_from_db()
    assert (application.french_level, application.french_level_source) == ("B2", "evaluation")
    assert application.french.evaluator_status == "submitted"

    # The candidate: received, with the date, and nothing of what the professor wrote.
    page.goto("/en/evaluations/evaluator/")
    received = page.locator("section[aria-labelledby=received-title]")
    expect(received.get_by_role("heading", level=2)).to_have_text("Evaluation received")
    expect(received.locator(".status")).to_have_text(
        f"Hélène Gagnon submitted your evaluation on {_shown(invitation.submitted_at, campaign)}."
        " Thank you: nothing else is needed from them."
    )
    expect(_current_card(page)).to_have_count(0)
    expect(page.get_by_role("button", name="Send the invitation")).to_have_count(0)
    html = page.content()
    for secret in (COMMENT, "Tatou", "Ocelot", "FRAN 3100", "Je recommande", "Dans mes cours"):
        assert secret not in html, secret
    main_text = page.locator("main").inner_text()
    assert not re.search(r"\b[ABC][12]\b", main_text), main_text

    # The professor's pages are not the candidate's, even with the address.
    for path in (detail, f"{detail}submit/"):
        assert _status_of(page, path.replace("/fr/", "/en/")) == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Access refused")
        assert COMMENT not in page.content()

    # Section 3 says so, and the overview's French rule is met.
    page.goto("/en/dossier/french/")
    expect(page.locator("section[aria-labelledby=evaluator-title] .state")).to_have_text(
        "Evaluation received"
    )
    page.goto("/en/dossier/")
    # The candidate reads that the requirement is met, never the level the professor gave.
    rule = page.locator("ul.rules li.rule").filter(has_text="Your evaluation has been received")
    expect(rule).to_contain_text(
        "Your evaluation has been received: the French requirement (at least B1, CEFR) is met."
    )
    expect(rule.locator(".state")).to_have_text("met")
    assert COMMENT not in page.content()
    assert "B2" not in page.locator("main").inner_text()


# --- 2. Declined, then replaced -------------------------------------------------------------------


def test_a_professor_declines_and_the_candidate_invites_then_replaces_another(
    page: Page, make_user, campaign, open_page
):
    candidate = make_user(language="en", first_name="Jordan", last_name="Lee")
    application = _professor_route(candidate, campaign)
    first = make_user(kind=UserKind.PROFESSOR, first_name="Antoine", last_name="Roy")
    log_in(page, email=candidate.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My application")
    page.goto("/en/evaluations/evaluator/")
    _invite(page, name="Antoine Roy", email=first.email)
    first_link = _link_path(_invitation_to(first.email))

    # Professor A already has an account: they sign in from the link and decline.
    professor = open_page()
    professor.goto(first_link)
    professor.get_by_role("main").get_by_role("link", name="Se connecter").click()
    submit_login_form(professor, email=first.email)
    request_a = EvaluationRequest.objects.get(evaluator_email=first.email)
    expect(professor).to_have_url(re.compile(rf"/fr/evaluations/requests/{request_a.pk}/$"))
    professor.get_by_role("link", name="Je ne peux pas évaluer cette candidature").click()
    expect(professor.get_by_role("heading", level=1)).to_have_text("Refuser la demande")
    professor.get_by_role("button", name="Refuser", exact=True).click()  # no reason yet
    expect(professor.get_by_role("alert")).to_contain_text(
        "Expliquez en quelques mots pourquoi à la personne candidate."
    )
    reason = professor.get_by_label("Pourquoi vous ne pouvez pas évaluer cette candidature")
    reason.fill(DECLINE_REASON)
    professor.get_by_role("button", name="Refuser", exact=True).click()
    expect(professor).to_have_url(re.compile(r"/fr/evaluations/requests/$"))
    expect(_messages(professor)).to_have_text(
        "Vous avez refusé. Jordan Lee en a été informé·e et peut inviter quelqu’un d’autre."
    )
    expect(professor.locator("main tbody tr")).to_contain_text("Refusée")
    request_a.refresh_from_db()
    assert (request_a.status, request_a.decline_reason) == (RequestStatus.DECLINED, DECLINE_REASON)
    told = [m for m in mail.outbox if candidate.email in m.to]
    assert len(told) == 1, [m.subject for m in told]

    # The candidate reads the reason and invites someone else.
    page.reload()
    declined = page.locator("section[aria-labelledby=declined-title]")
    expect(declined).to_contain_text("Antoine Roy")
    expect(declined).to_contain_text(f"Reason given: {DECLINE_REASON}")
    expect(_current_card(page)).to_have_count(0)
    expect(page.get_by_role("heading", level=2, name="Invite another evaluator")).to_be_visible()
    _invite(page, name="Béatrice Côté", email="beatrice.cote@uottawa.example.ca")
    expect(_messages(page)).to_contain_text("Invitation sent to Béatrice Côté")
    second_link = _link_path(_invitation_to("beatrice.cote@uottawa.example.ca"))
    assert second_link != first_link
    expect(_current_card(page)).to_contain_text("Béatrice Côté")
    assert FrenchProfile.objects.get(application=application).evaluator_status == "invited"

    # A's link now shows the request as declined, with nothing left to fill.
    professor.goto(first_link)
    expect(professor).to_have_url(re.compile(rf"/fr/evaluations/requests/{request_a.pk}/$"))
    expect(professor.locator("main")).to_contain_text(DECLINE_REASON)
    expect(professor.locator("main form")).to_have_count(0)

    # B has not answered: the candidate replaces B, whose link stops working.
    _current_card(page).get_by_role("link", name="Replace this evaluator").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Replace your evaluator")
    _invite(
        page,
        name="Chloé Martin",
        email="chloe.martin@uottawa.example.ca",
        button="Replace and send the invitation",
    )
    expect(_messages(page)).to_have_text(
        "Béatrice Côté has been replaced. "
        "Invitation sent to Chloé Martin (chloe.martin@uottawa.example.ca)."
    )
    replaced = page.locator("section[aria-labelledby=replaced-title]")
    expect(replaced.locator("tbody tr")).to_have_count(1)
    expect(replaced.locator("tbody tr")).to_contain_text("beatrice.cote@uottawa.example.ca")
    _invitation_to("chloe.martin@uottawa.example.ca")
    assert dict(
        EvaluationRequest.objects.filter(application=application).values_list(
            "evaluator_name", "status"
        )
    ) == {
        "Antoine Roy": RequestStatus.DECLINED,
        "Béatrice Côté": RequestStatus.REPLACED,
        "Chloé Martin": RequestStatus.INVITED,
    }

    someone = open_page()
    assert _status_of(someone, second_link) == 410
    expect(someone.get_by_role("heading", level=1)).to_have_text("Ce lien ne peut pas être ouvert")
    expect(someone.locator("main")).to_contain_text(
        "La personne candidate a choisi un·e autre évaluateur·rice : ce lien ne fonctionne plus."
    )
    expect(someone.locator("main")).not_to_contain_text("Jordan")
    expect(someone.get_by_role("link", name="Créer un compte Professeur")).to_have_count(0)


# --- 3. Security ----------------------------------------------------------------------------------


def test_a_bound_link_refuses_a_second_professor_and_a_guessed_link_is_not_found(
    page: Page, make_user, campaign, open_page
):
    candidate = make_user(language="en", first_name="Morgan", last_name="Singh")
    application = _professor_route(candidate, campaign)
    owner = make_user(kind=UserKind.PROFESSOR, first_name="Odile")
    link = _invite_by_service(application, name="Odile Tremblay", email=owner.email)
    invitation = EvaluationRequest.objects.get(application=application)
    services.evaluation_request_open(token=link.rstrip("/").rsplit("/", 1)[1], user=owner)
    services.evaluation_save(
        request=invitation,
        user=owner,
        data={"overall_level": "C2", "comment": COMMENT, "known_for": KNOWN_FOR},
    )

    intruder = make_user(kind=UserKind.PROFESSOR, first_name="Igor")
    log_in(page, email=intruder.email, language="fr")
    expect(page).to_have_url(re.compile(r"/fr/evaluations/requests/$"))

    def nothing_leaks() -> None:
        html = page.content()
        for secret in (COMMENT, "Tatou", "Ocelot", "Morgan", "Singh", application.number):
            assert secret not in html, (page.url, secret)

    assert _status_of(page, link) == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce lien ne peut pas être ouvert")
    expect(page.locator("main")).to_contain_text("Cette demande est déjà liée à un autre compte.")
    expect(page.locator("main")).to_contain_text(
        f"Vous êtes connecté·e en tant que {intruder.email}"
    )
    nothing_leaks()
    for path in (
        f"/fr/evaluations/requests/{invitation.pk}/",
        f"/fr/evaluations/requests/{invitation.pk}/submit/",
        f"/fr/evaluations/requests/{invitation.pk}/decline/",
    ):
        assert _status_of(page, path) == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
        nothing_leaks()
    page.goto("/fr/evaluations/requests/")
    expect(page.locator("main")).to_contain_text("Aucune demande ne vous est encore adressée.")
    nothing_leaks()
    invitation.refresh_from_db()
    assert invitation.professor.user == owner

    # A guessed link: not found, the same whether signed in or not.
    guessed = f"/en/evaluations/r/{secrets.token_urlsafe(32)}/"
    for visitor in (page, open_page()):
        assert _status_of(visitor, guessed) == 404
        expect(visitor.get_by_role("heading", level=1)).to_have_text("This link cannot be opened")
        expect(visitor.locator("main")).to_contain_text(
            "This link is not valid. Ask the candidate to send it again."
        )
        expect(visitor.get_by_role("link", name="Create a Professeur account")).to_have_count(0)
        assert "Morgan" not in visitor.content()


# --- 4. Accessibility -----------------------------------------------------------------------------


def test_evaluation_pages_have_no_serious_accessibility_violation(
    page: Page, make_user, campaign, open_page
):
    candidate = make_user(language="en", first_name="Sam", last_name="Nguyen")
    application = _professor_route(candidate, campaign)
    owner = make_user(kind=UserKind.PROFESSOR, first_name="Paul")
    link = _invite_by_service(application, name="Paul Lavoie", email=owner.email)
    invitation = EvaluationRequest.objects.get(application=application)
    found = []

    def check(where: Page, label: str) -> None:
        violations = axe_violations(where)
        if violations:
            found.append(f"{label}:\n{describe_violations(violations)}")

    log_in(page, email=candidate.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My application")
    page.goto("/en/evaluations/evaluator/")
    expect(_current_card(page)).to_contain_text("Paul Lavoie")
    check(page, "candidate's evaluator page")

    # The professor: list, form with an error, review page, decline page.
    professor = open_page()
    log_in(professor, email=owner.email, language="fr")
    expect(professor).to_have_url(re.compile(r"/fr/evaluations/requests/$"))
    professor.goto(link)
    detail = f"/fr/evaluations/requests/{invitation.pk}/"
    expect(professor).to_have_url(re.compile(rf"{re.escape(detail)}$"))
    professor.goto("/fr/evaluations/requests/")
    expect(professor.locator("main tbody tr")).to_have_count(1)
    check(professor, "professor's requests")

    professor.goto(detail)
    expect(_labelled(professor, "Niveau global")).to_be_visible()
    check(professor, "evaluation form")

    services.evaluation_save(
        request=invitation,
        user=owner,
        data={
            "oral_comprehension": "B2",
            "oral_expression": "B2",
            "written_comprehension": "B2",
            "written_expression": "B2",
            "overall_level": "B2",
            "motivation": 4,
            "aptitude": 4,
            "known_for": KNOWN_FOR,
            "known_context": "courses",
            "comment": COMMENT,
            "recommendation": "yes",
        },
    )
    professor.goto(f"{detail}submit/")
    expect(professor.get_by_role("heading", level=1)).to_have_text("Vérifier et soumettre")
    professor.get_by_role("button", name="Envoyer l’évaluation").click()  # unconfirmed
    expect(professor.get_by_role("alert")).to_contain_text("Cochez la case")
    check(professor, "review and submit (box not ticked)")

    professor.goto(f"{detail}decline/")
    expect(professor.get_by_role("heading", level=1)).to_have_text("Refuser la demande")
    check(professor, "decline")

    assert not found, "\n\n".join(found)
    assert Evaluation.objects.get(request=invitation).status == EvaluationStatus.DRAFT

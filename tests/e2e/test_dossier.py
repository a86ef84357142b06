"""The candidate's dossier in the browser: filled, refused, kept private, accessible, on a phone.

The 2026-2027 campaign loaded by the migrations has closed, so each test opens a campaign of its
own around the real present (the live server answers from a thread on the real clock: no frozen
time here). Documents go to a folder under `tmp_path`, uploaded from real PDF, PNG and JPEG files.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from candidates import services
from candidates.choices import ApplicationStatus, DocumentKind
from candidates.completeness import count_words
from candidates.messages import format_day
from candidates.models import Application, Assets, Document, Experience
from evaluations.models import EvaluationRequest
from payments.models import Payment
from tapif.core.models import Campaign
from tests.candidates.factories import stored_files, tiny_jpeg, tiny_pdf, tiny_png
from tests.e2e.helpers import axe_violations, describe_violations, log_in, log_out

pytestmark = pytest.mark.e2e

# Fifty sentences of ten words each: 500 words, the campaign's target length.
_SENTENCES = (
    "J’aimerais partager ma culture canadienne avec des élèves français curieux.",
    "Mon expérience de tutrice m’a appris la patience et l’écoute.",
    "Je voudrais aussi découvrir une nouvelle région de la France.",
    "Enseigner l’anglais à l’étranger serait pour moi une chance précieuse.",
    "Je prépare des activités ludiques pour motiver les plus jeunes.",
)
LETTER = "\n\n".join([" ".join(_SENTENCES)] * 10)
UNIVERSITY = "University of Ottawa / Université d'Ottawa — Ottawa"
PROFESSOR_EMAIL = "helene.gagnon@uottawa.example.ca"
# A Windows program (its "MZ" header) renamed to look like a PDF.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def format_date_en(day) -> str:
    with translation.override("en"):
        return format_day(day)


def format_date_fr(day) -> str:
    with translation.override("fr"):
        return format_day(day)


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    """Real files on disk, for the browser's file picker."""
    folder = tmp_path / "picked"
    folder.mkdir()
    contents = {
        "passport.pdf": tiny_pdf(),
        "transcripts.pdf": tiny_pdf(),
        "birth-certificate.png": tiny_png(),
        "fee-receipt.jpg": tiny_jpeg(),
        "releves.pdf": EXE_BYTES,
    }
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in contents}


def _born_aged(campaign: Campaign, age: int) -> dt.date:
    """A birthday in May: `age` completed years on the contract start (1 October)."""
    return dt.date(campaign.contract_start.year - age, 5, 17)


def _dossier_nav(page: Page):
    return page.get_by_role("navigation", name="Dossier sections")


def _nav_state(page: Page, title: str):
    """The state badge ("complete" / "to complete") of one entry of the dossier's navigation."""
    return _dossier_nav(page).get_by_role("listitem").filter(has_text=title).locator(".state")


def _open_from_nav(page: Page, link: str) -> None:
    _dossier_nav(page).get_by_role("link", name=link, exact=True).click()
    expect(_dossier_nav(page).locator("[aria-current=page]")).to_have_text(link)


def _labelled(page: Page, label: str):
    """The field whose label is exactly `label` (Django adds a colon to most labels)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\s*:?$"))


def _messages(page: Page):
    return page.locator("main .messages")


def _save_section(page: Page) -> None:
    page.get_by_role("button", name="Save this section").click()
    expect(_messages(page)).to_have_text("Saved.")


def test_candidate_fills_and_submits_the_dossier_in_english(
    page: Page, make_user, campaign, storage, files
):
    candidate = make_user(language="en", first_name="Camille")
    born = _born_aged(campaign, 23)
    log_in(page, email=candidate.email, language="en")
    expect(page).to_have_url(re.compile(r"/en/dossier/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Camille")

    page.get_by_role("button", name="Start my dossier").click()

    number = Application.objects.get(candidate=candidate, campaign=campaign).number
    assert number == f"{campaign.code}-00001"
    expect(_messages(page)).to_have_text(
        f"Your dossier {number} is open. Start with your identity."
    )
    expect(page.locator(".dossier-id")).to_contain_text(
        f"Dossier {number} · campaign {campaign.school_year}"
    )
    next_step = page.get_by_role("region", name="Next step")
    expect(next_step).to_contain_text("Complete “1. Identity”.")
    age_rule = page.locator("ul.rules li.rule").filter(has_text="date of birth")
    expect(age_rule.locator(".state")).to_have_text("not known yet")

    # 1. Identity
    next_step.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/en/dossier/identity/$"))
    page.get_by_label("First name(s) as on passport").fill("Camille Marie")
    page.get_by_label("Last name as on passport").fill("Tremblay")
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_label("Place of birth (city)").fill("Ottawa")
    page.get_by_label("Country of birth").select_option("CA")
    page.get_by_role("group", name="Sex as on passport").get_by_label("F (female)").check()
    page.get_by_role("group", name="Citizenship", exact=True).get_by_label(
        "Canadian citizen"
    ).check()
    page.get_by_role("group", name="Do you live in Canada?").get_by_label("Yes").check()
    _labelled(page, "Address").fill("12 rue Principale")
    _labelled(page, "City").fill("Ottawa")
    page.get_by_label("Province or state").fill("ON")
    page.get_by_label("Postal code").fill("K1A 0B1")
    page.get_by_label("Phone").fill("613 555 0199")
    _save_section(page)

    expect(_nav_state(page, "1. Identity")).to_have_text("complete")
    expect(_nav_state(page, "2. Studies")).to_have_text("to complete")
    identity = Application.objects.get(number=number).identity
    assert (identity.legal_last_name, identity.date_of_birth) == ("Tremblay", born)
    assert (identity.sex, identity.citizenship, identity.resides_in_canada) == (
        "F",
        "canadian",
        True,
    )
    assert (identity.postal_code, identity.phone) == ("K1A 0B1", "613 555 0199")

    # 2. Studies
    _open_from_nav(page, "2. Studies")
    page.get_by_role("group", name="Current situation").get_by_label(
        "Enrolled at university"
    ).check()
    _labelled(page, "University").select_option(label=UNIVERSITY)
    page.get_by_label("Programme").fill("BA French studies")
    page.get_by_role("group", name="French major or minor").get_by_label("French major").check()
    page.get_by_label("University years completed and validated").fill("3")
    page.get_by_role("group", name="Do you hold a degree in education?").get_by_label("No").check()
    page.get_by_role("group", name=re.compile("^Were most of your secondary")).get_by_label(
        "Yes"
    ).check()
    _save_section(page)
    expect(_nav_state(page, "2. Studies")).to_have_text("complete")
    expect(_labelled(page, "University")).to_have_value(
        str(Application.objects.get(number=number).studies.institution_id)
    )

    # 3. French: a professor's evaluation, so the level stays unknown until it arrives.
    _open_from_nav(page, "3. French")
    page.get_by_role("group", name="How your level will be proved").get_by_label(
        "Evaluation by a current or former French professor (recommended)"
    ).check()
    _save_section(page)
    # The route alone is not enough: the professor must be invited.
    expect(page.get_by_role("note")).to_contain_text(
        "Invite the professor who will evaluate your French"
    )
    expect(_nav_state(page, "3. French")).to_have_text("to complete")
    # Invite the professor from the section's "Your evaluator" card.
    evaluator = page.locator("section[aria-labelledby=evaluator-title]")
    expect(evaluator.locator(".state")).to_have_text("No evaluator invited yet")
    evaluator.get_by_role("link", name="Invite your evaluator").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your evaluator")
    page.get_by_label("Your evaluator's name").fill("Hélène Gagnon")
    page.get_by_label("Their e-mail address").fill(PROFESSOR_EMAIL)
    page.get_by_label("Their institution").select_option(label=UNIVERSITY)
    page.get_by_role("group", name="They are").get_by_label("Current French professor").check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(_messages(page)).to_have_text(f"Invitation sent to Hélène Gagnon ({PROFESSOR_EMAIL}).")
    invitation = EvaluationRequest.objects.get(application__number=number)
    assert (invitation.evaluator_email, invitation.status) == (PROFESSOR_EMAIL, "invited")
    assert [m.to for m in mail.outbox] == [[PROFESSOR_EMAIL]]
    page.get_by_role("link", name="Back to section 3. French").click()
    expect(page.get_by_role("note")).to_have_count(0)
    expect(page.locator("section[aria-labelledby=evaluator-title] .state")).to_have_text(
        "Invitation sent"
    )
    expect(_nav_state(page, "3. French")).to_have_text("complete")

    # 4. Experience: one entry, shown with its length in days.
    _open_from_nav(page, "4. Experience")
    expect(page.get_by_text("No experience listed yet.")).to_be_visible()
    page.get_by_role("link", name="Add an experience").click()
    page.get_by_role("group", name="Type").get_by_label("Teaching").check()
    page.get_by_label("Role or title").fill("English tutor")
    page.get_by_label("Organisation or place").fill("Ottawa Public Library")
    _labelled(page, "From").fill("2024-09-01")
    _labelled(page, "To").fill("2025-04-30")
    page.get_by_label("Hours per week").fill("4")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(re.compile(r"/en/dossier/experience/$"))
    entry = page.locator("ul.entries > li")
    expect(entry).to_have_count(1)
    expect(entry.get_by_role("heading")).to_have_text("Teaching — English tutor")
    expect(entry).to_contain_text("(242 days, 4 h a week)")  # 1 Sept to 30 April, both counted
    assert Experience.objects.get(application__number=number).days() == 242

    # 5. My strengths: the word counter follows the typing.
    _open_from_nav(page, "5. My strengths")
    counter = page.locator("#word-count")
    expect(counter).to_contain_text("Words: 0")
    letter_field = page.get_by_label("Motivation letter (in French)")
    letter_field.press_sequentially("Je souhaite enseigner l’anglais en France.")
    expect(counter).to_have_text("Words: 6 — Too short to submit: at least 150 words.")
    assert count_words(LETTER) == 500
    letter_field.fill(LETTER)
    expect(counter).to_have_text("Words: 500 — Good length.")
    page.get_by_label("First choice").select_option(label="Bordeaux")
    page.get_by_label("Second choice").select_option(label="Nantes")
    page.get_by_label("Third choice").select_option(label="Rennes")
    page.get_by_role("group", name="School level wanted").get_by_label("Either").check()
    page.get_by_label("I will be available to start on 1 October").check()
    _save_section(page)
    # Section 5 also holds the application fee: "to complete" until the payment is declared.
    expect(_nav_state(page, "5. My strengths")).to_have_text("to complete")
    expect(page.get_by_role("note")).to_contain_text(
        "Application fee: declare your Interac e-Transfer and upload its receipt"
    )
    expect(page.locator("#specific-title + p .badge")).to_have_text("Not declared yet")
    expect(counter).to_have_text(re.compile(r"^\s*Words:\s+500\s+—\s+Good length\.\s*$"))
    assets = Assets.objects.select_related("academie_1", "academie_2", "academie_3").get(
        application__number=number
    )
    assert assets.motivation_letter == LETTER.replace("\n", "\r\n")  # as a browser posts it
    assert [a.name for a in assets.academie_choices] == ["Bordeaux", "Nantes", "Rennes"]
    assert (assets.school_level, assets.available_from_contract_start) == ("either", True)

    # Documents: PDF and PNG files from disk; the passport with its expiry date.
    _open_from_nav(page, "Documents")
    passport_expiry = dt.date(campaign.passport_valid_until.year + 2, 3, 31)
    uploads = [
        (DocumentKind.PASSPORT, "Passport", "passport.pdf"),
        (
            DocumentKind.TRANSCRIPTS,
            "Transcripts of the last two completed years (stamped)",
            "transcripts.pdf",
        ),
        (DocumentKind.BIRTH_CERTIFICATE, "Birth certificate", "birth-certificate.png"),
    ]
    # The fee receipt is no longer a document card: it comes with the payment's declaration.
    expect(page.locator(f"#document-{DocumentKind.FEE_RECEIPT}")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Application fee receipt")
    for kind, label, name in uploads:
        card = page.locator(f"#document-{kind}")
        expect(card.locator(".state")).to_have_text("required, missing")
        card.get_by_label(f"{label}: file to upload").set_input_files(files[name])
        if kind == DocumentKind.PASSPORT:
            card.get_by_label(f"{label}: expiry date").fill(passport_expiry.isoformat())
        card.get_by_role("button", name=f"Upload — {label}").click()
        expect(_messages(page)).to_have_text(f"{label}: “{name}” has been received.")
        expect(page.locator(f"#document-{kind} .state")).to_have_text("received")
    expect(page.locator("#document-passport")).to_contain_text(format_date_en(passport_expiry))
    expect(_nav_state(page, "Documents")).to_have_text("complete")
    stored = {
        d.kind: (d.original_name, d.content_type, d.expires_on)
        for d in Document.objects.filter(application__number=number, is_current=True)
    }
    assert stored == {
        "passport": ("passport.pdf", "application/pdf", passport_expiry),
        "transcripts": ("transcripts.pdf", "application/pdf", None),
        "birth_certificate": ("birth-certificate.png", "image/png", None),
    }
    expect(_nav_state(page, "5. My strengths")).to_have_text("to complete")
    expect(_nav_state(page, "Application fee")).to_have_text("to complete")

    # Application fee: the instructions with the candidate's own memo, then the declaration.
    _open_from_nav(page, "Application fee")
    expect(page.get_by_role("heading", level=1)).to_have_text("Application fee")
    main = page.locator("main")
    expect(main.locator("#fee-status")).to_have_text("Not declared yet")
    memo = f"TAPIF application fee {number}"
    expect(main.locator("#etransfer-memo")).to_have_text(memo)
    expect(main.locator("#etransfer-recipient")).to_have_text(campaign.etransfer_recipient)
    expect(main.locator(".etransfer")).to_contain_text("80.00 CAD")
    sent_on = timezone.localdate()  # the live server's clock is the real one
    main.get_by_label("Amount sent (CAD)").fill("80.00")
    main.get_by_label("Date you sent it").fill(sent_on.isoformat())
    main.get_by_label("Name of the sender").fill("Camille Tremblay")
    main.get_by_label("Interac reference number").fill("CA1AbCdEfGh2")
    main.get_by_label("Message you typed").fill(memo)
    main.get_by_label("Receipt of the e-Transfer").set_input_files(files["fee-receipt.jpg"])
    main.get_by_role("button", name="Declare my payment").click()
    expect(_messages(page)).to_have_text(
        "Your payment is declared. The embassy matches it with its bank statement."
    )
    expect(main.locator("#fee-status")).to_have_text(
        "Declared, waiting for the embassy's bank statement"
    )
    expect(_nav_state(page, "Application fee")).to_have_text("declared")
    expect(_nav_state(page, "5. My strengths")).to_have_text("complete")
    payment = Payment.objects.select_related("receipt").get(application__number=number)
    assert (payment.status, payment.amount, payment.sent_on) == (
        "declared",
        Decimal("80.00"),
        sent_on,
    )
    assert (payment.sender_name, payment.reference_number, payment.memo) == (
        "Camille Tremblay",
        "CA1AbCdEfGh2",
        memo,
    )
    assert (payment.receipt.kind, payment.receipt.original_name, payment.receipt.content_type) == (
        "fee_receipt",
        "fee-receipt.jpg",
        "image/jpeg",
    )
    assert payment.receipt.is_current

    # The overview now knows the age and the passport; the French level waits for the professor.
    _open_from_nav(page, "Overview")
    expect(page.get_by_role("heading", level=2, name="Progress")).to_have_text(
        "Progress: 5 of 5 sections complete"
    )
    expect(page.get_by_role("region", name="Next step")).to_contain_text(
        "Everything is in. Check your answers and submit your dossier."
    )
    rules = page.locator("ul.rules li.rule")
    start = format_date_en(campaign.contract_start)
    expect(rules.filter(has_text=f"You will be 23 on {start}").locator(".state")).to_have_text(
        "met"
    )
    expect(rules.filter(has_text="Canadian citizenship").locator(".state")).to_have_text("met")
    expect(rules.filter(has_text="Your passport expires on").locator(".state")).to_have_text("met")
    expect(
        rules.filter(has_text="Your French level is not known yet").locator(".state")
    ).to_have_text("not known yet")
    expect(page.get_by_text("Some answers are still missing to know whether")).to_be_visible()

    # Submit: the certification first, then the confirmation and its e-mail.
    _open_from_nav(page, "Submit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and submit")
    expect(page.locator("main")).to_contain_text("Check every answer below.")
    expect(page.locator(".letter")).to_contain_text(_SENTENCES[0])
    page.get_by_label("I certify that the information in my dossier is accurate").check()
    page.get_by_role("button", name="Submit my dossier").click()

    expect(page).to_have_url(re.compile(r"/en/dossier/$"))
    expect(_messages(page)).to_have_text(
        f"Your dossier is submitted. A confirmation has been sent to {candidate.email}."
    )
    expect(page.locator(".dossier-id .badge")).to_have_text(
        "Submitted, waiting for the embassy's check"
    )
    application = Application.objects.get(number=number)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None
    sent = [m for m in mail.outbox if candidate.email in m.to]
    assert [m.subject for m in sent] == [f"[TAPIF] Your dossier {number} is submitted"]

    _open_from_nav(page, "History")
    steps = page.locator("ol.timeline > li strong")
    expect(steps).to_have_text(
        [
            "Submitted, waiting for the embassy's check",
            "Application fee declared",
            "In preparation",
        ]
    )
    expect(page.locator("main")).to_contain_text("What happens next: The embassy checks")

    for path in ("identity", "assets"):
        page.goto(f"/en/dossier/{path}/")
        expect(page.locator("main .notice")).to_have_text(
            "Your dossier has been submitted and can no longer be changed."
        )
        expect(page.locator("form.section-form")).to_be_visible()
        expect(page.locator("form.section-form button[type=submit]")).to_have_count(0)
    expect(page.get_by_label("Motivation letter (in French)")).to_be_disabled()


def test_bad_input_is_explained_next_to_the_field_in_french(
    page: Page, make_user, campaign, storage, files
):
    candidate = make_user(language="fr", first_name="Élodie")
    born = _born_aged(campaign, 18)
    log_in(page, email=candidate.email, language="fr")
    page.get_by_role("button", name="Commencer mon dossier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ma candidature")
    application = Application.objects.get(candidate=candidate)

    # Too young on 1 October: the rule engine's message sits by the date, which is kept.
    page.goto("/fr/dossier/identity/")
    page.get_by_label("Date de naissance").fill(born.isoformat())
    page.get_by_role("button", name="Enregistrer cette section").click()
    expect(_messages(page)).to_have_text("Enregistré.")
    expect(page.get_by_label("Date de naissance")).to_have_value(born.isoformat())
    expect(page.locator("#id_date_of_birth_rule")).to_have_text(
        f"Vous devez avoir entre 20 et 35 ans au {format_date_fr(campaign.contract_start)} ; "
        "vous aurez 18 ans."
    )
    expect(page.locator(".field").filter(has=page.locator("#id_date_of_birth"))).to_contain_text(
        "vous aurez 18 ans"
    )

    # The same académie twice: refused next to the second choice, the letter still typed.
    page.goto("/fr/dossier/assets/")
    page.get_by_label("Lettre de motivation (en français)").fill(LETTER)
    page.get_by_label("Premier choix").select_option(label="Paris")
    page.get_by_label("Deuxième choix").select_option(label="Paris")
    page.get_by_role("button", name="Enregistrer cette section").click()
    error = "Vous avez déjà choisi Paris comme choix n° 1 : choisissez une autre académie."
    expect(page.locator("#id_academie_2_error")).to_have_text(error)
    second = page.locator(".field").filter(has=page.locator("#id_academie_2"))
    expect(second).to_contain_text(error)
    expect(page.get_by_role("alert")).to_contain_text(error)
    expect(page.get_by_label("Lettre de motivation (en français)")).to_have_value(LETTER)
    expect(page.get_by_label("Deuxième choix")).to_have_value(
        page.get_by_label("Premier choix").input_value()
    )
    assert not Assets.objects.filter(application=application).exists()

    # A program renamed .pdf: refused by its content, in French, next to the file field.
    page.goto("/fr/dossier/documents/")
    card = page.locator("#document-transcripts")
    card.locator("input[type=file]").set_input_files(files["releves.pdf"])
    card.get_by_role("button", name=re.compile("^Déposer")).click()
    refusal = (
        "Seuls les fichiers PDF, JPEG ou PNG sont acceptés (ce fichier n’est d’aucun de ces types)."
    )
    expect(page.locator("#id_transcripts-file_error")).to_have_text(refusal)
    expect(page.get_by_role("alert")).to_contain_text(refusal)
    expect(page.locator("#document-transcripts .state")).to_have_text("obligatoire, manquant")
    assert not Document.objects.filter(application=application).exists()
    assert stored_files(storage) == []

    # The language switch keeps the page.
    page.goto("/fr/dossier/identity/")
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/dossier/identity/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("1. Identity")
    expect(page.get_by_label("Date of birth")).to_have_value(born.isoformat())


def test_another_candidate_cannot_open_the_first_ones_document_or_entry(
    page: Page, make_user, campaign, storage
):
    first = make_user(language="en", first_name="Ada")
    second = make_user(language="en", first_name="Blaise")
    dossier = services.application_create(candidate=first, campaign=campaign)
    services.application_create(candidate=second, campaign=campaign)
    pdf = tiny_pdf()
    document = services.document_upload(
        application=dossier,
        kind=DocumentKind.TRANSCRIPTS,
        upload=SimpleUploadedFile("transcripts.pdf", pdf, "application/pdf"),
        actor=first,
    )
    entry = services.item_save(
        application=dossier,
        instance=Experience(kind="teaching", role="Tutor", start_date=dt.date(2024, 1, 1)),
        actor=first,
    )
    download = f"/en/dossier/documents/{document.pk}/file/"
    edit = f"/en/dossier/experience/{entry.pk}/edit/"

    # The owner opens both.
    log_in(page, email=first.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My application")
    response = page.request.get(download)
    assert (response.status, response.headers["content-type"]) == (200, "application/pdf")
    assert response.body() == pdf
    page.goto(edit)
    expect(page.get_by_label("Role or title")).to_have_value("Tutor")
    log_out(page)

    # The other candidate gets "not found", the same as for something that does not exist.
    log_in(page, email=second.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My application")
    for path in (download, edit):
        response = page.goto(path)
        assert response is not None
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.locator("body")).not_to_contain_text("Tutor")
    assert Experience.objects.get(pk=entry.pk).role == "Tutor"


def test_dossier_pages_have_no_serious_accessibility_violation(
    page: Page, make_user, campaign, storage, files
):
    candidate = make_user(language="en")
    application = services.application_create(candidate=candidate, campaign=campaign)
    services.section_update(
        application=application,
        section="identity",
        data={"date_of_birth": _born_aged(campaign, 23), "citizenship": "canadian"},
        actor=candidate,
    )
    log_in(page, email=candidate.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My application")
    found = []

    def check(label: str) -> None:
        violations = axe_violations(page)
        if violations:
            found.append(f"{label}:\n{describe_violations(violations)}")

    check("overview")
    for path, heading in [
        ("identity", "1. Identity"),
        ("assets", "5. My strengths"),
        ("submit", "Review and submit"),
    ]:
        page.goto(f"/en/dossier/{path}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check(path)

    # Documents, with a refused upload on the page (error summary and field error).
    page.goto("/en/dossier/documents/")
    card = page.locator("#document-transcripts")
    card.locator("input[type=file]").set_input_files(files["releves.pdf"])
    card.get_by_role("button", name=re.compile("^Upload")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    check("documents (refused upload)")

    # The public eligibility check, with a verdict.
    page.goto("/en/eligibility/")
    page.get_by_label("Date of birth").fill(_born_aged(campaign, 18).isoformat())
    page.get_by_role("group", name="Citizenship", exact=True).get_by_label(
        "Canadian citizen"
    ).check()
    page.get_by_role("group", name="Do you live in Canada?").get_by_label("Yes").check()
    page.get_by_role("button", name="Check").click()
    result = page.get_by_role("region", name="Result")
    expect(result).to_contain_text("From your answers, a rule of the programme is not met.")
    expect(result).to_contain_text("you will be 18.")
    check("eligibility check")

    assert not found, "\n\n".join(found)


def test_identity_and_documents_fit_a_phone_screen(page: Page, make_user, campaign):
    candidate = make_user(language="en")
    services.application_create(candidate=candidate, campaign=campaign)
    page.set_viewport_size({"width": 375, "height": 667})
    log_in(page, email=candidate.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("My application")

    for path, heading in [("identity", "1. Identity"), ("documents", "Documents")]:
        page.goto(f"/en/dossier/{path}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{path}: {widths[0]} px wide in a {widths[1]} px screen"

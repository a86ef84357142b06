"""The review queue in the browser: a reviewer checks documents, scores, moves to the next.

Two submitted dossiers (fee verified, documents uploaded) are assigned to a reviewer, a staff
account with an authenticator app holding the reviewer's permissions. The reviewer opens the
queue, opens the next dossier in one click, sees the documents' previews, accepts the passport,
rejects the transcripts with a reason (the candidate gets the e-mail and may replace that
document only), scores every criterion, submits and lands on the second dossier. Staff read the
pages in English.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from candidates import services
from candidates.choices import DocumentKind, DocumentReview, DossierEventKind, PaymentStatus
from candidates.models import Application, Document
from selection.models import ReviewAssignment
from selection.services import criteria_ensure
from tapif.core.choices import UserKind
from tapif.core.models import Campaign, User
from tests.candidates.dossier import fill_documents, fill_sections
from tests.candidates.factories import tiny_png
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.helpers import (
    axe_violations,
    describe_violations,
    log_in,
    submit_login_form,
    totp_code,
)

pytestmark = pytest.mark.e2e

REVIEWER_PERMISSIONS = [
    ("selection", "score_dossier"),
    ("candidates", "view_application"),
    ("candidates", "view_document"),
    ("candidates", "review_document"),
    ("evaluations", "view_evaluation"),
]


@pytest.fixture
def staff_page(browser: Browser, browser_context_args: dict) -> Iterator[Page]:
    context = browser.new_context(**{**browser_context_args, "locale": "en-CA"})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def reviewer(make_user) -> tuple[User, str]:
    """A staff account with the reviewer's permissions and an authenticator app."""
    user = make_user(
        kind=UserKind.STAFF, is_staff=True, language="en", first_name="Rita", last_name="Roy"
    )
    for app_label, codename in REVIEWER_PERMISSIONS:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def _reviewable(make_user, campaign: Campaign, last_name: str) -> Application:
    """A submitted dossier, fee verified; the birth certificate is an image."""
    candidate = make_user(language="en", first_name="Camille", last_name=last_name)
    application = services.application_create(candidate=candidate, campaign=campaign)
    fill_sections(application)
    fill_documents(application)
    services.document_upload(
        application=application,
        kind=DocumentKind.BIRTH_CERTIFICATE,
        actor=candidate,
        upload=SimpleUploadedFile("birth-certificate.png", tiny_png(), "image/png"),
    )
    services.application_record_payment(
        application=application,
        status=PaymentStatus.DECLARED,
        event=DossierEventKind.PAYMENT_DECLARED,
        actor=candidate,
    )
    application = services.application_submit(application=application, actor=candidate)
    return services.application_record_payment(
        application=application,
        status=PaymentStatus.VERIFIED,
        event=DossierEventKind.PAYMENT_VERIFIED,
        actor=None,
    )


def _admin_log_in(page: Page, user: User, secret: str) -> None:
    page.goto("/admin/")
    submit_login_form(page, email=user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    form = page.get_by_role("main").locator("form").filter(has=page.locator("input[name=code]"))
    form.locator("input[name=code]").fill(totp_code(secret))
    form.locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))


def _frame_url(page: Page, handle) -> str:
    """Where the frame went once it left about:blank (or about:blank after the timeout)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        frame = handle.content_frame()
        url = frame.url if frame is not None else ""
        if url not in ("", "about:blank") or time.monotonic() > deadline:
            return url
        page.wait_for_timeout(100)


def _card(page: Page, document: Document):
    return page.locator(f"section#document-{document.pk}")


def test_reviewer_checks_documents_scores_and_moves_to_the_next_dossier(
    page: Page, staff_page: Page, reviewer, make_user, campaign, storage
):
    user, secret = reviewer
    first = _reviewable(make_user, campaign, "Tremblay")
    second = _reviewable(make_user, campaign, "Gagnon")
    now = timezone.now()
    for minutes, application in enumerate([first, second]):
        ReviewAssignment.objects.create(
            application=application,
            reviewer=user,
            assigned_at=now - dt.timedelta(minutes=10 - minutes),
        )
    criteria = criteria_ensure(campaign)
    documents = {d.kind: d for d in Document.objects.filter(application=first, is_current=True)}
    refused_frames: list[str] = []
    staff_page.on(
        "console",
        lambda message: refused_frames.append(message.text) if "Refused" in message.text else None,
    )

    # The queue: two dossiers assigned, two left, none done.
    _admin_log_in(staff_page, user, secret)
    staff_page.goto("/admin/review/")
    main = staff_page.locator("#content-main")
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("My review queue")
    expect(main.locator("#count-assigned")).to_have_text("2")
    expect(main.locator("#count-left")).to_have_text("2")
    expect(main.locator("#count-done")).to_have_text("0")
    main.get_by_role("link", name="Open my next dossier").click()
    staff_page.wait_for_url(re.compile(rf"/admin/review/{first.number}/$"))
    expect(staff_page.get_by_role("heading", level=1)).to_have_text(
        f"Review of dossier {first.number}"
    )

    # The documents side by side, previewed: PDFs in frames, the image shown.
    passport = _card(staff_page, documents[DocumentKind.PASSPORT])
    frame = passport.locator("iframe.document-preview")
    expect(frame).to_be_visible()
    # A frame the browser refused to show holds its error page (chrome-error://) instead.
    url = _frame_url(staff_page, frame.element_handle())
    assert re.search(r"/documents/\d+/file/$", url), url
    image = _card(staff_page, documents[DocumentKind.BIRTH_CERTIFICATE]).locator("img")
    expect(image).to_be_visible()
    staff_page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    expect(main.locator("#rules")).to_contain_text("Age on 1 October")
    violations = axe_violations(staff_page)
    assert not violations, describe_violations(violations)

    # Accept the passport; reject the transcripts with a reason.
    passport.get_by_role("button", name="Accept: Passport").click()
    expect(staff_page.locator(".messagelist")).to_contain_text("Passport: accepted.")
    expect(passport.locator(".document-state")).to_contain_text("Accepted")
    transcripts = _card(staff_page, documents[DocumentKind.TRANSCRIPTS])
    outbox_before = len(mail.outbox)
    transcripts.get_by_text("Reject this document").click()
    transcripts.get_by_label("Not stamped by the institution").check()
    transcripts.get_by_label("Note to the candidate").fill("The stamp is missing on page 2.")
    transcripts.get_by_role("button", name=re.compile(r"^Reject: Transcripts")).click()
    expect(staff_page.locator(".messagelist")).to_contain_text(
        "rejected; the candidate is told by e-mail."
    )
    expect(transcripts.locator(".document-state")).to_contain_text("Not stamped by the institution")
    sent = mail.outbox[outbox_before:]
    assert [m.to for m in sent] == [[first.candidate.email]]
    assert "The stamp is missing on page 2." in sent[0].body
    statuses = dict(
        Document.objects.filter(application=first, is_current=True).values_list(
            "kind", "review_status"
        )
    )
    assert statuses[DocumentKind.PASSPORT] == DocumentReview.ACCEPTED
    assert statuses[DocumentKind.TRANSCRIPTS] == DocumentReview.REJECTED

    # Score every criterion, submit: the second dossier opens.
    form = staff_page.locator("#review-form")
    for criterion in criteria:
        group = form.locator(f"#criterion-{criterion.code}")
        group.get_by_role("radio", name=re.compile(r"^4 — ")).check()
    form.get_by_label("Comment on “Motivation”").fill("A precise, personal letter.")
    form.get_by_role("button", name="Submit and open the next dossier").click()
    staff_page.wait_for_url(re.compile(rf"/admin/review/{second.number}/$"))
    expect(staff_page.locator(".messagelist")).to_contain_text(
        f"Your review of dossier {first.number} is submitted."
    )
    assert refused_frames == []

    # The candidate may replace the rejected transcripts, and nothing else.
    log_in(page, email=first.candidate.email, language="en")
    page.wait_for_url(re.compile(r"/en/dossier/$"))
    page.goto("/en/dossier/documents/")
    uploads = page.locator("main form[enctype='multipart/form-data']")
    expect(uploads).to_have_count(1)
    expect(uploads).to_have_attribute("action", re.compile(r"/documents/transcripts/upload/$"))

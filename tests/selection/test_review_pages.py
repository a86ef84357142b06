"""The review queue pages: a reviewer's queue, the next dossier, one screen per dossier.

Pages are requested in English (Accept-Language; /admin/ has no language prefix) so the
assertions read the exact English wording.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from candidates import services as dossier_services
from candidates.choices import (
    ApplicationStatus,
    DocumentKind,
    DocumentRejection,
    DocumentReview,
    DossierEventKind,
    PaymentStatus,
)
from candidates.models import Application, Document, Experience
from selection import services
from selection.choices import ReviewStatus
from selection.models import ConflictOfInterest, Review, ReviewAssignment
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import CAMPAIGN_OPEN_AT, ApplicationFactory, tiny_png
from tests.evaluations.factories import (
    EvaluationRequestFactory,
    opened_by,
    submitted,
)
from tests.factories import CandidateFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

REVIEWER_PERMISSIONS = [
    "selection.score_dossier",
    "candidates.view_application",
    "candidates.view_document",
    "candidates.review_document",
    "evaluations.view_evaluation",
]
CODES = [
    "french_level",
    "teaching_experience",
    "children_experience",
    "abroad_experience",
    "academic_record",
    "motivation",
    "professional_project",
]


def staff_with(*permissions: str, **fields):
    user = StaffFactory(**fields)
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def reviewer(**fields):
    return staff_with(*REVIEWER_PERMISSIONS, **fields)


def as_user(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def url(name: str, **kwargs) -> str:
    return reverse(f"selection:{name}", kwargs=kwargs or None)


def download_url(document: Document) -> str:
    with translation.override("en"):
        return reverse("candidates:document_download", kwargs={"pk": document.pk})


def reviewable_dossier(*, last_name: str = "Tremblay", before_submit=None) -> Application:
    """A submitted dossier whose fee is verified (`before_submit` runs on the draft)."""
    application = complete_dossier(
        ApplicationFactory(
            candidate=CandidateFactory(
                first_name="Camille", last_name=last_name, preferred_language="en"
            )
        )
    )
    if before_submit is not None:
        before_submit(application)
    application = dossier_services.application_submit(
        application=application, actor=application.candidate
    )
    return dossier_services.application_record_payment(
        application=application,
        status=PaymentStatus.VERIFIED,
        event=DossierEventKind.PAYMENT_VERIFIED,
        actor=None,
    )


def assign(application: Application, user, minutes: int = 0) -> ReviewAssignment:
    return ReviewAssignment.objects.create(
        application=application,
        reviewer=user,
        assigned_at=CAMPAIGN_OPEN_AT + dt.timedelta(minutes=minutes),
    )


def all_points(value: int = 3) -> dict[str, int]:
    return dict.fromkeys(CODES, value)


def score_post(points: dict[str, int | None], action: str, **extra) -> dict:
    data = {f"points_{code}": value for code, value in points.items() if value is not None}
    return {**data, "action": action, **extra}


def current(application: Application, kind: str) -> Document:
    return Document.objects.get(application=application, kind=kind, is_current=True)


@pytest.fixture
def me():
    return reviewer(email="reviewer@example.ca", first_name="Rita", last_name="Reviewer")


@pytest.fixture
def dossier(me):
    application = reviewable_dossier()
    services.criteria_ensure(application.campaign)
    assign(application, me)
    return application


# --- who may open the pages --------------------------------------------------------------------


def test_pages_need_the_scoring_permission(client, dossier):
    number = dossier.number
    as_user(client, staff_with("candidates.view_application", "candidates.review_document"))
    document = current(dossier, DocumentKind.PASSPORT)
    for name, kwargs in [
        ("queue", {}),
        ("next", {}),
        ("dossier", {"number": number}),
    ]:
        assert client.get(url(name, **kwargs)).status_code == 403
    for name, kwargs in [
        ("score", {"number": number}),
        ("conflict", {"number": number}),
        ("document_accept", {"number": number, "pk": document.pk}),
        ("document_reject", {"number": number, "pk": document.pk}),
    ]:
        assert client.post(url(name, **kwargs), {"action": "draft"}).status_code == 403
    document.refresh_from_db()
    assert document.review_status == DocumentReview.PENDING
    assert not Review.objects.exists()


def test_pages_send_non_staff_to_the_admin_login(client, dossier):
    client.force_login(dossier.candidate)
    response = client.get(url("dossier", number=dossier.number))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_dossier_not_assigned_to_the_reviewer_is_not_found(client, dossier):
    other = reviewable_dossier(last_name="Roy")
    as_user(client, reviewer())
    assert client.get(url("dossier", number=dossier.number)).status_code == 404
    assert client.get(url("dossier", number=other.number)).status_code == 404


# --- the queue and the next dossier -----------------------------------------------------------


def test_queue_counts_assigned_left_and_done_and_lists_the_dossiers_left(client, me, dossier):
    drafted = reviewable_dossier(last_name="Gagnon")
    done = reviewable_dossier(last_name="Roy")
    assign(drafted, me, minutes=1)
    assign(done, me, minutes=2)
    services.review_save(application=drafted, reviewer=me, points={"motivation": 4})
    services.review_save(application=done, reviewer=me, points=all_points(), submit=True)

    response = as_user(client, me).get(url("queue"))

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="count-assigned">3<', html)
    assert re.search(r'id="count-left">2<', html)
    assert re.search(r'id="count-done">1<', html)
    assert "Open my next dossier" in html
    pending = html.split('id="review-pending"')[1].split("</table>")[0]
    assert pending.index(dossier.number) < pending.index(drafted.number)
    assert done.number not in pending
    assert "Draft saved" in pending
    assert "Not started" in pending
    assert done.number in html.split('id="review-submitted"')[1]


def test_next_opens_the_dossiers_in_order_skipping_submitted_conflicts_and_ineligible(
    client, me, dossier
):
    reviewed = reviewable_dossier(last_name="Roy")
    conflicted = reviewable_dossier(last_name="Leblanc")
    ineligible = reviewable_dossier(last_name="Morin")
    unpaid = complete_dossier(ApplicationFactory())
    later = reviewable_dossier(last_name="Gagnon")
    for minutes, application in enumerate(
        [reviewed, conflicted, ineligible, unpaid, dossier, later]
    ):
        ReviewAssignment.objects.update_or_create(
            application=application,
            reviewer=me,
            defaults={"assigned_at": CAMPAIGN_OPEN_AT + dt.timedelta(minutes=minutes - 10)},
        )
    services.review_save(application=reviewed, reviewer=me, points=all_points(), submit=True)
    ConflictOfInterest.objects.create(application=conflicted, reviewer=me, reason="My cousin")
    for status in (ApplicationStatus.COMPLETE, ApplicationStatus.INELIGIBLE):
        dossier_services.application_transition(
            application=ineligible, to_status=status, actor=None
        )
    as_user(client, me)

    response = client.get(url("next"))
    assert response.status_code == 302
    assert response["Location"] == url("dossier", number=dossier.number)

    services.review_save(application=dossier, reviewer=me, points=all_points(), submit=True)
    assert client.get(url("next"))["Location"] == url("dossier", number=later.number)

    services.review_save(application=later, reviewer=me, points=all_points(), submit=True)
    response = client.get(url("next"), follow=True)
    assert response.redirect_chain == [(url("queue"), 302)]
    assert "Nothing left to review." in response.content.decode()


# --- one dossier on one screen ----------------------------------------------------------------


def _evaluated_with_experience(application: Application) -> None:
    """A teaching experience of 31 days and a professor's submitted evaluation (B2)."""
    dossier_services.item_save(
        application=application,
        instance=Experience(
            kind="teaching",
            role="English tutor",
            organisation="Collège Boréal",
            start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2025, 1, 31),
        ),
        actor=application.candidate,
    )
    dossier_services.document_upload(
        application=application,
        kind=DocumentKind.BIRTH_CERTIFICATE,
        actor=application.candidate,
        upload=SimpleUploadedFile("birth.png", tiny_png(), "image/png"),
    )
    request = EvaluationRequestFactory(application=application, evaluator_name="Anne Leblanc")
    submitted(opened_by(request))


def test_dossier_page_shows_facts_evaluation_rules_documents_and_the_scoring_form(client, me):
    application = reviewable_dossier(before_submit=_evaluated_with_experience)
    assign(application, me)
    passport = current(application, DocumentKind.PASSPORT)
    birth = current(application, DocumentKind.BIRTH_CERTIFICATE)

    response = as_user(client, me).get(url("dossier", number=application.number))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Review of dossier {application.number}" in html
    # Facts: French level and its source, the experience's computed duration, the letter.
    assert re.search(r'id="french-level">\s*B2, from the professor&#x27;s evaluation', html)
    assert "31 days (1.0 months)" in html
    assert "Je souhaite enseigner" in html
    # The evaluation's content (staff holding the permission read it).
    assert "Comment-Pangolin: confidential remarks for the committee only." in html
    assert "By Anne Leblanc" in html
    # The rules, in English.
    rules = html.split('id="rules"')[1].split("</table>")[0]
    assert "Age on 1 October" in rules
    assert "Met" in rules
    # Documents side by side with an inline preview: a frame for PDFs, an image for images.
    assert f'<iframe class="document-preview" src="{download_url(passport)}"' in html
    assert f'<img class="document-preview" src="{download_url(birth)}"' in html
    assert f'action="{url("document_accept", number=application.number, pk=passport.pk)}"' in html
    assert f'action="{url("document_reject", number=application.number, pk=passport.pk)}"' in html
    assert "Not the document asked for" in html
    # The scoring form: each criterion with its weight and rubric; French pre-filled (B2 = 3).
    assert "Experience with children or young adults (weight 2)" in html
    assert "3 — Adequate" in html
    assert re.search(r'<input type="radio" name="points_french_level" value="3"[^>]*checked', html)
    assert "3 — B2" in html
    assert "Save draft" in html
    assert "Submit and open the next dossier" in html
    assert "Declare a conflict of interest" in html


def test_dossier_page_without_the_document_permission_shows_no_check_buttons(client, dossier):
    me = staff_with("selection.score_dossier", "candidates.view_document")
    assign(dossier, me)
    response = as_user(client, me).get(url("dossier", number=dossier.number))
    html = response.content.decode()
    assert response.status_code == 200
    assert "document_accept" not in html
    assert "/accept/" not in html
    assert "You may not read evaluations." in html
    passport = current(dossier, DocumentKind.PASSPORT)
    response = client.post(url("document_accept", number=dossier.number, pk=passport.pk))
    assert response.status_code == 403


# --- document checks --------------------------------------------------------------------------


def test_accept_and_reject_call_the_services_and_the_candidate_is_mailed(
    client, me, dossier, mailoutbox, django_capture_on_commit_callbacks
):
    passport = current(dossier, DocumentKind.PASSPORT)
    transcripts = current(dossier, DocumentKind.TRANSCRIPTS)
    as_user(client, me)

    response = client.post(url("document_accept", number=dossier.number, pk=passport.pk))
    assert response.status_code == 302
    assert response["Location"] == f"{url('dossier', number=dossier.number)}#document-{passport.pk}"
    passport.refresh_from_db()
    assert (passport.review_status, passport.reviewed_by) == (DocumentReview.ACCEPTED, me)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("document_reject", number=dossier.number, pk=transcripts.pk),
            {
                f"reject-{transcripts.pk}-reason": DocumentRejection.NOT_STAMPED,
                f"reject-{transcripts.pk}-note": "The stamp is missing on page 2.",
            },
        )
    assert response.status_code == 302
    transcripts.refresh_from_db()
    assert transcripts.review_status == DocumentReview.REJECTED
    assert transcripts.rejection_reason == DocumentRejection.NOT_STAMPED
    assert transcripts.rejection_note == "The stamp is missing on page 2."
    assert [m.to for m in mailoutbox] == [[dossier.candidate.email]]
    assert "The stamp is missing on page 2." in mailoutbox[0].body
    dossier.refresh_from_db()
    assert dossier.status == ApplicationStatus.INCOMPLETE
    assert dossier_services.document_replaceable_kinds(dossier) == {DocumentKind.TRANSCRIPTS}

    html = client.get(url("dossier", number=dossier.number)).content.decode()
    card = html.split(f'id="document-{transcripts.pk}"')[1].split("</section>")[0]
    assert "Rejected" in card
    assert "Not stamped by the institution" in card


def test_reject_without_a_reason_is_refused_next_to_the_form(client, me, dossier, mailoutbox):
    transcripts = current(dossier, DocumentKind.TRANSCRIPTS)
    response = as_user(client, me).post(
        url("document_reject", number=dossier.number, pk=transcripts.pk),
        {f"reject-{transcripts.pk}-reason": DocumentRejection.OTHER},
    )
    assert response.status_code == 200
    assert "Explain the reason to the candidate in the note." in response.content.decode()
    transcripts.refresh_from_db()
    assert transcripts.review_status == DocumentReview.PENDING
    assert mailoutbox == []


# --- scoring ----------------------------------------------------------------------------------


def test_saving_a_draft_keeps_the_values(client, me, dossier):
    as_user(client, me)
    response = client.post(
        url("score", number=dossier.number),
        score_post(
            {"motivation": 4, "teaching_experience": 2},
            "draft",
            comment_motivation="A precise, personal letter.",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url('dossier', number=dossier.number)}#scoring"
    review = Review.objects.get(application=dossier, reviewer=me)
    assert review.status == ReviewStatus.DRAFT
    assert {s.criterion.code: s.points for s in review.scores.all()} == {
        "motivation": 4,
        "teaching_experience": 2,
    }

    html = client.get(url("dossier", number=dossier.number)).content.decode()
    assert re.search(r'name="points_motivation" value="4"[^>]*checked', html)
    assert re.search(r'name="points_teaching_experience" value="2"[^>]*checked', html)
    assert "A precise, personal letter." in html


def test_submit_saves_the_review_and_opens_the_next_dossier(client, me, dossier):
    second = reviewable_dossier(last_name="Gagnon")
    assign(second, me, minutes=5)
    as_user(client, me)

    response = client.post(url("score", number=dossier.number), score_post(all_points(4), "submit"))

    assert response.status_code == 302
    assert response["Location"] == url("next")
    review = Review.objects.get(application=dossier, reviewer=me)
    assert review.status == ReviewStatus.SUBMITTED
    assert review.score == 80
    assert client.get(response["Location"])["Location"] == url("dossier", number=second.number)


def test_submit_needs_every_criterion(client, me, dossier):
    points = all_points() | {"abroad_experience": None}
    response = as_user(client, me).post(
        url("score", number=dossier.number), score_post(points, "submit")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Score this criterion before submitting.") == 1
    assert "Please correct the errors below." in html
    assert not Review.objects.filter(status=ReviewStatus.SUBMITTED).exists()


def test_scoring_the_french_level_otherwise_needs_a_note(client, me, dossier):
    dossier_services.application_record_french_level(
        application=dossier, level="B2", actor=None, source="evaluation"
    )
    as_user(client, me)
    html = client.get(url("dossier", number=dossier.number)).content.decode()
    assert re.search(r'name="points_french_level" value="3"[^>]*checked', html)

    response = client.post(
        url("score", number=dossier.number), score_post(all_points() | {"french_level": 5}, "draft")
    )
    assert response.status_code == 200
    assert (
        "The French level gives 3 points from the evaluation or test: explain why you score it "
        "otherwise." in response.content.decode()
    )
    assert not Review.objects.exists()

    response = client.post(
        url("score", number=dossier.number),
        score_post(
            all_points() | {"french_level": 5},
            "draft",
            french_level_note="Oral interview: near-native fluency.",
        ),
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.french_level_note == "Oral interview: near-native fluency."


def test_other_reviewers_scores_show_only_after_ones_own_submission(client, me, dossier):
    colleague = reviewer(first_name="Paul", last_name="Colleague")
    assign(dossier, colleague)
    services.review_save(
        application=dossier,
        reviewer=colleague,
        points=all_points(5),
        comments={"motivation": "Comment-Okapi"},
        submit=True,
    )
    as_user(client, me)

    before = client.get(url("dossier", number=dossier.number)).content.decode()
    assert "Comment-Okapi" not in before
    assert "Paul Colleague" not in before
    assert 'id="other-scores"' not in before

    client.post(url("score", number=dossier.number), score_post(all_points(2), "submit"))

    after = client.get(url("dossier", number=dossier.number)).content.decode()
    others = after.split('id="other-scores"')[1].split("</table>")[0]
    assert "Paul Colleague" in others
    assert "Comment-Okapi" in others
    assert "100.00" in others
    own = after.split('id="own-scores"')[1].split("</table>")[0]
    assert "Comment-Okapi" not in own
    assert "Save draft" not in after


def test_declaring_a_conflict_takes_the_dossier_out_of_the_queue(client, me, dossier):
    as_user(client, me)
    response = client.post(url("conflict", number=dossier.number), {"reason": " "})
    assert response.status_code == 200
    assert not ConflictOfInterest.objects.exists()

    response = client.post(url("conflict", number=dossier.number), {"reason": "My former student"})

    assert response.status_code == 302
    assert response["Location"] == url("next")
    conflict = ConflictOfInterest.objects.get()
    assert (conflict.application, conflict.reviewer, conflict.reason) == (
        dossier,
        me,
        "My former student",
    )
    assert client.get(url("dossier", number=dossier.number)).status_code == 404


# --- inline previews --------------------------------------------------------------------------


def test_a_document_may_be_framed_by_our_own_pages_only(client, me, dossier):
    passport = current(dossier, DocumentKind.PASSPORT)
    as_user(client, me)

    response = client.get(download_url(passport))

    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    page = client.get(url("dossier", number=dossier.number))
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert "frame-src" not in page["Content-Security-Policy"]  # default-src 'self' applies


def test_queue_queries_do_not_grow_with_the_dossiers(
    client, me, dossier, django_assert_max_num_queries
):
    as_user(client, me)
    client.get(url("queue"))  # sessions, permissions cached
    with django_assert_max_num_queries(20) as one:
        client.get(url("queue"))
    for minutes, last_name in enumerate(["Roy", "Gagnon", "Morin"], start=1):
        assign(reviewable_dossier(last_name=last_name), me, minutes=minutes)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url("queue"))
    assert re.search(r'id="count-left">4<', response.content.decode())


def test_a_submitted_review_cannot_be_posted_again(client, me, dossier):
    services.review_save(application=dossier, reviewer=me, points=all_points(), submit=True)
    as_user(client, me)
    response = client.post(
        url("score", number=dossier.number), score_post(all_points(5), "draft"), follow=True
    )
    assert response.redirect_chain == [(f"{url('dossier', number=dossier.number)}#scoring", 302)]
    assert "This review is submitted and can no longer change." in response.content.decode()
    assert {s.points for s in Review.objects.get().scores.all()} == {3}


def test_the_fee_receipt_is_not_among_the_documents_a_reviewer_checks(client):
    """Payments officers verify the money; the reviewer reads the fee's status instead."""
    from tests.candidates.factories import DocumentFactory

    application = reviewable_dossier()
    user = reviewer()
    assign(application, user)
    receipt = DocumentFactory(application=application, kind="fee_receipt")
    as_user(client, user)

    response = client.get(url("dossier", number=application.number))

    assert response.status_code == 200
    shown = [card["document"].pk for card in response.context["documents"]]
    assert receipt.pk not in shown
    assert current(application, "passport").pk in shown


def test_the_review_page_and_the_admin_show_the_dossier_from_one_template(client, me):
    """One staff view of a dossier: the reviewer's page and the admin's dossier page render the
    same sections (candidates.selectors.dossier_facts through one template), answer for answer."""
    application = reviewable_dossier(before_submit=_evaluated_with_experience)
    assign(application, me)
    as_user(client, me)

    review = client.get(url("dossier", number=application.number)).content.decode()
    admin_page = client.get(
        reverse("admin:candidates_application_change", args=[application.pk])
    ).content.decode()

    def facts(html: str) -> str:
        start = html.index('<div class="module dossier-facts" id="identity">')
        end = html.index("</div>", html.index('<div class="module dossier-facts" id="motivation">'))
        return html[start:end]

    shown = facts(review)
    assert shown == facts(admin_page)
    assert "<td>Last name as on passport</td><td>Tremblay</td>" in shown
    assert "31 days (1.0 months)" in shown
    assert "Je souhaite enseigner" in shown

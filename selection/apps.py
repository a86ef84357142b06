from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: `make demo`'s submitted dossiers: (e-mail, first name, last name, sex, city, province, postal
#: code, university, programme, académie codes, test, level, age).
DEMO_CANDIDATES = (
    (
        "demo1@demo.tapif.ca",
        "Émilie",
        "Roy",
        "F",
        "Ottawa",
        "ON",
        "K1N 6N5",
        "University of Ottawa / Université d'Ottawa",
        "BA French studies",
        ("lyon", "grenoble", "nice"),
        "DELF",
        "B2",
        22,
    ),
    (
        "demo2@demo.tapif.ca",
        "Liam",
        "O'Connor",
        "M",
        "Halifax",
        "NS",
        "B3H 4R2",
        "Dalhousie University",
        "BA English and French",
        ("rennes", "nantes", "normandie"),
        "DALF",
        "C1",
        24,
    ),
    (
        "demo3@demo.tapif.ca",
        "Chloé",
        "Nguyen",
        "F",
        "Vancouver",
        "BC",
        "V6T 1Z4",
        "University of British Columbia",
        "BEd Secondary (French)",
        ("bordeaux", "toulouse", "montpellier"),
        "TCF",
        "B2",
        23,
    ),
    (
        "demo4@demo.tapif.ca",
        "Noah",
        "Campbell",
        "M",
        "Kingston",
        "ON",
        "K7L 3N6",
        "Queen's University",
        "BA Linguistics",
        ("paris", "versailles", "creteil"),
        "TEF",
        "C1",
        21,
    ),
    (
        "demo5@demo.tapif.ca",
        "Maya",
        "Singh",
        "F",
        "Winnipeg",
        "MB",
        "R3T 2N2",
        "University of Manitoba",
        "BA French and Spanish",
        ("strasbourg", "nancy-metz", "la-reunion"),
        "DELF",
        "B2",
        25,
    ),
)
DEMO_CANDIDATE_PASSWORD = "demo-Candidate-2027"  # noqa: S105 (demo only)
#: How many of the demo dossiers have every document accepted (ready for eligibility).
DEMO_COMPLETE = 2


class SelectionConfig(AppConfig):
    name = "selection"
    verbose_name = _("Selection")

    def ready(self) -> None:
        from candidates.signals import eligibility_decided
        from selection.services import on_eligibility_decided

        eligibility_decided.connect(on_eligibility_decided, dispatch_uid="selection-reviewed")

        from selection.explanations import SELECTION_WORDS
        from tapif.core.messages import messages_register

        messages_register(SELECTION_WORDS)

    def load_demo(self, *, campaign, users: dict) -> None:
        """`make demo`: the campaign's scoring criteria, then five submitted dossiers with their
        fee verified, two of them with every document accepted, all assigned to the reviewer.

        Idempotent: existing dossiers are kept, bank lines already imported are skipped, and
        every step returns early when there is nothing left to do.
        """
        from selection.services import criteria_ensure

        criteria_ensure(campaign)
        applications = _demo_dossiers(campaign)
        # Only dossiers never submitted go through the fee and the submission: a later run
        # leaves alone what a newcomer has done to the others since (rejected, reopened…).
        new = [a for a in applications if a.is_draft and a.submitted_at is None]
        _demo_fees(campaign, new, admin=users["admin@demo.tapif.ca"])
        _demo_review(
            applications,
            new,
            manager=users["manager@demo.tapif.ca"],
            reviewer=users["reviewer@demo.tapif.ca"],
        )


def _demo_dossiers(campaign) -> list:
    from candidates.demo import demo_dossier
    from tapif.core.models import Academie, Institution

    applications = []
    for (
        email,
        first_name,
        last_name,
        sex,
        city,
        province,
        postal_code,
        university,
        programme,
        codes,
        test_name,
        test_level,
        age,
    ) in DEMO_CANDIDATES:
        by_code = Academie.objects.in_bulk(codes, field_name="code")
        applications.append(
            demo_dossier(
                campaign,
                email=email,
                first_name=first_name,
                last_name=last_name,
                password=DEMO_CANDIDATE_PASSWORD,
                sex=sex,
                city=city,
                province=province,
                postal_code=postal_code,
                institution=Institution.objects.filter(name=university).first(),
                programme=programme,
                academies=[by_code[code] for code in codes if code in by_code],
                test_name=test_name,
                test_level=test_level,
                age=age,
            )
        )
    return applications


def _demo_fees(campaign, applications: list, *, admin) -> None:
    """Each new candidate declares their e-Transfer, the bank export (one CSV) matches them by the
    number in the memo, and the admin verifies the matched payments."""
    import csv
    import datetime as dt
    import io

    from django.utils import timezone

    from candidates.demo import demo_png_upload
    from payments.choices import PaymentStatus
    from payments.matching import COLUMNS
    from payments.models import Payment
    from payments.services import (
        live_payment,
        payment_declare,
        payments_verify_matched,
        statement_import,
    )

    sent_on = timezone.localdate() - dt.timedelta(days=2)
    for application in applications:
        if live_payment(application) is None:
            candidate = application.candidate
            payment_declare(
                application=application,
                actor=candidate,
                amount=campaign.fee_amount,
                sent_on=sent_on,
                sender_name=candidate.get_full_name(),
                reference_number=f"CA{application.number.replace('-', '')}DEMO",
                memo=campaign.etransfer_memo_for(application.number),
                receipt=demo_png_upload("interac-receipt.png"),
            )
    declared = Payment.objects.filter(
        application__in=applications, duplicate=False, status=PaymentStatus.DECLARED
    ).select_related("application__candidate")
    if declared:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for payment in declared:
            candidate = payment.application.candidate
            writer.writerow(
                [
                    (payment.sent_on + dt.timedelta(days=1)).isoformat(),
                    f"{payment.amount:.2f}",
                    payment.currency,
                    payment.sender_name,
                    candidate.email,
                    payment.reference_number,
                    payment.memo,
                ]
            )
        statement_import(
            campaign=campaign, text=out.getvalue(), file_name="demo-etransfers.csv", actor=admin
        )
    matched = Payment.objects.filter(
        application__in=applications, duplicate=False, status=PaymentStatus.MATCHED
    )
    payments_verify_matched(payments=list(matched), actor=admin)


def _demo_review(applications: list, new: list, *, manager, reviewer) -> None:
    """The new candidates submit; the manager accepts every document of the first dossiers
    (they become complete, ready for an eligibility decision) and assigns all the dossiers to
    the demo reviewer (assignments already made are kept)."""
    from candidates.choices import DocumentKind, DocumentReview
    from candidates.models import Application, Document
    from candidates.services import application_submit, document_accept
    from selection.services import reviewers_assign

    for application in new:
        application_submit(application=application, actor=application.candidate)
    for application in new:
        if application in applications[:DEMO_COMPLETE]:
            documents = Document.objects.filter(
                application=application, is_current=True, review_status=DocumentReview.PENDING
            ).exclude(kind=DocumentKind.FEE_RECEIPT)
            for document in documents:
                document_accept(document=document, actor=manager)
    fresh = list(Application.objects.filter(pk__in=[a.pk for a in applications]))
    reviewers_assign(applications=fresh, reviewers=[reviewer], actor=manager)

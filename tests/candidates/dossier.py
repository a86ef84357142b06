"""Fill a dossier through the services, as a candidate would through the pages."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from candidates import services
from candidates.choices import DocumentKind, DossierEventKind, PaymentStatus
from candidates.models import Application
from tapif.core.models import Academie, Institution
from tests.candidates.factories import tiny_pdf

LETTER = " ".join(["Je souhaite enseigner l’anglais en France avec enthousiasme."] * 60)


def fill_sections(application: Application, **overrides) -> Application:
    actor = application.candidate
    identity = {
        "legal_first_names": "Camille",
        "legal_last_name": "Tremblay",
        "date_of_birth": dt.date(2003, 5, 17),
        "place_of_birth": "Ottawa",
        "country_of_birth": "CA",
        "sex": "F",
        "citizenship": "canadian",
        "resides_in_canada": True,
        "address_line": "12 rue Principale",
        "city": "Ottawa",
        "province": "ON",
        "postal_code": "K1A 0B1",
        "country": "CA",
        "phone": "613 555 0199",
    } | overrides.get("identity", {})
    studies = {
        "enrolment_status": "enrolled",
        "institution": Institution.objects.filter(status="approved").first(),
        "programme": "BA French studies",
        "french_study": "major",
        "university_years_completed": 3,
        "has_education_degree": False,
        "studies_mostly_in_canada": True,
    } | overrides.get("studies", {})
    french = {"proof_route": "professor"} | overrides.get("french", {})
    academies = list(Academie.objects.order_by("name")[:3])
    assets = {
        "motivation_letter": LETTER,
        "academie_1": academies[0],
        "academie_2": academies[1],
        "academie_3": academies[2],
        "school_level": "either",
        "available_from_contract_start": True,
    } | overrides.get("assets", {})
    for section, data in [
        ("identity", identity),
        ("studies", studies),
        ("french", french),
        ("assets", assets),
    ]:
        services.section_update(application=application, section=section, data=data, actor=actor)
    if french["proof_route"] == "professor":
        # What the evaluations app records once the candidate has invited their professor.
        services.application_record_evaluator_status(
            application=application, status="invited", actor=actor
        )
    return application


def upload(application: Application, kind: str, expires_on: dt.date | None = None):
    return services.document_upload(
        application=application,
        kind=kind,
        actor=application.candidate,
        upload=SimpleUploadedFile(f"{kind}.pdf", tiny_pdf(), "application/pdf"),
        expires_on=expires_on,
    )


def fill_documents(application: Application, passport_expiry=dt.date(2030, 1, 1)) -> None:
    upload(application, DocumentKind.PASSPORT, passport_expiry)
    for kind in (DocumentKind.TRANSCRIPTS, DocumentKind.BIRTH_CERTIFICATE):
        upload(application, kind)


def declare_fee(application: Application) -> None:
    """What the payments app records once the candidate declares their e-Transfer (the dossier
    tests stay below the payments app; tests/payments declares real payments)."""
    services.application_record_payment(
        application=application,
        status=PaymentStatus.DECLARED,
        event=DossierEventKind.PAYMENT_DECLARED,
        actor=application.candidate,
    )


def complete_dossier(application: Application) -> Application:
    fill_sections(application)
    fill_documents(application)
    declare_fee(application)
    application.refresh_from_db(fields=["payment_status"])
    return application

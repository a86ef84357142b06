"""The access matrix (issue 15): every URL of the resolver, for every kind of identity.

Every named URL pattern, admin included, is requested with the objects of candidate A (their
dossier, document, evaluation request, offer, letters…) by each identity of `IDENTITIES`: GET
for everyone, and POST for every identity the URL is denied to, which must then change nothing
in the database (a fingerprint of every table: row counts and latest `updated_at`). Allowed
POSTs are not sent: they would change the shared data under the following requests; each page's
own tests cover them.

What each identity may open is declared in `tests/access_expectations.py`: a URL that appears
without a declaration fails the test until someone decides who may open it. The figure is
printed for .ci/run: "access matrix: N URL-role pairs, 0 unexpected" (with a multiplication sign).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from candidates import services as dossier_services
from candidates.choices import (
    ApplicationStatus,
    CouplePreference,
    DocumentKind,
    ExperienceKind,
)
from candidates.models import Application, Document, Experience, FrenchCourse, PreviousParticipation
from evaluations import services as evaluation_services
from placements.choices import OfferSource, OfferStatus
from placements.models import Offer
from placements.services import round_freeze
from selection.models import ConflictOfInterest, Review, ReviewAssignment
from selection.services import criteria_ensure
from tapif.core.models import Academie, IssuedLetter, JobRun, OutboundMessage
from tapif.core.roles import (
    AUDITOR,
    COMMITTEE_MEMBER,
    PAYMENTS_OFFICER,
    PROGRAMME_MANAGER,
    REVIEWER,
)
from tapif.core.services import staff_invite
from tests.access_expectations import (
    ADMIN_MODELS,
    CUSTOM_ADMIN,
    DISPATCHERS,
    GET_REFUSED,
    IDENTITIES,
    PAGES,
    admin_expectations,
)
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import ApplicationFactory, DocumentFactory
from tests.evaluations.factories import (
    EvaluationRequestFactory,
    InstitutionFactory,
    confirm_token_in,
    opened_by,
    professor_route,
    submitted,
)
from tests.factories import (
    CandidateFactory,
    InstitutionContactFactory,
    ProfessorFactory,
    StaffFactory,
    SuperuserFactory,
)
from tests.payments.factories import (
    bank_row_for,
    declared_payment,
    import_statement,
    statement_csv,
)
from tests.placements.test_rounds import draft_round, reviewed_dossiers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]


# --- the URLs -----------------------------------------------------------------------------------


def named_patterns() -> tuple[list[str], list[str]]:
    """Every named URL pattern of the resolver (namespaced names), and the unnamed ones."""
    named, unnamed = [], []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                if pattern.name is None:
                    unnamed.append(prefix + str(pattern.pattern))
                else:
                    named.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "", None)
    return sorted(set(named)), unnamed


# --- the data -----------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, object]
    kwargs: dict[str, dict]


def member_of(role: str, **fields):
    user = StaffFactory(**fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def build_world(campaign) -> World:
    """Candidate A's whole story (dossier, documents, evaluation, fee, review, offer, letters),
    a candidate B with a draft, the professors, an institution contact and the staff."""
    criteria_ensure(campaign)
    institution = InstitutionFactory()
    contact = evaluation_services.institution_contact_request(
        user=InstitutionContactFactory(), institution=institution, role="Dean of Arts"
    )
    contact = evaluation_services.institution_contact_decide(
        contact=contact, approve=True, actor=SuperuserFactory()
    )

    a = CandidateFactory(preferred_language="en", email="candidate-a@example.ca")
    dossier = complete_dossier(professor_route(ApplicationFactory(candidate=a)))
    course = FrenchCourse.objects.create(application=dossier, title="FRAN 2010", level="B1")
    experience = Experience.objects.create(
        application=dossier,
        kind=ExperienceKind.TEACHING,
        role="Tutor",
        start_date=dt.date(2023, 9, 1),
    )
    participation = PreviousParticipation.objects.create(
        application=dossier, school_year="2019-2020", academie=Academie.objects.first()
    )
    dossier_services.couple_propose(
        application=dossier,
        partner_email="partner@example.ca",
        preference=CouplePreference.TOGETHER_PREFERRED,
        actor=a,
    )
    request = EvaluationRequestFactory(application=dossier, institution=institution)
    # The contact lists the invited professor: the chain of trust vouches for the evaluation.
    evaluation_services.professor_add(
        user=contact.user, full_name="Hélène Gagnon", email=request.evaluator_email
    )
    professor = ProfessorFactory(email=request.evaluator_email)
    token = request.token
    request = opened_by(request, professor)
    submitted(request)
    payment = declared_payment(dossier)
    dossier_services.application_submit(application=dossier, actor=a)

    b = CandidateFactory(preferred_language="en", email="candidate-b@example.ca")
    draft = professor_route(ApplicationFactory(candidate=b))
    DocumentFactory(application=draft, kind=DocumentKind.PASSPORT)
    # B's invitation opened by another account than the invited address's: the address is
    # e-mailed a confirmation link (the only token of its kind; A's request is bound).
    invitation = EvaluationRequestFactory(application=draft)
    sent = len(mail.outbox)
    with TestCase.captureOnCommitCallbacks(execute=True):
        evaluation_services.evaluation_request_open(
            token=invitation.token, user=ProfessorFactory(email="not-invited@example.org")
        )
    confirm_token = confirm_token_in(mail.outbox[sent])

    staff = {
        "reviewer (not assigned to A)": member_of(REVIEWER),
        "reviewer (assigned to A)": member_of(REVIEWER),
        "payments officer": member_of(PAYMENTS_OFFICER),
        "programme manager": member_of(PROGRAMME_MANAGER),
        "committee member": member_of(COMMITTEE_MEMBER),
        "auditor": member_of(AUDITOR),
        "superuser": SuperuserFactory(),
        "staff without a second factor": member_of(PROGRAMME_MANAGER, totp=False),
    }
    ReviewAssignment.objects.create(application=dossier, reviewer=staff["reviewer (assigned to A)"])
    # The staff account without a second factor has its set-up link.
    staff_invite(user=staff["staff without a second factor"], actor=None)
    setup_link = (
        OutboundMessage.objects.filter(recipient=staff["staff without a second factor"])
        .latest("pk")
        .context["link"]
    )

    # A's offer, accepted, in a frozen round (its letters are issued on first download).
    reviewed_dossiers(campaign, ["90", "80"])
    frozen = round_freeze(  # the world is set inside the open window: frozen with a reason
        selection_round=draft_round(campaign, {0: (1, 1)}, waitlist_size=1),
        actor=staff["programme manager"],
        reason="Frozen early to test every page",
    )
    for status in (
        ApplicationStatus.COMPLETE,
        ApplicationStatus.ELIGIBLE,
        ApplicationStatus.REVIEWED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.PLACED,
        ApplicationStatus.OFFER_ACCEPTED,
    ):
        dossier = dossier_services.application_transition(
            application=dossier, to_status=status, actor=None
        )
    now = timezone.now()
    offer = Offer.objects.create(
        application=dossier,
        round=frozen,
        academie=Academie.objects.filter(is_active=True).order_by("code").first(),
        level="primary",
        source=OfferSource.RELEASE,
        status=OfferStatus.ACCEPTED,
        offered_at=now - dt.timedelta(days=2),
        respond_by=now + dt.timedelta(days=5),
        responded_at=now - dt.timedelta(days=1),
        contract_start=campaign.contract_start,
        contract_end=campaign.contract_end,
        monthly_gross_salary=campaign.monthly_gross_salary,
        salary_currency=campaign.salary_currency,
    )
    # A's result is released; their letter is issued (it is on first download).
    Application.objects.filter(pk=dossier.pk).update(result_released_at=now)
    owner = Client()
    owner.force_login(a)
    with translation.override("en"):
        assert owner.get(reverse("placements_letters:acceptance")).status_code == 200
    passport = Document.objects.get(application=dossier, kind=DocumentKind.PASSPORT)
    # A row of every other admin model that has a change page, A's where it can be.
    import_statement(statement_csv(bank_row_for(dossier)))
    Review.objects.create(application=dossier, reviewer=staff["reviewer (assigned to A)"])
    ConflictOfInterest.objects.create(
        application=dossier, reviewer=staff["reviewer (not assigned to A)"], reason="A cousin"
    )
    JobRun.objects.create(job="send_reminders")
    users = {
        "anonymous": None,
        "candidate A": a,
        "candidate B": b,
        "professor (invited by A)": professor,
        "another professor": ProfessorFactory(),
        "institution contact": contact.user,
        **staff,
    }
    kwargs = {
        "candidates:course_delete": {"pk": course.pk},
        "candidates:experience_edit": {"pk": experience.pk},
        "candidates:experience_delete": {"pk": experience.pk},
        "candidates:participation_delete": {"pk": participation.pk},
        "candidates:document_upload": {"kind": DocumentKind.TRANSCRIPTS},
        "candidates:section_draft": {"section": "identity"},
        "candidates:section_rules": {"section": "identity"},
        "candidates:document_download": {"pk": passport.pk},
        "my_data:dossier_delete": {"pk": dossier.pk},
        "evaluations:resend": {"pk": request.pk},
        "evaluations:replace": {"pk": request.pk},
        "evaluations:link": {"token": token},
        "evaluations:confirm_address": {"token": confirm_token},
        "core:staff_setup": {"token": setup_link.rstrip("/").rsplit("/", 1)[1]},
        "evaluations:request": {"pk": request.pk},
        "evaluations:submit": {"pk": request.pk},
        "evaluations:decline": {"pk": request.pk},
        "evaluations:professor_toggle": {"pk": request.professor_id},
        "placements_letters:offer_acceptance": {"offer_pk": offer.pk},
        "placements_letters:offer_attestation": {"offer_pk": offer.pk},
        "selection:dossier": {"number": dossier.number},
        "selection:score": {"number": dossier.number},
        "selection:conflict": {"number": dossier.number},
        "selection:document_accept": {"number": dossier.number, "pk": passport.pk},
        "selection:document_reject": {"number": dossier.number, "pk": passport.pk},
        "committee:round": {"round_pk": frozen.pk},
        "committee:academies": {"round_pk": frozen.pk},
        "committee:couples": {"round_pk": frozen.pk},
        "committee:calibration": {"round_pk": frozen.pk},
        "committee:export_csv": {"round_pk": frozen.pk},
        "committee:export_pdf": {"round_pk": frozen.pk},
        "committee:dashboard_csv": {"key": "funnel"},
        "committee:handoff": {"round_pk": frozen.pk},
        "committee:handoff_file": {
            "round_pk": frozen.pk,
            "code": offer.academie.code,
            "file_format": "csv",
        },
        "account_confirm_email": {"key": "not-a-key"},
        "account_reset_password_from_key": {"uidb36": "0", "key": "not-a-key"},
        "admin:app_list": {"app_label": "candidates"},
        "admin:auth_user_password_change": {"id": a.pk},
        "admin:view_on_site": {"content_type_id": 1, "object_id": a.pk},
    }
    objects = admin_objects(dossier=dossier, passport=passport, offer=offer, payment=payment)
    for key, pk in objects.items():
        for view in ("change", "delete", "history"):
            kwargs[f"admin:{key}_{view}"] = {"object_id": pk}
    kwargs.update(custom_admin_kwargs(objects))
    return World(users=users, kwargs=kwargs)


def admin_objects(*, dossier, passport, offer, payment) -> dict[str, int]:
    """The object of each admin model the change/delete/history URLs name: A's, where it has
    one; else the first row; else a pk that does not exist."""
    own = {
        "core_user": dossier.candidate_id,
        "candidates_application": dossier.pk,
        "candidates_document": passport.pk,
        "candidates_couple": dossier.couples_proposed.get().pk,
        "evaluations_evaluationrequest": dossier.evaluation_requests.get().pk,
        "evaluations_evaluation": dossier.evaluation_requests.get().evaluation.pk,
        "evaluations_professor": dossier.evaluation_requests.get().professor_id,
        "payments_payment": payment.pk,
        "placements_offer": offer.pk,
        "selection_dossierunderreview": dossier.pk,
        "selection_reviewassignment": dossier.review_assignments.get().pk,
        "selection_review": dossier.reviews.get().pk,
        "selection_conflictofinterest": dossier.conflicts_of_interest.get().pk,
        "core_issuedletter": IssuedLetter.objects.get(number=dossier.number).pk,
        "core_auditentry": apps.get_model("core", "AuditEntry")
        .objects.filter(dossier=dossier.number)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
        "account_emailaddress": dossier.candidate.emailaddress_set.get().pk,
    }
    objects = {}
    for key in ADMIN_MODELS:
        if key in own and own[key] is not None:
            objects[key] = own[key]
            continue
        app_label, model_name = key.split("_", 1)
        model = apps.get_model(app_label, model_name)
        objects[key] = model.objects.order_by("pk").values_list("pk", flat=True).first() or 999999
    return objects


def custom_admin_kwargs(objects: dict[str, int]) -> dict[str, dict]:
    return {
        "admin:core_issuedletter_download": {"pk": objects["core_issuedletter"]},
        "admin:payments_bankline_assign": {"object_id": objects["payments_bankline"]},
        "admin:payments_statementimport_report": {"object_id": objects["payments_statementimport"]},
        "admin:payments_statementimport_campaign_report": {"campaign_id": objects["core_campaign"]},
        "admin:placements_selectionround_release": {
            "object_id": objects["placements_selectionround"]
        },
        "admin:placements_selectionround_release_progress": {
            "object_id": objects["placements_selectionround"]
        },
    }


# --- answers ------------------------------------------------------------------------------------

LOGIN_PATHS = ("/admin/login/", "/en/accounts/login/", "/fr/accounts/login/")
#: Where staff without a second factor are sent (allauth's set-up page is closed to staff).
SECOND_FACTOR_PATHS = ("/accounts/2fa/", "/staff/setup/needed/")


def to_second_factor(target: str, path: str) -> bool:
    return any(p in target and p not in path for p in SECOND_FACTOR_PATHS)


def area(path: str) -> str:
    """The first segment of a path after the language: /fr/dossier/x → dossier."""
    parts = [p for p in path.split("/") if p]
    if parts and parts[0] in ("en", "fr"):
        parts = parts[1:]
    return parts[0] if parts else ""


def answer(response, path: str, *, redirect_is_an_answer: bool = False) -> str:
    """ok | denied: what the identity was given (a redirect within the same part of the site
    is followed by the caller; one elsewhere is a refusal, unless the page is a dispatcher)."""
    code = response.status_code
    if 200 <= code < 300:
        return "ok"
    if code in (403, 404, 405):
        return "denied"
    if code in (301, 302, 303, 307, 308):
        target = urlsplit(response["Location"]).path
        if target.startswith(LOGIN_PATHS) and path not in LOGIN_PATHS:
            return "denied"  # sent to sign in
        if to_second_factor(target, path):
            return "denied"  # staff sent to set up their second factor
        if redirect_is_an_answer:
            return "ok"
        if target == "/admin/" and path != "/admin/":
            return "denied"  # the admin's "no such object" (or a page of the admin refused)
        return "ok" if area(target) == area(path) else "denied"
    return f"status {code}"


def _fingerprint_sql() -> tuple[list[str], str]:
    """One query: the row count of every table (sessions aside) and the latest `updated_at`
    of those that have one."""
    labels, parts = [], []
    for model in apps.get_models():
        if model is Session or model._meta.proxy:
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        labels.append(model._meta.label)
        parts.append(f"(SELECT COUNT(*) FROM {table})")  # noqa: S608 - our tables' quoted names
        if "updated_at" in {f.name for f in model._meta.concrete_fields}:
            labels.append(f"{model._meta.label}.updated_at")
            parts.append(f"(SELECT MAX(updated_at) FROM {table})")  # noqa: S608 - as above
    return labels, "SELECT " + ", ".join(parts)


def fingerprint() -> dict[str, object]:
    labels, sql = _fingerprint_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(labels, cursor.fetchone(), strict=True))


def get(client: Client, url: str, hops: int = 2):
    """GET, following redirects that stay in the same part of the site (an admin page that
    sends to another admin page answers with that page)."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end: the file handle closes
    if hops and followable(response, urlsplit(url).path):
        return get(client, response["Location"], hops - 1)
    return response


def followable(response, path: str) -> bool:
    """A redirect to another page of the same part of the site, not a refusal."""
    if response.status_code not in (301, 302, 303):
        return False
    target = urlsplit(response["Location"]).path
    return (
        area(target) == area(path)
        and not target.startswith(LOGIN_PATHS)
        and not to_second_factor(target, path)
        and target not in ("/admin/", path)
    )


def post_data(name: str, kwargs: dict) -> dict:
    """A body that would do something if the gate let it through."""
    if name.endswith("_changelist"):
        pk = kwargs.get("object_id", "1")
        return {"action": "delete_selected", "_selected_action": [str(pk)], "post": "yes"}
    if name.endswith("_delete"):
        return {"post": "yes"}
    return {"reason": "An access matrix request", "confirm": "on", "decision": "accept"}


# --- the matrix ---------------------------------------------------------------------------------


def test_every_url_answers_each_identity_as_declared(reference_campaign, record_property):
    named, unnamed = named_patterns()
    expectations = {**PAGES, **admin_expectations(), **CUSTOM_ADMIN}
    undeclared = [name for name in named if name not in expectations]
    assert undeclared == [], f"declare who may open these URLs: {undeclared}"
    # Unnamed patterns are the admin's: a redirect to a model's change page, and its catch-all.
    assert [
        p
        for p in unnamed
        if not re.fullmatch(r"admin/(\w+/\w+/<path:object_id>/|\(\?P<url>\.\*\)\$)", p)
    ] == []
    assert set(ADMIN_MODELS) >= {
        f"{m._meta.app_label}_{m._meta.model_name}" for m in _admin_registered()
    }

    world = build_world(reference_campaign)
    clients = {}
    for identity, user in world.users.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            client.force_login(user)
        clients[identity] = client
    assert list(clients) == IDENTITIES

    pairs, unexpected = 0, []
    for name in named:
        allowed = expectations[name]
        with translation.override("en"):
            url = reverse(name, kwargs=world.kwargs.get(name))
        path = urlsplit(url).path
        denied_to = [identity for identity in IDENTITIES if identity not in allowed]
        for identity in IDENTITIES:
            pairs += 1
            response = get(clients[identity], url)
            got = answer(response, path, redirect_is_an_answer=name in DISPATCHERS)
            wanted = "ok" if identity in allowed else "denied"
            method_refused = response.status_code == 405 or (
                name in GET_REFUSED and response.status_code == 403
            )
            if got != wanted and not (got == "denied" and method_refused):
                unexpected.append(f"GET {name} {identity}: {got} ({response.status_code})")
        before = fingerprint()
        for identity in denied_to:
            response = clients[identity].post(url, post_data(name, world.kwargs.get(name, {})))
            if name not in DISPATCHERS and followable(response, path):
                response = get(clients[identity], response["Location"])  # where it leads
            got = answer(response, path, redirect_is_an_answer=name in DISPATCHERS)
            if got != "denied":
                unexpected.append(f"POST {name} {identity}: {got} ({response.status_code})")
        after = fingerprint()
        if after != before:
            changed = [label for label in before if before[label] != after[label]]
            unexpected.append(f"POST {name}: a denied POST changed {changed}")
        for identity in denied_to:  # a denied POST to a logout URL must not sign anyone out
            if world.users[identity] is not None:
                clients[identity].force_login(world.users[identity])

    # The figure .ci/run shows, printed after the run by tests/conftest.py as
    # "access matrix: N URL-role pairs, 0 unexpected" (with the sign of the line below).
    counts = {"URL×role pairs": pairs, "unexpected": len(unexpected)}  # noqa: RUF001
    record_property("figure", ("access matrix", counts))
    assert not unexpected, "\n".join(unexpected)


def _admin_registered():
    from django.contrib import admin

    return list(admin.site._registry)

"""Factories for evaluators, requests and evaluations, through the services like a user would.

`EvaluationRequestFactory` invites through `evaluation_request_create` and lets the invitation
leave (after commit, into the locmem outbox), then reads the link's token from that e-mail as
the professor would: the request it returns carries it as `.token`. Like the dossier factories,
it needs the campaign to be open (the `campaign_open` fixture).
"""

from __future__ import annotations

import re
import smtplib

import factory
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import TestCase

from candidates import services as dossier_services
from candidates.models import Application
from evaluations import services, trust
from evaluations.choices import Relationship
from evaluations.models import Evaluation, EvaluationRequest, Professor
from tapif.core.models import Institution, User
from tests.candidates.factories import ApplicationFactory
from tests.factories import ProfessorFactory

#: A complete evaluation whose every text is distinctive, to look for leaks in pages.
COMPLETE = {
    "oral_comprehension": "B2",
    "oral_expression": "B1",
    "written_comprehension": "C1",
    "written_expression": "B2",
    "overall_level": "B2",
    "motivation": 4,
    "aptitude": 5,
    "known_for": "Known-for-Marmoset, two years",
    "known_context": "courses",
    "known_context_details": "Details-Marmoset, FRAN 3100 and FRAN 3200",
    "comment": "Comment-Pangolin: confidential remarks for the committee only.",
    "recommendation": "strongly",
}
#: What must never appear on a page the candidate (or anyone but the professor) reads.
CONFIDENTIAL = [
    "Marmoset",
    "Pangolin",
    "I strongly recommend this candidate",
    "Excellent: among the best students",
    "Very good: strong, consistent evidence",
    "In my French courses",
]

LINK = re.compile(r"https?://[^\s\"<]+/evaluations/r/([A-Za-z0-9_-]+)/")


def token_in(message) -> str:
    """The link's token in an invitation e-mail (plain-text part)."""
    return LINK.search(message.body).group(1)


class RefusingEmailBackend(BaseEmailBackend):
    """The outside world: a mail server that is down (a transient failure, tried again)."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server refused the connection")


class UnknownAddressEmailBackend(BaseEmailBackend):
    """The outside world: a mail server that refuses every recipient for good (550)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused(
            {
                address: (550, b"5.1.1 No such user")
                for message in email_messages
                for address in message.to
            }
        )


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"Université test {n}")
    city = "Ottawa"
    province = "ON"
    status = Institution.Status.APPROVED


class ProfessorProfileFactory(factory.django.DjangoModelFactory):
    """A `Professor` row (the evaluator), bound to a Professeur account unless `user=None`."""

    class Meta:
        model = Professor

    user = factory.SubFactory(ProfessorFactory)
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "listed@example.ca")
    full_name = factory.LazyAttribute(lambda o: o.user.get_full_name() if o.user else "Listed")


class EvaluationRequestFactory(factory.django.DjangoModelFactory):
    """An invitation sent through the service; `.token` is the link's token from the e-mail."""

    class Meta:
        model = EvaluationRequest

    application = factory.SubFactory(ApplicationFactory)
    evaluator_name = "Professeure Hélène Gagnon"
    evaluator_email = factory.Sequence(lambda n: f"prof{n}@univ.example.ca")
    institution = None
    relationship = Relationship.CURRENT_PROFESSOR
    language = "fr"

    @classmethod
    def _create(cls, model_class, **kwargs):
        application = kwargs["application"]
        sent = len(mail.outbox)
        with TestCase.captureOnCommitCallbacks(execute=True):
            request = services.evaluation_request_create(actor=application.candidate, **kwargs)
        request.refresh_from_db()
        request.token = token_in(mail.outbox[sent])
        return request


def professor_route(application: Application) -> Application:
    """The candidate chose the professor route in section 3."""
    dossier_services.section_update(
        application=application,
        section="french",
        data={"proof_route": "professor"},
        actor=application.candidate,
    )
    return application


def listed(
    email: str, *, institution: Institution | None = None, full_name: str = "Listed Professor"
) -> Professor:
    """An approved contact of an approved institution lists `email` as one of its professors:
    the chain of trust vouches for that address."""
    from evaluations.choices import ContactStatus
    from evaluations.models import InstitutionContact
    from tests.factories import InstitutionContactFactory

    institution = institution or InstitutionFactory()
    contact = InstitutionContactFactory()
    InstitutionContact.objects.create(
        user=contact, institution=institution, role="Dean", status=ContactStatus.APPROVED
    )
    return services.professor_add(user=contact, full_name=full_name, email=email)


def opened_by(
    request: EvaluationRequest, user: User | None = None, *, vouched: bool = True
) -> EvaluationRequest:
    """The professor followed the link while signed in (a new Professeur account at the invited
    address by default). `vouched`: their address is first listed by an approved contact of
    their institution, so their evaluation counts (`vouched=False`: it waits for staff)."""
    user = user or ProfessorFactory(email=request.evaluator_email)
    if vouched and not trust.vouched_by(request.evaluator_email):
        listed(request.evaluator_email, full_name=user.get_full_name())
    sent = len(mail.outbox)
    with TestCase.captureOnCommitCallbacks(execute=True):
        opened = services.evaluation_request_open(token=request.token, user=user)
    if opened.professor is None:
        # Another account than the invited address's: the invited address confirms it.
        opened = services.evaluation_request_confirm_address(
            token=confirm_token_in(mail.outbox[sent])
        )
    opened.token = request.token
    return opened


CONFIRM_LINK = re.compile(r"https?://[^\s\"<]+/evaluations/c/([A-Za-z0-9_-]+)/")


def confirm_token_in(message) -> str:
    """The token of the link asking the invited address to confirm another account."""
    return CONFIRM_LINK.search(message.body).group(1)


def drafted(request: EvaluationRequest, **data) -> Evaluation:
    """The bound professor saves a draft (the complete evaluation unless data is given)."""
    return services.evaluation_save(
        request=request, user=request.professor.user, data=data or COMPLETE
    )


def submitted(request: EvaluationRequest) -> Evaluation:
    """The bound professor fills in the whole evaluation and submits it."""
    drafted(request)
    return services.evaluation_submit(request=request, user=request.professor.user)

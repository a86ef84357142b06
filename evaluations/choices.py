from django.db import models
from django.utils.translation import gettext_lazy as _


class Relationship(models.TextChoices):
    CURRENT_PROFESSOR = "current_professor", _("Current French professor")
    FORMER_PROFESSOR = "former_professor", _("Former French professor")
    LANGUAGE_EVALUATOR = "language_evaluator", _("Language evaluator at my university")


class RequestStatus(models.TextChoices):
    """Where an evaluation request stands. Candidates and institutions see only this."""

    INVITED = "invited", _("Invitation sent")
    OPENED = "opened", _("Opened by the evaluator")
    SUBMITTED = "submitted", _("Evaluation received")
    DECLINED = "declined", _("Declined by the evaluator")
    REPLACED = "replaced", _("Replaced")
    # Staff could not confirm who evaluated: the evaluation does not count.
    REJECTED = "rejected", _("Evaluator not confirmed by the embassy")


#: Requests still waiting for the evaluator; at most one per dossier.
OPEN_STATUSES = (RequestStatus.INVITED, RequestStatus.OPENED)


class EvaluatorCheck(models.TextChoices):
    """Whether a submitted evaluation counts: the chain of trust (docs/security.md).

    VOUCHED: the invited address was proved and is listed by an approved contact of its
    institution or on a domain staff approved; PENDING: waits in the staff queue "evaluator to
    confirm"; CONFIRMED / REJECTED: staff decided.
    """

    VOUCHED = "vouched", _("Vouched for by the institution")
    PENDING = "pending", _("Evaluator to confirm")
    CONFIRMED = "confirmed", _("Confirmed by staff")
    REJECTED = "rejected", _("Rejected by staff")


#: Checks with which the evaluation's level reaches the dossier.
COUNTING_CHECKS = (EvaluatorCheck.VOUCHED, EvaluatorCheck.CONFIRMED)


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Scale(models.IntegerChoices):
    """Motivation and aptitude, with the descriptors professors read."""

    WEAK = 1, _("1 — Weak: little evidence")
    FAIR = 2, _("2 — Fair: some evidence, with reservations")
    GOOD = 3, _("3 — Good: clear evidence")
    VERY_GOOD = 4, _("4 — Very good: strong, consistent evidence")
    EXCELLENT = 5, _("5 — Excellent: among the best students I have known")


class Recommendation(models.TextChoices):
    STRONGLY = "strongly", _("I strongly recommend this candidate")
    YES = "yes", _("I recommend this candidate")
    RESERVATIONS = "reservations", _("I recommend this candidate with reservations")
    NO = "no", _("I do not recommend this candidate")


class KnownContext(models.TextChoices):
    COURSES = "courses", _("In my French courses")
    PROGRAMME = "programme", _("As their programme or thesis supervisor")
    LANGUAGE_TEST = "language_test", _("Through a language assessment only")
    OTHER = "other", _("Other")


class ContactStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")

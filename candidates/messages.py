"""Words of the eligibility rules' messages (`candidates.eligibility`), keyed by their codes.

The pure module returns a code and its parameters (dates as ISO strings); the words here are
registered with `tapif.core.messages` from `CandidatesConfig.ready()` and turned into text in
the reader's language wherever a rule's message is shown (pages, admin, the command's output).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy, pgettext

from tapif.core.messages import Word, explain_message, messages_register


def format_day(day: date) -> str:
    """'1 October 2026' in English, '1er octobre 2026' in French (the first of a month is an
    ordinal in French): the day-month-year order used in Canada and by the programme."""
    number = pgettext("the first day of a month", "1") if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month]} {day.year}"


def _dated(word: Any, *dates: str) -> Callable[[Mapping[str, Any]], str]:
    """A word whose parameters `dates` are ISO dates, written as `format_day` writes them;
    `word` may be a plural (`ngettext_lazy` keyed by a parameter's name)."""

    def explain(params: Mapping[str, Any]) -> str:
        values = dict(params)
        for name in dates:
            values[name] = format_day(date.fromisoformat(values[name]))
        return word % values

    return explain


def _allowed(most: int) -> str:
    return ngettext(
        "at most %(most)s participation in a lifetime",
        "at most %(most)s participations in a lifetime",
        most,
    ) % {"most": most}


def _times(done: int) -> str:
    return ngettext("once", "%(done)s times", done) % {"done": done}


def _participations(word: Any) -> Callable[[Mapping[str, Any]], str]:
    """A word on participations: `allowed` and `times` are themselves worded with plurals."""

    def explain(params: Mapping[str, Any]) -> str:
        values = {"allowed": _allowed(params["most"])}
        if "done" in params:
            values["times"] = _times(params["done"])
        return word % values

    return explain


def _parts(params: Mapping[str, Any]) -> str:
    """Both conditions of a rule decide: their messages, one after the other."""
    return " ".join(explain_message(part) for part in params["parts"])


ELIGIBILITY_WORDS: dict[str, Word] = {
    # age
    "eligibility.age.unknown": _dated(
        _(
            "Enter your date of birth: you must be %(min_age)s to %(max_age)s years old on "
            "%(start)s."
        ),
        "start",
    ),
    "eligibility.age.born_after_start": _dated(
        _("Your date of birth, %(born)s, is after %(start)s: check it."), "born", "start"
    ),
    "eligibility.age.within": _dated(
        ngettext_lazy(
            "You will be %(age)s on %(start)s, within the %(min_age)s to %(max_age)s age limits.",
            "You will be %(age)s on %(start)s, within the %(min_age)s to %(max_age)s age limits.",
            "age",
        ),
        "start",
    ),
    "eligibility.age.outside": _dated(
        ngettext_lazy(
            "You must be %(min_age)s to %(max_age)s years old on %(start)s; you will be %(age)s.",
            "You must be %(min_age)s to %(max_age)s years old on %(start)s; you will be %(age)s.",
            "age",
        ),
        "start",
    ),
    # citizenship
    "eligibility.citizenship.unknown": _(
        "Enter your citizenship: you must be a Canadian citizen, or a permanent resident of "
        "Canada who is a citizen of a country taking part in the programme."
    ),
    "eligibility.citizenship.canadian": _("Canadian citizenship: condition met."),
    "eligibility.citizenship.other": _(
        "Neither a Canadian citizen nor a permanent resident of Canada: you must be a Canadian "
        "citizen, or a permanent resident of Canada who is a citizen of a country taking part in "
        "the programme."
    ),
    "eligibility.citizenship.country_unknown": _(
        "Enter your country of citizenship: permanent residents of Canada must be citizens of a "
        "country taking part in the programme."
    ),
    "eligibility.citizenship.countries_not_set": _(
        "The campaign's list of participating countries is not set yet; staff will check "
        "whether %(country)s takes part in the programme."
    ),
    "eligibility.citizenship.participating": _(
        "Permanent resident of Canada and citizen of %(country)s, a participating country: "
        "condition met. Upload your permanent resident card and your passport from that country."
    ),
    "eligibility.citizenship.not_participating": _(
        "Permanent residents of Canada must be citizens of a country taking part in the "
        "programme; %(country)s is not one of them."
    ),
    # residence
    "eligibility.residence.in_canada": _("You reside in Canada: condition met."),
    "eligibility.residence.unknown": _(
        "Tell us whether you reside in Canada: you must when you apply, unless you are a "
        "student on an exchange programme abroad."
    ),
    "eligibility.residence.exchange_abroad": _(
        "You are a student on an exchange programme abroad: the Canadian residence condition "
        "does not apply."
    ),
    "eligibility.residence.exchange_unknown": _(
        "You do not reside in Canada: tell us whether you are a student on an exchange "
        "programme abroad, the only exception."
    ),
    "eligibility.residence.abroad": _(
        "You must reside in Canada when you apply, unless you are a student on an exchange "
        "programme abroad."
    ),
    # education: university years, then enrolment; `both` when the two decide together
    "eligibility.education.both": _parts,
    "eligibility.education.years_unknown": _(
        "Enter how many years of university you have completed and validated: you need at "
        "least %(minimum)s."
    ),
    "eligibility.education.years_short": _dated(
        ngettext_lazy(
            "You must have completed and validated at least %(minimum)s year of university when "
            "you submit; you have completed %(done)s.",
            "You must have completed and validated at least %(minimum)s years of university when "
            "you submit; you have completed %(done)s.",
            "minimum",
        )
    ),
    "eligibility.education.years_done": _dated(
        ngettext_lazy(
            "You have completed %(done)s year of university (minimum: %(minimum)s).",
            "You have completed %(done)s years of university (minimum: %(minimum)s).",
            "done",
        )
    ),
    "eligibility.education.enrolment_unknown": _(
        "Tell us whether you are enrolled at university, have graduated or have stopped your "
        "studies."
    ),
    "eligibility.education.enrolled": _("You are currently enrolled at university."),
    "eligibility.education.graduated_teaching_experience": _(
        "You have graduated: you qualify through your teaching experience, provided a former "
        "professor also evaluates you."
    ),
    "eligibility.education.graduated_education_degree": _(
        "You have graduated: you qualify through your education degree, provided a former "
        "professor also evaluates you."
    ),
    "eligibility.education.graduated_neither": _(
        "You have graduated: you then need teaching experience or an education degree, and an "
        "evaluation from a former professor."
    ),
    "eligibility.education.graduated_unknown": _(
        "You have graduated: tell us whether you have teaching experience or an education "
        "degree; you need one of them, and an evaluation from a former professor."
    ),
    "eligibility.education.stopped_teaching_experience": _(
        "You have stopped your studies: you qualify through your teaching experience, provided "
        "a former professor also evaluates you."
    ),
    "eligibility.education.stopped_education_degree": _(
        "You have stopped your studies: you qualify through your education degree, provided a "
        "former professor also evaluates you."
    ),
    "eligibility.education.stopped_neither": _(
        "You have stopped your studies: you then need teaching experience or an education "
        "degree, and an evaluation from a former professor."
    ),
    "eligibility.education.stopped_unknown": _(
        "You have stopped your studies: tell us whether you have teaching experience or an "
        "education degree; you need one of them, and an evaluation from a former professor."
    ),
    # studies in Canada
    "eligibility.studies_in_canada.unknown": _(
        "Tell us whether you did most of your secondary and university studies in Canada: it "
        "is required."
    ),
    "eligibility.studies_in_canada.met": _(
        "You did most of your secondary and university studies in Canada: condition met."
    ),
    "eligibility.studies_in_canada.not_met": _(
        "You must have done most of your secondary and university studies in Canada."
    ),
    # French level
    "eligibility.french_level.unknown": _(
        "Your French level is not known yet: at least %(minimum)s (CEFR) is required, shown by a "
        "French professor's evaluation or, for graduates, an official test (TCF, TEF, DELF, "
        "DALF)."
    ),
    "eligibility.french_level.met": _(
        "Your French level, %(level)s, meets the %(minimum)s minimum (CEFR)."
    ),
    "eligibility.french_level.below": _(
        "You need at least %(minimum)s in French (CEFR); your level is %(level)s."
    ),
    # The level came from a professor's evaluation: confidential, never named to the candidate.
    "eligibility.french_level.evaluation_met": _(
        "Your evaluation has been received: the French requirement (at least %(minimum)s, CEFR) "
        "is met."
    ),
    "eligibility.french_level.evaluation_below": _(
        "Your evaluation has been received: the French requirement (at least %(minimum)s, CEFR) "
        "is not met."
    ),
    # passport
    "eligibility.passport.unknown": _dated(
        _("Enter your passport's expiry date: it must be valid until at least %(until)s."),
        "until",
    ),
    "eligibility.passport.valid": _dated(
        _("Your passport expires on %(expiry)s, which covers the required %(until)s."),
        "expiry",
        "until",
    ),
    "eligibility.passport.expires_too_early": _dated(
        _(
            "Your passport must be valid until at least %(until)s; it expires on %(expiry)s. "
            "Start its renewal now: applications without a valid passport are not considered."
        ),
        "expiry",
        "until",
    ),
    # participations: `allowed` reads "at most 2 participations in a lifetime", `times` "once"
    "eligibility.participations.unknown": _participations(
        _(
            "Tell us how many times you have taken part in the programme before: it allows "
            "%(allowed)s."
        )
    ),
    "eligibility.participations.too_many": _participations(
        _("The programme allows %(allowed)s; you have already taken part %(times)s.")
    ),
    "eligibility.participations.first": _participations(
        _("This would be your first participation (the programme allows %(allowed)s).")
    ),
    "eligibility.participations.again": _participations(
        _(
            "You have taken part %(times)s before (the programme allows %(allowed)s). Former "
            "assistants also need a positive evaluation from their previous académie, and go on "
            "the waitlist."
        )
    ),
    # availability
    "eligibility.availability.unknown": _dated(
        _(
            "Confirm that you are available from %(start)s: the contract start date cannot be "
            "changed."
        ),
        "start",
    ),
    "eligibility.availability.available": _dated(
        _("You are available from %(start)s, the contract start."), "start"
    ),
    "eligibility.availability.unavailable": _dated(
        _("You must be available from %(start)s: the contract start date cannot be changed."),
        "start",
    ),
}


def failure_text(failure: Mapping[str, Any]) -> str:
    """One reason of an ineligibility decision (`EligibilityDecision.failures`): the rule's
    message, or the justification staff wrote when they overruled the rule to "not met"."""
    if "code" in failure:
        return explain_message(failure)
    return failure.get("justification", "")


# Audit actions recorded by this app's services, read by the dossier's history and the audit
# log through `tapif.core.messages.explain`.
AUDIT_ACTIONS = {
    "application.transition": _("Status changed"),
    "application.reopen": _("Dossier reopened"),
    "application.eligibility": _("Eligibility decided"),
    "application.french_level": _("French level recorded"),
    "application.previous_evaluation": _("Previous académie's evaluation recorded"),
    "application.result_release": _("Result released"),
    "application.previous_participations": _("Earlier participations confirmed by staff"),
    "group_message.send": _("Message sent to a group of candidates"),
    "french_test.verify": _("Official French test verified"),
    "document.upload": _("Document uploaded"),
    "document.accept": _("Document accepted"),
    "document.reject": _("Document rejected"),
    "document.staff_download": _("Document read by staff"),
    "couple.propose": _("Couple application proposed"),
    "couple.confirm": _("Couple application confirmed"),
    "couple.dissolve": _("Couple application dissolved"),
    "application.delete": _("Draft dossier deleted by the candidate, with its files"),
    "account.delete": _("Account deleted by its owner"),
    "personal_data.export": _("Personal data downloaded by its owner"),
    "deletion_request.create": _("Deletion of the candidate's data requested"),
    "deletion_request.settle": _("Deletion request settled under the retention policy"),
}

#: The retention policy's steps (candidates.retention), as the job's report and the staff's
#: plan word them; `files` is the number of stored files the step deletes.
RETENTION_WORDS: dict[str, Word] = {
    "retention.draft_warning": _("warn the candidate that their draft will be deleted"),
    "retention.draft_delete": lambda params: (
        ngettext(
            "delete the dossier never submitted, with its %(files)s file",
            "delete the dossier never submitted, with its %(files)s files",
            params["files"],
        )
        % params
    ),
    "retention.replaced_versions": lambda params: (
        ngettext(
            "delete %(files)s replaced document version",
            "delete %(files)s replaced document versions",
            params["files"],
        )
        % params
    ),
    "retention.documents_not_selected": lambda params: (
        ngettext(
            "delete %(files)s document of a dossier that led to no contract",
            "delete the %(files)s documents of a dossier that led to no contract",
            params["files"],
        )
        % params
    ),
    "retention.documents_assistant": lambda params: (
        ngettext(
            "delete %(files)s document of an assistant",
            "delete the %(files)s documents of an assistant",
            params["files"],
        )
        % params
    ),
    "retention.anonymise": _(
        "anonymise the dossier, keeping only the participation trace (fingerprint, year, outcome)"
    ),
    # What a settled deletion request tells the candidate.
    "retention.draft_deleted": _("Dossier %(number)s, never submitted, is deleted."),
    "retention.kept_until": _dated(
        _(
            "Dossier %(number)s: its documents are kept until %(documents_until)s, your "
            "identity until %(identity_until)s; then only a fingerprint of your identity, the "
            "year and the outcome remain, for the limit on participations."
        ),
        "documents_until",
        "identity_until",
    ),
}


def register() -> None:
    """Declare this app's words (`AppConfig.ready()`)."""
    messages_register(ELIGIBILITY_WORDS)
    messages_register(AUDIT_ACTIONS)
    messages_register(RETENTION_WORDS)

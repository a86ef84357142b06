"""The words of the placements app's codes: the allocation's and the promotion's explanations
and refusals, and the committee's manual offer.

`placements.allocation` and `placements.promotion` are pure Python: they return messages
(`{"code", "params"}`) and the rows keep them; these words make the text where it is shown
(`tapif.core.messages.explain`, in the active language). Registered in `PlacementsConfig.ready`.

A parameter that is itself a word (a school level, a list of ranks joined with "and") is worded
here too, in the same language as its sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tapif.core.messages import Word, explain_message, messages_register, worded

#: A school level inside a sentence ("the 3 secondary places", « les 3 places en secondaire »).
LEVELS = {
    "primary": pgettext_lazy("school level in a sentence", "primary"),
    "secondary": pgettext_lazy("school level in a sentence", "secondary"),
}


def level_word(level: Any) -> str:
    return str(LEVELS.get(str(level), level))


def join_and(items: Iterable[Any]) -> str:
    """`4, 9 and 12` (« 4, 9 et 12 »)."""
    texts = [str(item) for item in items]
    if len(texts) <= 1:
        return "".join(texts)
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(texts[:-1]), "last": texts[-1]}


def join_or(items: Iterable[Any]) -> str:
    """`primary or secondary` (« primaire ou secondaire »)."""
    texts = [str(item) for item in items]
    if len(texts) <= 1:
        return "".join(texts)
    return gettext("%(items)s or %(last)s") % {"items": ", ".join(texts[:-1]), "last": texts[-1]}


def _levels(values: Iterable[Any]) -> str:
    return join_or(level_word(value) for value in values)


def _ranks(values: Iterable[Any]) -> str:
    return join_and(values)


def _reasons(values: Iterable[Mapping[str, Any]]) -> str:
    return join_and(explain_message(value) for value in values)


def _names(values: Iterable[Any]) -> str:
    return ", ".join(str(value) for value in values)


_PLACED_PREFERENCE = {
    1: _("Placed in %(academie)s (%(level)s), your 1st preference."),
    2: _("Placed in %(academie)s (%(level)s), your 2nd preference."),
    3: _("Placed in %(academie)s (%(level)s), your 3rd preference."),
}
_PLACED_PREFERENCE_OTHER = _("Placed in %(academie)s (%(level)s), your preference %(preference)s.")


def _counted_requests(text: Promise) -> Word:
    """A sentence whose "(n first-choice requests)" agrees with n (`text`, a lazy plural
    counted on "requests")."""
    return lambda params: str(text % dict(params))


def _placed_preference(params: Mapping[str, Any]) -> str:
    text = _PLACED_PREFERENCE.get(params.get("preference"), _PLACED_PREFERENCE_OTHER)
    return worded(text, level=level_word)(params)


ALLOCATION: dict[str, Word] = {
    "allocation.rank": _("Rank %(rank)s of %(count)s."),
    "allocation.accepted": _("Accepted."),
    "allocation.placed": worded(_("Placed in %(academie)s (%(level)s)."), level=level_word),
    "allocation.placed_preference": _placed_preference,
    "allocation.couple_together": _(
        "Placed together with your partner (ranked %(partner_rank)s) at the turn of the "
        "lower-ranked of you (rank %(turn)s), in the first académie with a place for each of "
        "you, following the higher-ranked partner’s preferences then the other’s."
    ),
    "allocation.couple_no_room": worded(
        _("%(academies)s: no place for both of you."), academies=_names
    ),
    "allocation.couple_apart": _(
        "No académie had a place for both you and your partner (ranked %(partner_rank)s); as "
        "you declared “together preferred”, each of you was placed separately at the turn of "
        "the lower-ranked of you."
    ),
    "allocation.missed": worded(_("%(academie)s: %(reasons)s."), reasons=_reasons),
    "allocation.level_reserved": worded(
        _(
            "its %(level)s places left were needed for accepted candidates who teach only at "
            "%(level)s level"
        ),
        level=level_word,
    ),
    "allocation.level_none": worded(_("no %(level)s place"), level=level_word),
    "allocation.places_taken_by_better": worded(
        _(
            "the %(count)s %(level)s places were taken by better-ranked candidates, the last "
            "one ranked %(last)s"
        ),
        level=level_word,
    ),
    "allocation.places_taken": worded(
        _("the %(count)s %(level)s places were taken by candidates ranked %(ranks)s"),
        level=level_word,
        ranks=_ranks,
    ),
    "allocation.place_taken": worded(
        _("the %(level)s place was taken by the candidate ranked %(ranks)s"),
        level=level_word,
        ranks=_ranks,
    ),
    "allocation.fallback_couple": _counted_requests(
        ngettext_lazy(
            "No académie you listed had a place for both of you: %(academie)s is the académie "
            "with room for both that the fewest candidates asked for first (%(requests)s "
            "first-choice request).",
            "No académie you listed had a place for both of you: %(academie)s is the académie "
            "with room for both that the fewest candidates asked for first (%(requests)s "
            "first-choice requests).",
            "requests",
        )
    ),
    "allocation.fallback": _counted_requests(
        ngettext_lazy(
            "None of your preferences had a place at your level: %(academie)s is the académie "
            "with a free place that the fewest candidates asked for first (%(requests)s "
            "first-choice request).",
            "None of your preferences had a place at your level: %(academie)s is the académie "
            "with a free place that the fewest candidates asked for first (%(requests)s "
            "first-choice requests).",
            "requests",
        )
    ),
    "allocation.waitlisted": _("Waitlisted, position %(position)s."),
    "allocation.couple_sent_back": _(
        "Accepted on merit, but no académie had a place for both you and your partner, and "
        "you asked to be placed together only: you are both at the top of the waitlist."
    ),
    "allocation.returning_waitlisted": _(
        "Former assistants go on the waitlist, behind every new candidate, and take places "
        "freed by withdrawals."
    ),
    "allocation.no_place": worded(
        _(
            "All the places you could take (%(count)s, %(levels)s) went to better-ranked "
            "candidates."
        ),
        levels=_levels,
    ),
    "allocation.accepted_unplaced": _("Accepted, but no place was left at your level."),
    "allocation.not_selected": _("Not selected."),
    "allocation.returning_not_evaluated": _(
        "Former assistants need a positive evaluation from their previous académie to go on "
        "the waitlist."
    ),
    "allocation.waitlist_full": _("The waitlist (%(size)s) is full."),
    "allocation.ineligible": _("Not eligible: the dossier was not ranked."),
    "allocation.unscored": _("Not selected: the dossier has no merit score, so it was not ranked."),
    # Refusals (AllocationError).
    "allocation.error.quota": _(
        "The quota of %(academie)s must be whole numbers of 0 or more, got %(value)s."
    ),
    "allocation.error.repeated": _("Candidate %(id)s is listed more than once."),
    "allocation.error.rank": _("Candidate %(id)s: rank %(rank)s is not a free rank of 1 or more."),
    "allocation.error.preferences": _(
        "Candidate %(id)s: at most %(max)s different académies, got %(preferences)s."
    ),
    "allocation.error.partner": _(
        "Candidate %(id)s names %(partner)s as partner, who does not name them back."
    ),
    "allocation.error.waitlist_size": _(
        "The waitlist size must be a whole number of 0 or more, got %(value)s."
    ),
    # Until selection.ranking's refusals carry a code: their text as the ranking gave it.
    "allocation.error.missing": _("%(where)s: “%(name)s” is missing."),
    "allocation.error.type": _("%(where)s: “%(name)s” has the wrong type (%(value)s)."),
    "allocation.error.choice": _(
        "%(where)s: “%(name)s” must be one of %(choices)s, got %(value)s."
    ),
    "allocation.error.object": _("%(where)s: expected an object."),
    "allocation.error.score": _("%(where)s: the score must be a number, got %(value)s."),
    "allocation.error.preferences_list": _(
        "%(where)s: “preferences” must be a list of académie codes."
    ),
    "allocation.error.criteria": _("%(where)s: “criteria” must be an object."),
    "allocation.error.partner_id": _("%(where)s: “partner” must be an id or null."),
    "allocation.error.json": _("Not valid JSON: %(error)s (line %(line)s)."),
    "allocation.error.json_object": _("Expected a JSON object."),
    "allocation.error.quota_object": _(
        'quotas.%(academie)s: expected {"primary": n, "secondary": n}.'
    ),
    "allocation.error.tie_break_criteria": _(
        "“tie_break_criteria” must be a list of criterion codes."
    ),
    "allocation.error.academie_names": _("“academie_names” must map académie codes to names."),
}

# The promotion's offer: (returning assistant, listed the académie) choose the sentence.
_OFFERED = {
    (False, True): _(
        "Offered the %(level)s place freed in %(academie)s: the best-ranked new candidate on "
        "the waitlist who listed %(academie)s and teaches at %(level)s level (rank %(rank)s)."
    ),
    (False, False): _(
        "Offered the %(level)s place freed in %(academie)s: no new candidate who listed "
        "%(academie)s could take it; the best-ranked new candidate on the waitlist who teaches "
        "at %(level)s level (rank %(rank)s)."
    ),
    (True, True): _(
        "Offered the %(level)s place freed in %(academie)s: no new candidate could take it; the "
        "best-ranked returning assistant on the waitlist who listed %(academie)s and teaches at "
        "%(level)s level (rank %(rank)s)."
    ),
    (True, False): _(
        "Offered the %(level)s place freed in %(academie)s: no new candidate, nor any returning "
        "assistant who listed %(academie)s, could take it; the best-ranked returning assistant "
        "on the waitlist who teaches at %(level)s level (rank %(rank)s)."
    ),
}
_OFFERED_COUPLE = {
    (False, True): _(
        "Offered a %(level)s place in %(academie)s, together with their partner %(partner)s (a "
        "couple placed together only, ranks %(first)s and %(second)s): the best-ranked on the "
        "waitlist who listed %(academie)s with a place for each partner there."
    ),
    (False, False): _(
        "Offered a %(level)s place in %(academie)s, together with their partner %(partner)s (a "
        "couple placed together only, ranks %(first)s and %(second)s): no new candidate who "
        "listed %(academie)s could take it; the best-ranked on the waitlist with a place for "
        "each partner there."
    ),
    (True, True): _(
        "Offered a %(level)s place in %(academie)s, together with their partner %(partner)s (a "
        "couple placed together only, ranks %(first)s and %(second)s): no new candidate could "
        "take it; the best-ranked on the waitlist who listed %(academie)s with a place for each "
        "partner there."
    ),
    (True, False): _(
        "Offered a %(level)s place in %(academie)s, together with their partner %(partner)s (a "
        "couple placed together only, ranks %(first)s and %(second)s): no new candidate, nor "
        "any returning assistant who listed %(academie)s, could take it; the best-ranked on the "
        "waitlist with a place for each partner there."
    ),
}


def _offered(sentences: Mapping[tuple[bool, bool], Promise]) -> Word:
    def word(params: Mapping[str, Any]) -> str:
        key = (bool(params.get("returning")), bool(params.get("listed")))
        return worded(sentences[key], level=level_word)(params)

    return word


PROMOTION: dict[str, Word] = {
    "promotion.offered": _offered(_OFFERED),
    "promotion.offered_couple": _offered(_OFFERED_COUPLE),
    "promotion.level_couple": worded(
        _("Applies as a couple placed together only: neither partner teaches at %(level)s level."),
        level=level_word,
    ),
    "promotion.level": worded(
        _("Teaches only at %(own)s level; the place is at %(level)s level."),
        own=level_word,
        level=level_word,
    ),
    "promotion.not_listed_couple": _(
        "Did not list %(academie)s; the couple ranked %(first)s and %(second)s, who did, take "
        "the places."
    ),
    "promotion.not_listed": _(
        "Did not list %(academie)s; the candidate ranked %(rank)s, who did, takes the place."
    ),
    "promotion.holds_place": _("Already holds a place."),
    "promotion.declined": _("Declined an offer of a place this year, or let it lapse."),
    "promotion.withdrawn": _("Withdrew from the programme."),
    "promotion.not_waiting": _("Not on the waitlist (result not released)."),
    "promotion.couple_two_places": _(
        "Applies as a couple placed together only with %(partner)s: %(academie)s has no second "
        "place, at a level the partner teaches, for both of them."
    ),
    "promotion.couple_turn": _(
        "Applies as a couple placed together only with %(partner)s: the couple's turn is the "
        "later-ranked partner's, after the candidate offered the place."
    ),
    "promotion.couple_elsewhere": _(
        "Applies as a couple placed together only; the partner %(partner)s holds a place in "
        "%(academie)s."
    ),
}

PLACEMENTS: dict[str, Word] = {
    # The reason is typed by the committee member, in their own words.
    "placement.manual_offer": _("Offered by the committee (%(name)s): %(reason)s"),
}

WORDS: dict[str, Word] = {**ALLOCATION, **PROMOTION, **PLACEMENTS}


def register() -> None:
    """Declare this app's words (`AppConfig.ready()`)."""
    messages_register(WORDS)
    messages_register(AUDIT_ACTIONS)


# Audit actions recorded by this app's services, read by the dossier's history and the audit
# log through `tapif.core.messages.explain`.
AUDIT_ACTIONS = {
    "selection_round.create": _("Selection round created"),
    "selection_round.quotas_fill": _("Selection round's quotas listed for every académie"),
    "selection_round.freeze": _("Selection round frozen"),
    "selection_round.freeze_incomplete": _(
        "Selection round frozen before it was complete, for this reason: %(reason)s"
    ),
    "selection_round.supersede": _("Selection round superseded"),
    "results_release.start": _("Results release started"),
    "results_release.early": _(
        "Results released before the results date (%(date)s), for this reason: %(reason)s"
    ),
    "results_release.resume": _("Results release resumed"),
    "results_release.finish": _("Results release finished"),
    "results_release.fail": _("Results release failed"),
    "offer.make": _("Placement offered"),
    "offer.accept": _("Offer accepted by the candidate"),
    "offer.decline": _("Offer declined by the candidate"),
    "offer.lapse": _("Offer lapsed without an answer"),
    "offer.promote": _("Freed place offered to a waitlisted candidate"),
    "offer.manual": _("Place offered by hand"),
    "offer.details": _("Placement details recorded"),
    "offer.verify_criminal_record": _("Criminal record check verified"),
    "offer.appoint": _("Assistant appointed"),
    "application.withdraw": _("Candidate withdrew"),
}

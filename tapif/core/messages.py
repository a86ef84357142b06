"""Words for codes: the one place where a stored or computed code becomes text.

Pure modules (eligibility, allocation, matching, scoring…) and stored rows keep a *message*: a
code and its parameters (`{"code": "eligibility.too_young", "params": {"age": 19}}`), never
sentences. Each app declares the words of its own codes in its `messages.py` and registers them
in its `AppConfig.ready()` with `messages_register`; `explain` turns a message into text in the
active language, wherever it is shown (a lower app shows a higher app's message without
importing it). Audit actions are codes too (`document.accept`), worded the same way.

A word is a lazy gettext string with named placeholders, or a callable `(params) -> str` when
the sentence needs a plural or a parameter that is itself worded (a level, a country).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypedDict

from django.utils.functional import Promise

Word = Promise | str | Callable[[Mapping[str, Any]], str]


class Message(TypedDict):
    code: str
    params: dict[str, Any]


_WORDS: dict[str, Word] = {}


def messages_register(words: Mapping[str, Word]) -> None:
    """Declare the words of some codes (an app's own, from its `ready()`).

    A code registered twice with a different word is a programming error: two apps would be
    claiming one code.
    """
    for code, word in words.items():
        known = _WORDS.get(code)
        if known is not None and known is not word:
            raise ValueError(f"message code {code!r} is already registered")
        _WORDS[code] = word


def worded(text: Promise | str, **wording: Callable[[Any], str]) -> Word:
    """A sentence some of whose parameters are worded first (`level=level_word`): the stored
    parameter stays a code, its words follow the reader's language."""

    def word(params: Mapping[str, Any]) -> str:
        values = dict(params)
        for name, make in wording.items():
            if name in values:
                values[name] = make(values[name])
        return str(text) % values

    return word


def message(code: str, **params: Any) -> Message:
    """A message to store or return: the code and its (JSON-serialisable) parameters."""
    return {"code": code, "params": params}


def is_known(code: str) -> bool:
    return code in _WORDS


def explain(code: str, params: Mapping[str, Any] | None = None, *, default: str = "") -> str:
    """The code's words in the active language, its placeholders filled.

    An unknown code reads as `default` (or the code itself), so an old row never breaks a page.
    """
    word = _WORDS.get(code)
    if word is None:
        return default or code
    values = dict(params or {})
    if callable(word):
        return word(values)
    text = str(word)
    return text % values if values else text


def explain_message(item: Mapping[str, Any] | None) -> str:
    """`explain` for a stored message (`{"code", "params"}`); '' for none."""
    if not item:
        return ""
    return explain(item["code"], item.get("params"))


def explain_all(items: Iterable[Mapping[str, Any]], *, separator: str = " ") -> str:
    """Several messages as one text (an explanation made of sentences)."""
    return separator.join(text for text in map(explain_message, items) if text)

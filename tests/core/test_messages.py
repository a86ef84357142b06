"""The words-for-codes registry: codes and parameters become text in the active language."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tapif.core.messages import explain, explain_all, explain_message, message, messages_register

messages_register(
    {
        "test.fee_declared": _("Application fee declared"),
        "test.age": _("You will be %(age)s on 1 October."),
        "test.counted": lambda params: f"{params['count']} x {params['what']}",
    }
)


def test_a_code_is_worded_in_the_active_language():
    with translation.override("fr"):
        assert explain("test.fee_declared") == "Frais de candidature déclarés"
    with translation.override("en"):
        assert explain("test.fee_declared") == "Application fee declared"


def test_placeholders_are_filled_from_the_parameters():
    with translation.override("en"):
        assert explain("test.age", {"age": 22}) == "You will be 22 on 1 October."


def test_a_callable_word_receives_the_parameters():
    assert explain_message(message("test.counted", count=3, what="B1")) == "3 x B1"


def test_an_unknown_code_reads_as_its_default_or_itself():
    assert explain("test.nothing") == "test.nothing"
    assert explain("test.nothing", default="—") == "—"
    assert explain_message(None) == ""


def test_several_messages_read_as_one_text():
    with translation.override("en"):
        text = explain_all(
            [message("test.fee_declared"), message("test.counted", count=1, what="x")]
        )
    assert text == "Application fee declared 1 x x"


def test_two_words_for_one_code_are_refused():
    with pytest.raises(ValueError, match=r"test\.fee_declared"):
        messages_register({"test.fee_declared": _("Something else")})

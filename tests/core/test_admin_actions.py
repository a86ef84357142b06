"""The one admin action helper: refusals per row, counts, skips, one-row actions, batches and
the confirmation step. The actions themselves are tested with their admin pages."""

from __future__ import annotations

from django.contrib import messages
from django.test import RequestFactory
from django.utils.translation import ngettext_lazy

from tapif.core.admin_actions import Confirmation, admin_action
from tapif.core.exceptions import DomainError

DONE = ngettext_lazy("%(count)d row done.", "%(count)d rows done.", "count")
LEFT = ngettext_lazy("%(count)d row left.", "%(count)d rows left.", "count")


class Admin:
    """What the helper needs of a ModelAdmin to apply an action: message_user."""

    def __init__(self) -> None:
        self.said: list[tuple[int, str]] = []

    def message_user(self, request, message, level=messages.INFO) -> None:
        self.said.append((level, str(message)))


def post(**data):
    return RequestFactory().post("/admin/", {"action": "go", **data})


def refuse(*refused):
    def call(row):
        if row in refused:
            raise DomainError(f"no {row}")
        return row

    return call


def test_each_refusal_names_its_row_and_the_others_are_counted():
    admin, calls = Admin(), []

    admin_action(
        admin,
        post(),
        [1, 2, 3],
        call=lambda row: calls.append(row) or refuse(2)(row),
        refused="%(row)s: not done: %(reason)s",
        names=lambda row: {"row": f"#{row}"},
        done=DONE,
    )

    assert calls == [1, 2, 3]
    assert admin.said == [
        (messages.WARNING, "#2: not done: no 2"),
        (messages.SUCCESS, "2 rows done."),
    ]


def test_skipped_rows_are_not_called_and_counted_last():
    admin = Admin()

    admin_action(
        admin, post(), [1, 2, 3], skip=lambda row: row > 1, call=refuse(), done=DONE, skipped=LEFT
    )

    assert admin.said == [(messages.SUCCESS, "1 row done."), (messages.INFO, "2 rows left.")]


def test_nothing_done_says_nothing_but_the_refusals():
    admin = Admin()

    admin_action(admin, post(), [1], call=refuse(1), done=DONE, refused_level=messages.ERROR)

    assert admin.said == [(messages.ERROR, "no 1")]  # without `refused`: the error's text


def test_done_counted_per_tally():
    admin = Admin()
    odd = ngettext_lazy("%(count)d odd.", "%(count)d odd.", "count")
    even = ngettext_lazy("%(count)d even.", "%(count)d even.", "count")

    admin_action(
        admin,
        post(),
        [1, 2, 3],
        call=lambda row: row,
        tally=lambda result: result % 2,
        done={0: even, 1: odd},
    )

    assert admin.said == [(messages.SUCCESS, "1 even."), (messages.SUCCESS, "2 odd.")]


def test_exactly_one_refuses_several_rows_and_calls_nothing():
    admin, calls = Admin(), []

    admin_action(admin, post(), [1, 2], exactly_one="Select one.", call=calls.append)

    assert calls == []
    assert admin.said == [(messages.WARNING, "Select one.")]


def test_a_batch_takes_every_row_at_once_and_reports_from_its_result():
    admin = Admin()

    admin_action(
        admin,
        post(),
        [1, 2],
        batch=sum,
        done=lambda total: [(f"total {total}", messages.SUCCESS), ("careful", messages.WARNING)],
    )

    assert admin.said == [(messages.SUCCESS, "total 3"), (messages.WARNING, "careful")]


def test_a_refused_batch_is_one_error():
    admin = Admin()

    def batch(rows):
        raise DomainError("refused, all of them")

    admin_action(admin, post(), [1, 2], batch=batch, done=lambda result: "never")

    assert admin.said == [(messages.ERROR, "refused, all of them")]


def test_a_confirmation_that_cannot_be_built_is_an_error_and_nothing_runs():
    admin, calls = Admin(), []

    def confirmation() -> Confirmation:
        raise DomainError("No places in this round.")

    response = admin_action(admin, post(), [1], confirm=confirmation, call=calls.append)

    assert response is None
    assert calls == []
    assert admin.said == [(messages.ERROR, "No places in this round.")]

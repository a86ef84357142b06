"""Reads of payments and bank lines that pages, the admin and exports share."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from candidates.models import Application
from payments.choices import PAID_OUTCOMES, TO_REFUND_OUTCOMES, UNSETTLED_OUTCOMES, LineOutcome
from payments.models import BankLine, Payment


def payments_of(application: Application) -> QuerySet[Payment]:
    """Every payment of the dossier the candidate may see, newest first (duplicates included:
    the candidate should know a second e-Transfer was received and will be refunded)."""
    return (
        Payment.objects.filter(application=application)
        .select_related("receipt", "bank_line")
        .order_by("-created_at", "-id")
    )


def bank_lines_unsettled(lines: QuerySet[BankLine] | None = None) -> QuerySet[BankLine]:
    """The lines staff still have to decide on: unmatched, suggested, wrong amount untold."""
    lines = BankLine.objects.all() if lines is None else lines
    return lines.filter(outcome__in=sorted(UNSETTLED_OUTCOMES))


#: The reconciliation's groups, in the report's order: each outcome belongs to exactly one.
RECONCILIATION_GROUPS: dict[str, frozenset[str]] = {
    "matched": frozenset(PAID_OUTCOMES),
    "to_refund": frozenset(TO_REFUND_OUTCOMES),
    "refunded": frozenset({LineOutcome.REFUNDED}),
    "returned": frozenset({LineOutcome.RETURNED}),
    "not_fee": frozenset({LineOutcome.NOT_FEE}),
    "unsettled": frozenset(UNSETTLED_OUTCOMES),
}


@dataclass(frozen=True)
class Tally:
    lines: int
    amount: Decimal


def reconciliation(lines: QuerySet[BankLine]) -> dict[str, Tally]:
    """What became of the money of `lines` (an import's, a campaign's): `received` (all), then
    each group of RECONCILIATION_GROUPS, counted and summed. One query."""
    rows = lines.order_by().values("outcome").annotate(n=Count("pk"), total=Sum("amount"))
    by_outcome = {row["outcome"]: Tally(row["n"], row["total"] or Decimal("0")) for row in rows}

    def tally(outcomes) -> Tally:
        found = [by_outcome[o] for o in outcomes if o in by_outcome]
        return Tally(sum(t.lines for t in found), sum((t.amount for t in found), Decimal("0")))

    report = {"received": tally(by_outcome)}
    report |= {group: tally(outcomes) for group, outcomes in RECONCILIATION_GROUPS.items()}
    return report

"""The reviewer statistics page (issue 22): who is harsh or lenient, agreement, disagreements;
for managers, the committee and auditors, never a reviewer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from selection.choices import ReviewStatus
from selection.models import Criterion, Review, Score
from selection.services import criteria_ensure
from tapif.core.models import Campaign, User
from tapif.core.roles import COMMITTEE_MEMBER, PROGRAMME_MANAGER
from tests.factories import StaffFactory
from tests.selection.review_dossiers import reviewable, scorer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open")]

STATISTICS = "/admin/review/statistics/"

#: Per dossier, reviewer → points on every criterion. Hugo and Alice agree; Marc is 2 points
#: (40 out of 100) below whoever reads with him; Léa 1 point (20) above.
SHEETS = [
    {"Hugo": 4, "Alice": 4},
    {"Hugo": 3, "Marc": 1},
    {"Alice": 4, "Marc": 2},
    {"Hugo": 2, "Léa": 3},
    {"Alice": 3, "Léa": 4},
    {"Marc": 1, "Hugo": 3},
]


@pytest.fixture
def campaign(reference_campaign) -> Campaign:
    criteria_ensure(reference_campaign)
    return reference_campaign


def member(role: str) -> User:
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)


def reviewed(campaign: Campaign):
    reviewers = {
        name: scorer(first_name=name, last_name="Lecteur")
        for name in ("Hugo", "Alice", "Marc", "Léa")
    }
    criteria = list(Criterion.objects.filter(campaign=campaign))
    dossiers = []
    for sheet in SHEETS:
        dossier = reviewable(campaign)
        dossiers.append(dossier)
        for name, points in sheet.items():
            review = Review.objects.create(
                application=dossier,
                reviewer=reviewers[name],
                status=ReviewStatus.SUBMITTED,
                score=Decimal(points * 20),
            )
            Score.objects.bulk_create(
                Score(review=review, criterion=c, points=points) for c in criteria
            )
    return dossiers, reviewers


def rows(response, table: str) -> list[list[str]]:
    import re

    html = response.content.decode()
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        found.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return found


def test_statistics_page_names_the_harsh_and_the_lenient_reviewer(client, campaign):
    dossiers, _reviewers = reviewed(campaign)
    client.force_login(member(PROGRAMME_MANAGER))

    response = client.get(STATISTICS, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    table = rows(response, "reviewer-figures")
    assert table[0][0] == "Reviewer"
    by_name = {row[0]: row for row in table[1:]}
    # Marc pulls the others up by comparison: harshest first.
    assert list(by_name) == ["Marc Lecteur", "Alice Lecteur", "Hugo Lecteur", "Léa Lecteur"]
    assert by_name["Marc Lecteur"][1:] == [
        "3",
        "26.67",
        "9.43",
        "3",
        "-40.00",
        "Harsher than the others on the same dossiers, by 40.00 points",
        "Not enough reviews to calibrate",
    ]
    assert by_name["Léa Lecteur"][6] == (
        "More lenient than the others on the same dossiers, by 20.00 points"
    )
    assert by_name["Hugo Lecteur"][-1] == "Not enough reviews to calibrate"
    agreement = rows(response, "agreement")
    assert agreement[1][0] == "Score (out of 100)"
    assert agreement[1][2] == "6"
    disagreed = rows(response, "most-disagreed")
    assert disagreed[1][:2] == [dossiers[1].number, "40.00"]
    html = response.content.decode()
    assert f'href="/admin/candidates/application/{dossiers[1].pk}/change/"' in html


def test_statistics_page_in_french(client, campaign):
    reviewed(campaign)
    client.force_login(member(COMMITTEE_MEMBER))

    response = client.get(STATISTICS, HTTP_ACCEPT_LANGUAGE="fr")

    html = response.content.decode()
    assert "Statistiques des évaluateurs" in html
    assert "Plus sévère que les autres sur les mêmes dossiers, de 40,00 points" in html
    assert "Pas assez d’évaluations pour calibrer" in html


def test_statistics_page_refused_to_reviewers_even_after_they_submit(client, campaign):
    _dossiers, reviewers = reviewed(campaign)
    client.force_login(reviewers["Marc"])

    assert client.get(STATISTICS).status_code == 403


def test_review_admin_links_the_statistics_for_managers_only(client, campaign):
    _dossiers, reviewers = reviewed(campaign)
    client.force_login(member(PROGRAMME_MANAGER))
    assert STATISTICS in client.get("/admin/selection/review/").content.decode()

    client.force_login(reviewers["Hugo"])
    assert STATISTICS not in client.get("/admin/selection/review/").content.decode()

"""`manage.py check_eligibility`: the committed sample, campaign choice and every error path.

The expected verdicts of the sample are in `eligibility_sample.expected.json`; the table below
says in words what each item checks. After a deliberate change of wording, regenerate the file
with the reference campaign's values and review the diff.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from candidates.eligibility import RULE_CODES, CampaignRules
from candidates.management.commands.check_eligibility import Command
from candidates.selectors import campaign_rules
from tapif.core.models import Campaign
from tests.factories import CampaignFactory

HERE = Path(__file__).parent
SAMPLE = HERE / "eligibility_sample.json"
EXPECTED = json.loads((HERE / "eligibility_sample.expected.json").read_text(encoding="utf-8"))

# (what the item is, eligible, failing rules, unknown rules), in the sample's order.
SAMPLE_CASES = [
    ("Canadian, enrolled, all conditions met", True, [], []),
    ("20th birthday on 2 October 2026", False, ["age"], []),
    ("36th birthday on 1 October 2026", False, ["age"], []),
    ("permanent resident, citizen of France (given as 'fr')", False, ["citizenship"], []),
    (
        "explicit campaign; permanent resident of DE on exchange abroad, graduated with an "
        "education degree, 35 years and 364 days, third participation",
        True,
        [],
        [],
    ),
    (
        "other citizenship, lives abroad, studied abroad",
        False,
        ["citizenship", "residence", "studies_in_canada"],
        [],
    ),
    ("born 29 February, stopped after 0 years, no experience or degree", False, ["education"], []),
    ("French A2, passport expires one day early", False, ["french_level", "passport"], []),
    (
        "fourth participation, not available on 1 October",
        False,
        ["participations", "availability"],
        [],
    ),
    (
        "permanent resident without country, graduated with teaching experience unknown, "
        "French null, no passport date",
        None,
        [],
        ["citizenship", "education", "french_level", "passport"],
    ),
    ("nothing known", None, [], list(RULE_CODES)),
    ("exactly 20 on 1 October, passport valid until the required day, level 'b1'", True, [], []),
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(reference_campaign: Campaign) -> Campaign:
    # Pin the country list: the sample's answers must not follow edits of the default list.
    reference_campaign.participating_countries = ["DE", "GB", "US"]
    reference_campaign.save(update_fields=["participating_countries"])
    return reference_campaign


def check(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("check_eligibility", *args, stdout=out)
    return json.loads(out.getvalue())


def write(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "facts.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def test_sample_has_one_expected_verdict_per_item(campaign):
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert len(sample) == len(EXPECTED) == len(SAMPLE_CASES) >= 8
    assert len(check(str(SAMPLE))) == len(sample)


@pytest.mark.parametrize(
    ("index", "case"), list(enumerate(SAMPLE_CASES)), ids=[c[0] for c in SAMPLE_CASES]
)
def test_sample_item_verdict(campaign, index, case):
    _label, eligible, failing, unknown = case
    verdict = check(str(SAMPLE))[index]
    assert verdict["eligible"] is eligible
    assert [r["rule"] for r in verdict["rules"] if r["status"] == "fail"] == failing
    assert [r["rule"] for r in verdict["rules"] if r["status"] == "unknown"] == unknown
    assert verdict == EXPECTED[index]


def test_output_keeps_french_characters_readable(campaign):
    out = io.StringIO()
    call_command("check_eligibility", str(SAMPLE), stdout=out)
    assert "1er octobre 2026" in out.getvalue()
    assert "\\u" not in out.getvalue()


def test_reads_stdin_for_a_dash(campaign, monkeypatch):
    facts = [{"date_of_birth": "2006-10-02"}, {"passport_expiry": "2027-10-30"}]
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(facts)))

    verdicts = check("-")

    assert [v["eligible"] for v in verdicts] == [False, None]
    assert verdicts[0]["rules"][0]["text"]["en"] == (
        "You must be 20 to 35 years old on 1 October 2026; you will be 19."
    )
    assert verdicts[1]["rules"][6]["status"] == "pass"


def test_empty_list_gives_an_empty_list(campaign, tmp_path):
    assert check(write(tmp_path, "[]")) == []


def test_campaign_key_chooses_the_campaign_and_its_dates(campaign, tmp_path):
    CampaignFactory(school_year="2027-2028", code="CA28", years=1)
    facts = {"date_of_birth": "2007-10-01", "passport_expiry": "2028-10-29"}
    path = write(tmp_path, json.dumps([{**facts, "campaign": "2027-2028"}, facts]))

    later, current = check(path)

    assert later["rules"][0]["status"] == "pass"
    assert later["rules"][0]["text"]["en"] == (
        "You will be 20 on 1 October 2027, within the 20 to 35 age limits."
    )
    assert later["rules"][6]["text"]["fr"].startswith(
        "Votre passeport doit être valide au moins jusqu’au 30 octobre 2028 ;"
    )
    assert current["rules"][0]["text"]["en"] == (
        "You must be 20 to 35 years old on 1 October 2026; you will be 19."
    )
    assert current["rules"][6]["status"] == "pass"


def test_permanent_residents_are_judged_on_the_campaigns_countries(campaign, tmp_path):
    campaign.participating_countries = ["ie", " NZ "]
    campaign.save(update_fields=["participating_countries"])
    resident = {"citizenship": "permanent_resident"}
    path = write(
        tmp_path,
        json.dumps([{**resident, "country_of_citizenship": c} for c in ("IE", "NZ", "DE")]),
    )

    statuses = [v["rules"][1]["status"] for v in check(path)]

    assert statuses == ["pass", "pass", "fail"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"date_of_birth": "2000-01-01"}',
            "{path}: expected a JSON list of fact sets, got an object",
        ),
        ('"facts"', "{path}: expected a JSON list of fact sets, got a string"),
        ("[{}, 3]", "item 1: expected an object of facts, got a number"),
        ("[[]]", "item 0: expected an object of facts, got a list"),
        ("[null]", "item 0: expected an object of facts, got null"),
        (
            '[{}, {}, {"dob": "2000-01-01"}]',
            "item 2, key 'dob': unknown key; expected one of date_of_birth, citizenship, "
            "country_of_citizenship, resides_in_canada, exchange_student_abroad, "
            "enrolment_status, university_years_completed, has_teaching_experience, "
            "has_education_degree, studies_mostly_in_canada, french_level, passport_expiry, "
            "previous_participations, available_from_contract_start",
        ),
        (
            '[{"pasport_expiry": "2030-01-01"}]',
            "item 0, key 'pasport_expiry': unknown key; did you mean 'passport_expiry'?",
        ),
        (
            '[{}, {"date_of_birth": "2006-02-30"}]',
            "item 1, key 'date_of_birth': '2006-02-30' is not a real date",
        ),
        (
            '[{"passport_expiry": "30/10/2027"}]',
            "item 0, key 'passport_expiry': expected a date written YYYY-MM-DD, got '30/10/2027'",
        ),
        (
            '[{"resides_in_canada": "yes"}]',
            "item 0, key 'resides_in_canada': expected true or false, got 'yes'",
        ),
        (
            '[{"previous_participations": true}]',
            "item 0, key 'previous_participations': expected a whole number, 0 or more, got True",
        ),
        (
            '[{"citizenship": "french"}]',
            "item 0, key 'citizenship': expected one of canadian, permanent_resident, other, "
            "got 'french'",
        ),
        (
            '[{"french_level": "native"}]',
            "item 0, key 'french_level': expected one of A1, A2, B1, B2, C1, C2, got 'NATIVE'",
        ),
        (
            '[{"campaign": 2026}]',
            "item 0, key 'campaign': expected a school year such as 2026-2027, got 2026",
        ),
        (
            '[{}, {"campaign": "1999-2000"}]',
            "item 1, key 'campaign': no campaign for the school year '1999-2000'",
        ),
    ],
)
def test_invalid_input_names_the_item_and_the_key(campaign, tmp_path, content, message):
    path = write(tmp_path, content)
    out = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("check_eligibility", path, stdout=out)

    assert str(caught.value) == message.format(path=path)
    assert out.getvalue() == ""  # all or nothing: no verdict for the valid items


def test_unreadable_file_is_an_error(campaign, tmp_path):
    missing = tmp_path / "missing.json"
    with pytest.raises(CommandError, match=r"^cannot read .*missing\.json: .*No such file"):
        call_command("check_eligibility", str(missing))


def test_file_that_is_not_utf8_is_an_error(campaign, tmp_path):
    path = write(tmp_path, b'[{"citizenship": "\xff"}]')
    with pytest.raises(CommandError, match=r"^cannot read .*facts\.json: 'utf-8' codec"):
        call_command("check_eligibility", path)


def test_file_that_is_not_json_is_an_error(campaign, tmp_path):
    path = write(tmp_path, '[{"date_of_birth": }]')
    with pytest.raises(CommandError) as caught:
        call_command("check_eligibility", path)
    assert str(caught.value) == f"{path} is not valid JSON: Expecting value (line 1, column 20)"


def test_without_a_current_campaign_items_must_name_one(campaign, tmp_path):
    Campaign.objects.update(is_current=False)
    path = write(tmp_path, '[{"campaign": "2026-2027"}, {}]')
    with pytest.raises(CommandError) as caught:
        call_command("check_eligibility", path)
    assert str(caught.value) == (
        "item 1, key 'campaign': no campaign is current; name one such as 2026-2027"
    )


def test_campaign_with_unusable_countries_is_an_error(campaign, tmp_path):
    campaign.participating_countries = ["Germany"]
    campaign.save(update_fields=["participating_countries"])
    with pytest.raises(CommandError) as caught:
        call_command("check_eligibility", write(tmp_path, "[{}]"))
    assert str(caught.value) == (
        "item 0, key 'campaign': campaign 2026-2027 has invalid rules: participating countries "
        "must be upper-case ISO codes: ['GERMANY']"
    )


def test_errors_go_to_stderr_with_a_non_zero_exit(campaign, tmp_path):
    path = write(tmp_path, '[{"french": "B2"}]')
    out, err = io.StringIO(), io.StringIO()
    command = Command(stdout=out, stderr=err)

    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["manage.py", "check_eligibility", "--skip-checks", path])

    assert exit_.value.code == 1
    assert (
        err.getvalue()
        == "CommandError: item 0, key 'french': unknown key; did you mean 'french_level'?\n"
    )
    assert out.getvalue() == ""


def test_help_is_bilingual():
    help_text = Command().create_parser("manage.py", "check_eligibility").format_help()
    assert "Check the eligibility of fact sets" in help_text
    assert "Vérifie l’admissibilité" in help_text


def test_campaign_rules_of_the_reference_campaign(campaign):
    assert campaign_rules(campaign) == CampaignRules(
        contract_start=dt.date(2026, 10, 1),
        min_age=20,
        max_age=35,
        passport_valid_until=dt.date(2027, 10, 30),
        max_participations=3,
        participating_countries=frozenset({"DE", "GB", "US"}),
    )


@pytest.mark.parametrize(
    ("countries", "expected"),
    [
        (["de", " us"], {"DE", "US"}),
        ([], set()),
        (None, set()),
        ("absent", set()),  # a campaign object from before the field existed
    ],
)
def test_campaign_rules_normalises_the_country_list(countries, expected):
    settings = {
        "contract_start": dt.date(2026, 10, 1),
        "min_age": 20,
        "max_age": 35,
        "passport_valid_until": dt.date(2027, 10, 30),
        "max_participations": 3,
    }
    if countries != "absent":
        settings["participating_countries"] = countries
    assert campaign_rules(SimpleNamespace(**settings)).participating_countries == expected

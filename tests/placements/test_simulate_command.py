"""`manage.py simulate_selection`: the committed sample, stdin, --indent and every error path.

The sample (`simulation_sample.json`, described in docs/selection.md) has 4 académies and 7
places for 14 candidates: two ties (one broken by the French level, one by the first criterion),
a couple placed together at the lower-ranked partner's turn, two returning assistants (one with a
positive evaluation), an ineligible dossier and a waitlist of 2. No database is used.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from placements.management.commands.simulate_selection import Command

HERE = Path(__file__).parent
SAMPLE = HERE / "simulation_sample.json"

# id: (rank, decision, waitlist position, académie, level, preference obtained), rank order.
EXPECTED = {
    "CA27-0008": (1, "waitlisted", 3, None, None, None),  # returning, positive evaluation
    "CA27-0001": (2, "accepted", None, "paris", "primary", 1),
    "CA27-0002": (3, "accepted", None, "paris", "secondary", 1),
    "CA27-0004": (4, "accepted", None, "nice", "secondary", 1),  # 84.00, C1
    "CA27-0003": (5, "accepted", None, "lyon", "secondary", 3),  # 84.00, B2
    "CA27-0005": (6, "accepted", None, "lille", "primary", 2),  # couple, higher partner
    "CA27-0007": (7, "accepted", None, "lyon", "primary", 1),
    "CA27-0006": (8, "accepted", None, "lille", "secondary", None),  # couple, lower partner
    "CA27-0011": (9, "waitlisted", 1, None, None, None),
    "CA27-0009": (10, "not_selected", None, None, None, None),  # returning, no evaluation
    "CA27-0012": (11, "waitlisted", 2, None, None, None),
    "CA27-0013": (12, "not_selected", None, None, None, None),  # waitlist full
    "CA27-0014": (13, "not_selected", None, None, None, None),
    "CA27-0010": (None, "ineligible", None, None, None, None),
}


def simulate(*args: str) -> dict:
    out = io.StringIO()
    call_command("simulate_selection", *args, stdout=out)
    return json.loads(out.getvalue())


def write(tmp_path: Path, content: str | dict) -> str:
    path = tmp_path / "round.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return str(path)


def minimal(**changes) -> dict:
    data = {
        "quotas": {"paris": {"primary": 1, "secondary": 1}},
        "waitlist_size": 1,
        "candidates": [
            {"id": "A", "score": 80, "eligible": True, "preferences": ["paris"]},
            {"id": "B", "score": 70, "eligible": True, "preferences": ["paris"]},
        ],
    }
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def result() -> dict:
    return simulate(str(SAMPLE))


@pytest.fixture(scope="module")
def by_id(result) -> dict[str, dict]:
    return {c["id"]: c for c in result["candidates"]}


# --- the sample ---------------------------------------------------------------------------------


def test_sample_outcomes_in_rank_order(result):
    got = {
        c["id"]: (
            c["rank"],
            c["decision"],
            c["waitlist_position"],
            c["academie"],
            c["level"],
            c["preference_obtained"],
        )
        for c in result["candidates"]
    }
    assert list(got) == list(EXPECTED)  # ranked in rank order, then the others by id
    assert got == EXPECTED


def test_every_outcome_has_the_documented_fields(result):
    fields = {
        "id",
        "rank",
        "decision",
        "waitlist_position",
        "academie",
        "level",
        "preference_obtained",
        "explanation",
        "flags",
    }
    assert set(result) == {"candidates", "academies", "totals"}
    assert all(set(c) == fields for c in result["candidates"])
    assert all(set(c["explanation"]) == {"en", "fr"} for c in result["candidates"])


def test_ties_broken_by_french_level_then_criteria(by_id):
    # 84.00 both: C1 before B2; 80.00 both (one written "80.00"), B2 both: 4 teaching points
    # before 3.
    assert by_id["CA27-0004"]["rank"] < by_id["CA27-0003"]["rank"]
    assert by_id["CA27-0005"]["rank"] < by_id["CA27-0007"]["rank"]


def test_explanation_names_who_took_the_better_preferences(by_id):
    third = by_id["CA27-0003"]
    assert third["explanation"]["en"] == (
        "Rank 5 of 13. Accepted. Placed in lyon (secondary), your 3rd preference. "
        "paris: the secondary place was taken by the candidate ranked 3. "
        "nice: the secondary place was taken by the candidate ranked 4."
    )
    assert "votre 3e vœu" in third["explanation"]["fr"]
    assert "prise par le candidat classé 3" in third["explanation"]["fr"]


def test_couple_placed_together_at_the_lower_partners_turn(by_id):
    # Rank 7 takes lyon's primary place before the couple's turn (rank 8): linking never moves
    # the higher-ranked partner earlier, so the couple goes to lille.
    for partner_id, partner_rank in (("CA27-0005", 8), ("CA27-0006", 6)):
        outcome = by_id[partner_id]
        assert outcome["flags"] == ["couple_together"]
        assert (
            f"Placed together with your partner (ranked {partner_rank})"
            in (outcome["explanation"]["en"])
        )
        assert "lyon: no place for both of you." in outcome["explanation"]["en"]
        assert "Affecté(e) avec votre partenaire" in outcome["explanation"]["fr"]


def test_returning_assistants(by_id):
    positive, negative = by_id["CA27-0008"], by_id["CA27-0009"]
    assert "behind every new candidate" in positive["explanation"]["en"]
    assert "derrière tous les nouveaux candidats" in positive["explanation"]["fr"]
    assert "need a positive evaluation" in negative["explanation"]["en"]


def test_ineligible_and_not_selected_explanations(by_id):
    assert by_id["CA27-0010"]["explanation"]["en"] == "Not eligible: the dossier was not ranked."
    assert (
        by_id["CA27-0010"]["explanation"]["fr"] == "Non éligible : le dossier n’a pas été classé."
    )
    assert "The waitlist (2) is full." in by_id["CA27-0013"]["explanation"]["en"]
    assert "Waitlisted, position 1." in by_id["CA27-0011"]["explanation"]["en"]
    assert "Sur liste d’attente, position 1." in by_id["CA27-0011"]["explanation"]["fr"]


def test_totals_and_academies(result):
    assert result["totals"] == {
        "places": 7,
        "accepted": 7,
        "placed": 7,
        "waitlisted": 3,
        "not_selected": 3,
        "ineligible": 1,
    }
    academies = result["academies"]
    assert sorted(academies) == ["lille", "lyon", "nice", "paris"]
    assert academies["paris"] == {
        "places": {"primary": 1, "secondary": 1},
        "filled": {"primary": 1, "secondary": 1},
        "cutoff_rank": {"primary": 2, "secondary": 3},
        "first_choice_requests": 5,
        "any_choice_requests": 8,
    }
    assert academies["nice"]["cutoff_rank"] == {"primary": None, "secondary": 4}
    assert academies["lyon"]["first_choice_requests"] == 4
    for totals in academies.values():
        for level in ("primary", "secondary"):
            assert totals["filled"][level] <= totals["places"][level]


def test_output_is_indented_json_with_readable_french():
    out = io.StringIO()
    call_command("simulate_selection", str(SAMPLE), stdout=out)
    text = out.getvalue()
    assert text.startswith('{\n  "candidates": [\n    {\n      "id": "CA27-0008"')
    assert "Affecté(e) à paris" in text
    assert "\\u" not in text
    json.loads(text)


@pytest.mark.parametrize(("indent", "prefix"), [("0", '{"candidates": [{"id"'), ("4", '{\n    "')])
def test_indent_option(indent, prefix, result):
    out = io.StringIO()
    call_command("simulate_selection", str(SAMPLE), "--indent", indent, stdout=out)
    assert out.getvalue().startswith(prefix)
    assert json.loads(out.getvalue()) == result
    if indent == "0":
        assert "\n" not in out.getvalue().rstrip("\n")


def test_negative_indent_is_an_error():
    with pytest.raises(CommandError, match=r"^--indent must be 0 or more, got -1$"):
        call_command("simulate_selection", str(SAMPLE), "--indent", "-1", stdout=io.StringIO())


def test_reads_stdin_for_a_dash(monkeypatch, result):
    monkeypatch.setattr("sys.stdin", io.StringIO(SAMPLE.read_text("utf-8")))
    assert simulate("-") == result


def test_input_order_does_not_change_the_result(tmp_path, result):
    data = json.loads(SAMPLE.read_text("utf-8"))
    data["candidates"].reverse()
    assert simulate(write(tmp_path, data)) == result


def test_empty_candidate_list(tmp_path):
    output = simulate(write(tmp_path, minimal(candidates=[])))
    assert output["candidates"] == []
    assert output["totals"]["places"] == 2
    assert output["totals"]["accepted"] == 0


def test_minimal_input_uses_the_documented_defaults(tmp_path):
    # No campaign, no school_level ("either"), no partner, no criteria, no French level.
    output = simulate(write(tmp_path, minimal()))
    assert [(c["id"], c["academie"], c["level"]) for c in output["candidates"]] == [
        ("A", "paris", "secondary"),
        ("B", "paris", "primary"),
    ]


# --- errors -------------------------------------------------------------------------------------


def candidate(**fields) -> dict:
    return {"id": "X", "score": 50, "eligible": True, **fields}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], 'expected a JSON object with "quotas", "waitlist_size" and "candidates", got a list'),
        (
            minimal(waitlist=3),
            "key 'waitlist': unknown key 'waitlist'; did you mean 'waitlist_size'?",
        ),
        ({"quotas": {}, "candidates": []}, "key 'waitlist_size': missing"),
        (
            minimal(waitlist_size="two"),
            "key 'waitlist_size': expected a whole number, 0 or more, got 'two'",
        ),
        (
            minimal(waitlist_size=-1),
            "key 'waitlist_size': expected a whole number, 0 or more, got -1",
        ),
        (
            minimal(quotas=[1]),
            'key \'quotas\': expected an object {ACADEMIE: {"primary": n, "secondary": n}}, '
            "got a list",
        ),
        (
            minimal(quotas={"lyon": 3}),
            'quotas, académie \'lyon\': expected {"primary": n, "secondary": n}, got a number',
        ),
        (
            minimal(quotas={"lyon": {"primary": 1, "secondary": 1, "college": 2}}),
            "quotas, académie 'lyon', key 'college': unknown key 'college'; expected one of "
            "primary, secondary",
        ),
        (
            minimal(quotas={"lyon": {"primary": 1}}),
            "quotas, académie 'lyon', key 'secondary': missing",
        ),
        (
            minimal(quotas={"lyon": {"primary": 1.5, "secondary": 1}}),
            "quotas, académie 'lyon', key 'primary': expected a whole number, 0 or more, got 1.5",
        ),
        (
            minimal(campaign=2026),
            "key 'campaign': expected a campaign code such as '2026-2027', got 2026",
        ),
        (
            minimal(tie_break_criteria=["motivation", "motivation"]),
            "key 'tie_break_criteria': listed more than once: motivation",
        ),
        (minimal(candidates={"id": "A"}), "key 'candidates': expected a list, got an object"),
        (minimal(candidates=["A"]), "candidates[0]: expected an object, got a string"),
        (
            minimal(candidates=[{"score": 50, "eligible": True}]),
            "candidates[0], key 'id': expected a non-empty text, missing",
        ),
        (
            minimal(candidates=[candidate(), {"id": 7, "eligible": True}]),
            "candidates[1], key 'id': expected a non-empty text, got 7",
        ),
        (
            minimal(candidates=[candidate(prefs=["paris"])]),
            "candidates[0] (X), key 'prefs': unknown key 'prefs'; did you mean 'preferences'?",
        ),
        (
            minimal(candidates=[{"id": "X", "score": 50}]),
            "candidates[0] (X), key 'eligible': missing (true or false)",
        ),
        (
            minimal(candidates=[candidate(eligible="yes")]),
            "candidates[0] (X), key 'eligible': expected true or false, got 'yes'",
        ),
        (
            minimal(candidates=[candidate(returning=1)]),
            "candidates[0] (X), key 'returning': expected true or false, got 1",
        ),
        (
            minimal(candidates=[candidate(score="high")]),
            "candidates[0] (X), key 'score': expected a number or null, got 'high'",
        ),
        (
            minimal(candidates=[candidate(score=True)]),
            "candidates[0] (X), key 'score': expected a number or null, got true",
        ),
        (
            minimal(candidates=[candidate(school_level="college")]),
            "candidates[0] (X), key 'school_level': expected one of primary, secondary, either, "
            "got 'college'",
        ),
        (
            minimal(candidates=[candidate(couple="always")]),
            "candidates[0] (X), key 'couple': expected one of together_only, together_preferred, "
            "got 'always'",
        ),
        (
            minimal(candidates=[candidate(preferences="paris")]),
            "candidates[0] (X), key 'preferences': expected a list of académie codes, got 'paris'",
        ),
        (
            minimal(candidates=[candidate(preferences=["paris", "lyon", "nice", "lille"])]),
            "candidates[0] (X), key 'preferences': at most 3 académies, got 4",
        ),
        (
            minimal(candidates=[candidate(preferences=["paris", "paris"])]),
            "candidates[0] (X), key 'preferences': listed more than once: paris",
        ),
        (
            minimal(candidates=[candidate(french_level="fluent")]),
            "candidates[0] (X), key 'french_level': expected one of A1, A2, B1, B2, C1, C2 or "
            "null, got 'fluent'",
        ),
        (
            minimal(candidates=[candidate(criteria=[3])]),
            "candidates[0] (X), key 'criteria': expected an object of criterion points, got a list",
        ),
        (
            minimal(candidates=[candidate(criteria={"motivaton": 3})]),
            "candidates[0] (X), key 'criteria': unknown criterion 'motivaton'; did you mean "
            "'motivation'?",
        ),
        (
            minimal(candidates=[candidate(criteria={"motivation": 3.5})]),
            "candidates[0] (X), key 'criteria': the criterion 'motivation' needs whole points or "
            "null, got 3.5",
        ),
        (
            minimal(candidates=[candidate(), candidate(id="Y"), candidate()]),
            "candidates[2] (X), key 'id': the same id as candidates[0]",
        ),
        (
            minimal(candidates=[candidate(), candidate(id="Y", partner="Z")]),
            "candidates[1] (Y), key 'partner': no candidate has the id 'Z'",
        ),
        (
            minimal(candidates=[candidate(partner="X")]),
            "candidates[0] (X), key 'partner': a candidate cannot be their own partner",
        ),
        (
            minimal(candidates=[candidate(), candidate(id="Y", partner="X")]),
            "candidates[1] (Y), key 'partner': X (candidates[0]) names no partner, not 'Y'",
        ),
        (
            minimal(candidates=[candidate(partner=5)]),
            "candidates[0] (X), key 'partner': expected a candidate id or null, got 5",
        ),
    ],
)
def test_invalid_input_names_the_place_and_the_key(tmp_path, data, message):
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("simulate_selection", write(tmp_path, data), stdout=out)
    assert str(caught.value) == message
    assert out.getvalue() == ""  # all or nothing


def test_file_that_is_not_json_names_line_and_column(tmp_path):
    path = write(tmp_path, '{\n  "quotas": {},\n  "waitlist_size": ,\n}')
    with pytest.raises(CommandError) as caught:
        call_command("simulate_selection", path, stdout=io.StringIO())
    assert str(caught.value) == f"{path} is not valid JSON: Expecting value (line 3, column 20)"


def test_stdin_that_is_not_json(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("quotas: 3"))
    with pytest.raises(CommandError, match=r"^- is not valid JSON: .*\(line 1, column 1\)$"):
        call_command("simulate_selection", "-", stdout=io.StringIO())


def test_unreadable_file_is_an_error(tmp_path):
    missing = tmp_path / "missing.json"
    with pytest.raises(CommandError, match=r"^cannot read .*missing\.json: .*No such file"):
        call_command("simulate_selection", str(missing))


def test_file_that_is_not_utf8_is_an_error(tmp_path):
    path = tmp_path / "round.json"
    path.write_bytes(b'{"quotas": "\xff"}')
    with pytest.raises(CommandError, match=r"^cannot read .*round\.json: 'utf-8' codec"):
        call_command("simulate_selection", str(path))


def test_errors_go_to_stderr_with_a_non_zero_exit(tmp_path):
    path = write(tmp_path, minimal(candidates=[candidate(partner="Z")]))
    out, err = io.StringIO(), io.StringIO()
    command = Command(stdout=out, stderr=err)

    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["manage.py", "simulate_selection", "--skip-checks", path])

    assert exit_.value.code == 1
    assert err.getvalue() == (
        "CommandError: candidates[0] (X), key 'partner': no candidate has the id 'Z'\n"
    )
    assert out.getvalue() == ""


def test_help_describes_the_format():
    help_text = Command().create_parser("manage.py", "simulate_selection").format_help()
    help_text = " ".join(help_text.split())  # argparse wraps lines where it likes
    for words in (
        '"quotas"',
        '"waitlist_size"',
        '"candidates"',
        'explanation {"en", "fr"}',
        "--indent",
    ):
        assert words in help_text
    assert "docs/selection.md" in help_text
    assert "Simule un tour de sélection" in help_text

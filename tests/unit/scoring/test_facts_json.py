"""The facts JSON contract: defaults, and refusals that name the field at fault."""

from __future__ import annotations

import copy
import json

import pytest

from scoring import FactsError, parse_facts
from tests.unit.scoring.helpers import complaint, facts, person, score


def good() -> dict:
    return facts(
        people=[person("a"), person("li", roles=["supervisor"]), person("b", unit="gate")],
        complaints=[complaint("c1", "a", 3), complaint("c2", "b", 4, "spot_check", "other")],
        breaches=[{"id": "b1", "owner": "li", "complaint": "c1", "clock": "respond",
                   "at": "2026-11-03T09:30:00+08:00"}],
        praise={"a": 2},
        nominations={"invoicing": "a"},
        history={"stars": {"a": ["2026-10"]}, "worst": {"gone": ["2026-01"]}},
        adjustments=[{"person": "a", "points": -5, "corrects": "2026-10/c7", "reason": "申诉成立"}],
    )


def broken(path: str, value) -> dict:
    """``good()`` with one value replaced (``"del"`` removes the key)."""
    data = copy.deepcopy(good())
    *keys, last = path.split("/")
    node = data
    for key in keys:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value == "del":
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


def test_good_facts_parse():
    parsed = parse_facts(good())
    assert parsed.month == "2026-11"
    assert [c.id for c in parsed.complaints] == ["c1", "c2"]
    assert parsed.complaints[0].supervisor == "li"  # defaults to the person's


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("month", "2026-13", "month: not a month YYYY-MM"),
        ("month", "2026-1", "month: not a month YYYY-MM"),
        ("month", 202611, "month: not a month YYYY-MM"),
        ("month", "del", "month: missing key"),
        ("colour", "red", "colour: unknown key"),
        ("people", {"a": 1}, "people: not a list"),
        ("people/0/id", "", "people[0].id: not a non-empty string"),
        ("people/1/id", "a", "people[1].id: duplicate id 'a'"),
        ("people/0/roles", "staff", "people[0].roles: not a list"),
        ("people/0/roles", [3], "people[0].roles[0]: not a non-empty string"),
        ("people/0/unit", 7, "people[0].unit: not a non-empty string"),
        ("complaints/1/id", "c1", "complaints[1].id: duplicate id 'c1'"),
        ("complaints/0/against", "nobody", "complaints[0].against: unknown person 'nobody'"),
        ("complaints/0/against", None, "complaints[0].against: not a non-empty string"),
        ("complaints/1/source", "phone", "complaints[1].source: unknown source 'phone'"),
        ("complaints/1/source", ["customer"], "complaints[1].source: unknown source"),
        ("complaints/0/category", "rude", "complaints[0].category: unknown category 'rude'"),
        ("complaints/0/verified_at", "yesterday",
         "complaints[0].verified_at: not an ISO 8601 time"),
        ("complaints/0/verified_at", "del", "complaints[0].verified_at: not an ISO 8601 time"),
        ("complaints/0/verified_at", "2026-12-01T00:00:00+08:00",
         "complaints[0].verified_at: 2026-12-01T00:00:00+08:00 is outside 2026-11"),
        ("complaints/0/verified_at", "2026-10-31T23:59:59+08:00",
         "complaints[0].verified_at: 2026-10-31T23:59:59+08:00 is outside 2026-11"),
        ("complaints/0/verified_at", "2026-11-30T16:00:00Z",  # 12-01 00:00 in Shanghai
         "is outside 2026-11 (Asia/Shanghai)"),
        ("complaints/0/supervisor", 5, "complaints[0].supervisor: not a non-empty string"),
        ("breaches/0/id", None, "breaches[0].id: not a non-empty string"),
        ("breaches/0/owner", "", "breaches[0].owner: not a non-empty string"),
        ("breaches/0/at", "2026-10-03T09:30:00+08:00", "breaches[0].at: "),
        ("praise/nobody", 3, "praise.nobody: unknown person"),
        ("praise/a", -1, "praise.a: below 0"),
        ("praise/a", True, "praise.a: not an integer"),
        ("praise/a", 1.5, "praise.a: not an integer"),
        ("nominations/nowhere", "a", "nominations.nowhere: unknown unit"),
        ("nominations/invoicing", "ghost", "nominations.invoicing: unknown person 'ghost'"),
        ("history/medals", {}, "history.medals: unknown key"),
        ("history/stars/a", "2026-10", "history.stars.a: not a list"),
        ("history/worst/gone/0", "last year", "history.worst.gone[0]: not a month"),
        ("adjustments/0/points", "5", "adjustments[0].points: not an integer"),
        ("adjustments/0/corrects", "del", "adjustments[0].corrects: not a non-empty string"),
        ("adjustments/0/person", None, "adjustments[0].person: not a non-empty string"),
        # A breach or an adjustment of someone not in people would print his id as a person.
        ("adjustments/0/person", "gone", "adjustments[0].person: unknown person 'gone'"),
        ("breaches/0/owner", "ghost", "breaches[0].owner: unknown person 'ghost'"),
    ],
)
def test_refused_naming_the_field(path, value, message):
    with pytest.raises(FactsError) as exc:
        parse_facts(broken(path, value))
    text = str(exc.value)
    assert message in text
    assert "\n" not in text


def test_score_refuses_a_ghost_in_the_third_adjustment_exit_2(tmp_path, capsys):
    from jiandu.cli import main

    data = good()
    data["adjustments"] += [{"person": "b", "points": 1, "corrects": "2026-10/c8"},
                            {"person": "ghost", "points": 3, "corrects": "2026-10/c9"}]
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["score", "--facts", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # nothing printed as a result
    assert "adjustments[2].person: unknown person 'ghost'" in err and len(err.strip().splitlines()) == 1


def test_facts_must_be_an_object():
    with pytest.raises(FactsError, match="^facts: not an object"):
        parse_facts([])


def test_optional_keys_default_to_empty():
    result = score({"month": "2026-11", "people": [{"id": "a", "unit": "gate"}]})
    a = result["people"]["a"]
    assert (a["name"], a["deductions"], a["score"], a["lines"]) == ("a", 0, 100, [])
    assert result["stars"] == {"gate": {
        "person": None, "streak": 0, "reward": 0, "tied": [],
        "reason": result["stars"]["gate"]["reason"],
        "reason_zh": result["stars"]["gate"]["reason_zh"],
        "reason_en": result["stars"]["gate"]["reason_en"]}}


def test_null_collections_are_empty():
    data = {"month": "2026-11", "people": None, "complaints": None, "praise": None,
            "history": None}
    assert score(data)["people"] == {}


def test_roles_default_to_staff():
    (p,) = parse_facts({"month": "2026-11", "people": [{"id": "a"}]}).people
    assert p.roles == ("staff",) and p.unit is None and p.supervisor is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-11-01T00:00:00+08:00", 1),
        ("2026-10-31T16:00:00+00:00", 1),  # midnight in Shanghai
        ("2026-10-31T16:00:00Z", 1),
        ("2026-11-30T15:59:59Z", 30),
        ("2026-11-15T10:00:00", 15),  # no offset: Shanghai time
        ("2026-11-15T10:00:00.250+08:00", 15),
    ],
)
def test_times_are_read_in_shanghai(text, day):
    data = facts(people=[person("a")], complaints=[{**complaint("c1", "a", 1),
                                                    "verified_at": text}])
    at = parse_facts(data).complaints[0].verified_at
    assert (at.month, at.day, str(at.tzinfo)) == (11, day, "Asia/Shanghai")


def test_supervisor_explicit_null_means_nobody():
    data = facts(people=[person("a", supervisor="li")],
                 complaints=[complaint(f"c{i}", "a", i, supervisor=None) for i in (1, 2, 3)])
    people = score(data)["people"]
    assert people["li"]["lines"] == []
    assert people["wang"]["deductions"] == 3


def test_unknown_record_keys_are_ignored():
    data = good()
    data["complaints"][0]["note"] = "exported with more columns"
    data["people"][0]["phone"] = "—"
    assert score(data)["people"]["a"]["complaints"] == 1


def test_result_contract_keys():
    result = score(good())
    assert set(result) >= {"month", "policy_version", "people", "stars", "units"}
    assert set(result["people"]["a"]) >= {
        "deductions", "score", "reward", "fine", "criticism", "worst", "worst_count",
        "dismissal_recommended", "lines"}
    assert set(result["people"]["a"]["lines"][0]) >= {"rule", "points", "money", "source",
                                                      "reason"}
    assert set(result["stars"]["invoicing"]) >= {"person", "streak", "reward", "reason"}
    assert set(result["units"]["invoicing"]) >= {"staff", "complaints", "deductions", "rank"}
    assert len(result["policy_version"]) == 12


@pytest.mark.parametrize("text,why", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"month": "2026-11", "people": [], "x": ' + "9" * 100_000 + "}", "too many digits"),
    ('{"month": "2026-11", "people": [], "x": 1e999999}', None),  # a float: inf, refused by the fields
])
def test_score_refuses_json_python_cannot_read_with_one_line(tmp_path, capsys, text, why):
    """Issue 22.9: a deeply nested document and a 100,000-digit integer were exit 1 (RecursionError,
    ValueError): bad input is exit 2, one line naming the file."""
    from jiandu.cli import main

    path = tmp_path / "facts.json"
    path.write_text(text, encoding="utf-8")
    assert main(["score", "--facts", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "internal error" not in err
    if why:
        assert f"--facts: {path}: not valid JSON 非法 JSON: {why}" in err

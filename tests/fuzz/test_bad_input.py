"""Bad input: hypothesis-driven fuzzing of every door that takes a file, a JSON body or argv.

1. the organisation file (mutations of config/org.sample.yaml): OrgFileError naming the line, or
   a loaded organisation; on refusal nothing of the directory changed (both databases);
2. the facts JSON: FactsError or MonthFacts; then score_month, the result JSON and the facts
   round trip never raise;
3. the policy file (mutations of config/policy.toml): PolicyError or a Policy that scores;
4. the CLI: argv built from the real commands and options with random values, through
   ``jiandu.cli.main`` on a sample database: exit 0 or 2 (one line on stderr), never 1;
5. the API: random JSON for POST /api/complaints and /api/complaints/{id}/advance with a valid
   bearer token: status < 500, 4xx bodies carry ``detail``, nothing written on refusal.

Cases per target are counted (tests/fuzz/conftest.py prints them at the end of the session).
Examples are random on every run (no example database); a failure prints its reproduction blob.
JIANDU_FUZZ_SCALE=10 runs ten times as many cases; JIANDU_FUZZ_LOG=FILE logs every CLI case.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT, SAMPLE_ORG
from tests.fuzz.counts import tally

SCALE = float(os.environ.get("JIANDU_FUZZ_SCALE", "1"))
LOG = os.environ.get("JIANDU_FUZZ_LOG")  # a file: every CLI case, its exit code and stderr (JSON lines)


# Shrinking a database case can take minutes: off unless asked for (JIANDU_FUZZ_SHRINK=1).
PHASES = [p for p in Phase if p is not Phase.shrink or os.environ.get("JIANDU_FUZZ_SHRINK")]


def db_name(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgres"


def fuzz(examples: int):
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True, phases=PHASES)


# ---- values: the usual suspects ------------------------------------------------------------

NASTY = ["", " ", "  x  ", "\x00", "a\x00b", "\x07", "\x1b[31m", "\udcff", "a\ud800b", "\u202e", "\ufeff",
         "Ω≈ç√", "𝕏😀", "\n", "a\nb", "\r\n", "\t", "'", '"', "\\", "%s", "{}", "${x}", "../../etc/passwd",
         "null", "None", "~", "true", "no", "0", "-1", "0x1f", "1e309", "NaN", "-0", "²", "٣",
         "9" * 5000, "x" * 65, "x" * 201, "长" * 300, "x" * 20000, "<script>alert(1)</script>", "'; --",
         "--json", "-", "--", "-h", "2026-11", "2026-13", "0000-01", "9999-12"]
any_char = st.characters(exclude_categories=[])  # surrogates and controls included
texts = st.one_of(st.sampled_from(NASTY), st.text(max_size=20), st.text(any_char, max_size=8))
ints = st.one_of(st.integers(-3, 3), st.integers(), st.sampled_from([2**31 - 1, 2**31, 2**63, -(2**63) - 1,
                                                                    10**30, -(10**30), 10**4000]))
scalars = st.one_of(st.none(), st.booleans(), ints, st.floats(allow_nan=True, allow_infinity=True), texts)
json_values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(texts, c, max_size=3),
                           max_leaves=8)


def _slots(node) -> list[tuple[object, object]]:
    """Every (container, key) of a JSON/YAML tree, depth first."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in list(items):
        out.append((node, key))
        out += _slots(value)
    return out


def mutate_tree(data, doc, values, references: dict[str, st.SearchStrategy] | None = None, most: int = 3):
    """1..most structural mutations: delete, retype, unknown reference, duplicate, extra or renamed key."""
    ops = ["delete", "retype", "duplicate", "extra_key", "rename_key", "swap"]
    ops += ["reference"] * 2 if references else []
    for _ in range(data.draw(st.integers(1, most), label="mutations")):
        slots = _slots(doc)
        if not slots:
            return data.draw(values, label="whole document")
        op = data.draw(st.sampled_from(ops), label="op")
        container, key = data.draw(st.sampled_from(slots), label="slot")
        if op == "delete":
            del container[key]
        elif op == "retype":
            container[key] = data.draw(values, label="value")
        elif op == "reference":
            refs = [(c, k) for c, k in slots if isinstance(c, dict) and k in references]
            if refs:
                container, key = data.draw(st.sampled_from(refs), label="reference slot")
                container[key] = data.draw(references[key], label="reference")
        elif op == "duplicate":
            lists = [c for c, _ in slots if isinstance(c, list) and c]
            if lists:
                target = data.draw(st.sampled_from(lists), label="list")
                target.append(copy.deepcopy(data.draw(st.sampled_from(target), label="item")))
        elif op in ("extra_key", "rename_key"):
            maps = [c for c, _ in slots if isinstance(c, dict)]
            target = data.draw(st.sampled_from(maps), label="mapping") if maps else container
            if isinstance(target, dict):
                new = data.draw(st.one_of(st.sampled_from(["id", "name", "Name", "code", "colour", "units",
                                                           "people", "unit", "month"]), texts), label="key")
                if op == "rename_key" and target:
                    old = data.draw(st.sampled_from(sorted(target, key=repr)), label="old key")
                    target[new] = target.pop(old)
                else:
                    target[new] = data.draw(values, label="value")
        elif op == "swap":
            other_container, other_key = data.draw(st.sampled_from(slots), label="other slot")
            try:
                container[key] = copy.deepcopy(other_container[other_key])
            except (KeyError, IndexError):
                pass
    return doc


JUNK = ["\t", ":", ": :", "- ", "-", "[", "]", "{", "}", "&a ", "*a", "*nope", "!!binary ",
        "!!python/object:os.system ", "!!set ", "? ", "? [a, b]\n: 1\n", "? !!set {a}\n: 1\n", "[" * 3000,
        "'", '"', "#", "%YAML 1.1\n", "---\n", "...\n", "<<: ", "<<: *a\n",
        "\\0", '"\\0"', '"\\ud800"', '"\\x07"', "\x85", "\ufeff", "\x00", "\x07", "1e400", "9" * 5000, "2026-11-03",
        "0001-01-01T00:00:00+01:00", "~", "null", "\n  ", "\n- ", "\r"]


def mutate_text(data, text: str, most: int = 2) -> str:
    """0..most line or character edits: duplicate, delete, insert junk, truncate, replace."""
    for _ in range(data.draw(st.integers(0, most), label="text edits")):
        lines = text.split("\n")
        op = data.draw(st.sampled_from(["dup_line", "del_line", "insert", "truncate", "replace"]), label="edit")
        if op in ("dup_line", "del_line") and lines:
            i = data.draw(st.integers(0, len(lines) - 1), label="line")
            lines[i:i + 1] = [lines[i], lines[i]] if op == "dup_line" else []
            text = "\n".join(lines)
        else:
            at = data.draw(st.integers(0, len(text)), label="at")
            junk = data.draw(st.one_of(st.sampled_from(JUNK), st.text(any_char, max_size=5)), label="junk")
            text = (text[:at] + junk + text[at:] if op == "insert" else text[:at] if op == "truncate"
                    else text[:at] + junk + text[at + 1:])
    return text


# ---- 1. the organisation file ------------------------------------------------------------------

SAMPLE_ORG_TEXT = SAMPLE_ORG.read_text(encoding="utf-8")
SAMPLE_ORG_DOC = yaml.safe_load(SAMPLE_ORG_TEXT)
PEOPLE = [p["id"] for p in SAMPLE_ORG_DOC["people"]]
UNITS = [u["code"] for u in SAMPLE_ORG_DOC["units"]]
WINDOWS = [w["code"] for u in SAMPLE_ORG_DOC["units"] for w in u.get("windows", [])]
POSITIONS = list(SAMPLE_ORG_DOC["positions"])
yaml_values = st.one_of(json_values, st.dates(), st.datetimes(), st.just(float("nan")))
unknown_names = st.one_of(st.sampled_from(["ghost", "xx", "", " ", "Zhangsan", "zhangsan ", " lizhu", "lizhu\t"]),
                          st.sampled_from(PEOPLE + UNITS + WINDOWS + POSITIONS), texts, st.integers())
ORG_REFERENCES = {key: unknown_names for key in
                  ("head", "leader", "unit", "supervisor", "position", "coordinator", "executor", "chairman",
                   "president_office", "calendar", "id", "code")}


def benign_edits(data, doc: dict) -> dict:
    """Edits a sound file may well have: other names, new and departed staff, calendars, contacts."""
    names = st.one_of(st.text(min_size=1, max_size=30), st.sampled_from(["长" * 200, "x" * 201, " 张三 ", "😀"]))
    for _ in range(data.draw(st.integers(1, 4), label="benign edits")):
        op = data.draw(st.sampled_from(["name", "leave", "join", "calendar", "contacts", "commitment"]))
        people, units = doc["people"], doc["units"]
        if op == "name":
            item = data.draw(st.sampled_from(people + units + list(doc["positions"].values())), label="named")
            item["name"] = data.draw(names, label="name")
        elif op == "leave" and len(people) > 12:
            people.pop(data.draw(st.integers(12, len(people) - 1), label="leaver"))
        elif op == "join":
            people.append({"id": data.draw(st.one_of(st.sampled_from(["newbie", "x" * 64, "x" * 65, "中文编号"]),
                                                     st.text(min_size=1, max_size=10)), label="new id"),
                           "name": data.draw(names, label="new name"),
                           "unit": data.draw(st.sampled_from([*UNITS, None]), label="new unit")})
        elif op == "calendar":
            windows = [w for u in units for w in u.get("windows", [])]
            data.draw(st.sampled_from(windows), label="window")["calendar"] = data.draw(
                st.sampled_from(["all_hours", "business", None, "Business"]), label="calendar")
        elif op == "contacts":
            data.draw(st.sampled_from(people), label="person")["contacts"] = data.draw(
                st.dictionaries(st.sampled_from(["email", "wecom", "phone"]), st.one_of(texts, st.integers())),
                label="contacts")
        else:
            position = data.draw(st.sampled_from(list(doc["positions"].values())), label="position")
            position["commitments"].append(data.draw(st.one_of(texts, st.just("多行\n承诺")), label="commitment"))
    return doc


@st.composite
def org_files(draw) -> bytes:
    """A mutation of the sample organisation file, as the bytes of a file."""
    how = draw(st.sampled_from(["benign", "benign", "tree", "tree", "tree", "text", "both", "raw"]))
    if how == "raw":
        return draw(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
    text = SAMPLE_ORG_TEXT
    if how == "benign":
        doc = benign_edits(draw(st.data()), copy.deepcopy(SAMPLE_ORG_DOC))
        text = yaml.safe_dump(doc, allow_unicode=draw(st.booleans()), sort_keys=False, width=1000)
    if how in ("tree", "both"):
        doc = mutate_tree(draw(st.data()), copy.deepcopy(SAMPLE_ORG_DOC), yaml_values, ORG_REFERENCES)
        try:
            text = yaml.safe_dump(doc, allow_unicode=draw(st.booleans()), sort_keys=False,
                                  default_flow_style=draw(st.sampled_from([False, None])), width=1000)
        except (yaml.YAMLError, ValueError):  # a value PyYAML cannot write (e.g. a 5000-digit int)
            text = SAMPLE_ORG_TEXT
    if how in ("text", "both"):
        text = mutate_text(draw(st.data()), text)
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 30)) == 0:  # not UTF-8
        raw = b"\xff\xfe" + raw
    return raw


def org_state(db) -> tuple:
    """The directory as ``jiandu org show --all`` gives it, plus every row of the org tables."""
    from sqlalchemy import select

    from core.org import OrgLoad, Person, Position, Unit, Window
    from core.orgservice import org_snapshot

    with db.reading() as s:
        rows = {m.__tablename__: [tuple(r) for r in s.execute(select(m.__table__).order_by(
                *m.__table__.primary_key.columns))] for m in (Position, Unit, Window, Person, OrgLoad)}
    return org_snapshot(db, include_inactive=True), rows


def check_loaded(db, text: str) -> None:
    """A load that succeeded left the file's people and units, and a directory that holds together."""
    from core.orgfile import parse_org

    spec = parse_org(text)
    org = holds_together(db)
    assert {p["id"] for p in org["people"]} == {p.id for p in spec.people}
    assert {u["code"] for u in org["units"]} == {u.code for u in spec.units}


def holds_together(db) -> dict:
    """Every reference of the active directory points at something still active; the directory."""
    from core.orgservice import org_snapshot

    org = org_snapshot(db)
    people, units = {p["id"] for p in org["people"]}, {u["code"] for u in org["units"]}
    for u in org["units"]:
        assert u["head"] is None or u["head"] in people, u
        assert u["leader"] is None or u["leader"] in people, u
        assert all(w["position"] in org["positions"] for w in u["windows"]), u
    for p in org["people"]:
        assert p["supervisor"] is None or p["supervisor"] in people, p
        assert p["unit"] is None or p["unit"] in units, p
        assert p["roles"], p
    return org


@pytest.mark.db
def test_org_file(org_db, db_url, tmp_path):
    from core.errors import OrgFileError
    from core.orgservice import load_org_file

    target = f"org[{db_name(db_url)}]"
    path = tmp_path / "org.yaml"

    @fuzz(180)
    @given(raw=org_files())
    def case(raw: bytes):
        path.write_bytes(raw)
        before = org_state(org_db)
        try:
            load_org_file(org_db, path, datetime(2026, 11, 1, tzinfo=UTC))
        except OrgFileError as exc:
            tally(target, "refused")
            message = str(exc)
            assert "\n" not in message and "\r" not in message, message
            assert re.match(r"^org\.yaml:\d+: \S", message) or message.startswith(f"{path}: "), message
            after = org_state(org_db)
            assert after == before, f"refused but changed: {message}"
            return
        tally(target, "loaded")
        check_loaded(org_db, raw.decode("utf-8"))

    case()


# ---- 2. the facts JSON ------------------------------------------------------------------------

SH = timezone(timedelta(hours=8))
FACT_IDS = ["zhangsan", "lisi", "li", "wang", "chen", "xiaowang", "xiaoli", "ghost", "张三"]
FACT_UNITS = ["invoicing", "gate", "sales", None]
EXTREME_TIMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-10:00", "0001-01-01", "9999-12-31T23:59:59",
                 "2026-11-31T10:00", "2026-11-03T24:00", "2026-11-03T10:00:00+24:00", "2026-11-03 10:00",
                 "20261103T100000", "2026-W45-2", "", "now", "2026-11-03T10:00:00.123456789+08:00"]


@st.composite
def times_in(draw, month: str):
    """An ISO time near the month: inside, at both edges, just outside, any offset, or nonsense."""
    year, mon = int(month[:4]), int(month[5:7])
    if not 1 <= year <= 9998 or draw(st.integers(0, 8)) == 0:
        return draw(st.sampled_from(EXTREME_TIMES))
    start = datetime(year, mon, 1, tzinfo=SH)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=SH)
    at = draw(st.sampled_from([start, end - timedelta(seconds=1), end, start - timedelta(seconds=1)])
              | st.integers(0, int((end - start).total_seconds()) - 1).map(lambda s: start + timedelta(seconds=s)))
    offset = draw(st.sampled_from([None, 8, 0, -10, 14, 5.75]))
    if offset is None:
        return at.replace(tzinfo=None).isoformat()
    return at.astimezone(timezone(timedelta(hours=offset))).isoformat()


@st.composite
def facts_docs(draw) -> dict:
    month = draw(st.sampled_from(["2026-11", "2026-01", "2025-12", "1970-01", "2999-12", "0000-01", "9999-12"]))
    ids = draw(st.lists(st.sampled_from(FACT_IDS), max_size=6, unique=True))
    pick = lambda pool, label: draw(st.sampled_from(pool), label=label)  # noqa: E731
    people = [{"id": i, "name": pick([i, "张三", None], "name"), "unit": pick(FACT_UNITS, "unit"),
               "supervisor": pick([*ids, None, "boss"], "supervisor"), "leader": pick([*ids, None], "leader"),
               "roles": draw(st.lists(st.sampled_from(["staff", "supervisor", "leader", "x"]), max_size=2))}
              for i in ids]
    for p in people:
        for key in ("name", "unit", "supervisor", "leader", "roles"):
            if draw(st.integers(0, 4)) == 0:
                del p[key]
    complaints = []
    for n in range(draw(st.integers(0, 8)) if ids else 0):
        c = {"id": f"c{n}", "against": pick(ids, "against"), "source": pick(["customer", "coordination",
                                                                             "spot_check"], "source"),
             "category": pick(["attitude", "dispute", "other"], "category"),
             "verified_at": draw(times_in(month))}
        for key in ("supervisor", "leader"):
            choice = draw(st.integers(0, 3))
            if choice == 1:
                c[key] = None
            elif choice == 2:
                c[key] = pick([*ids, "boss"], key)
        complaints.append(c)
    breaches = [{"id": f"b{n}", "owner": pick([*ids, "boss"], "owner"), "complaint": pick([None, "c0"], "bc"),
                 "clock": pick([None, "respond", "resolve"], "clock"),
                 "at": draw(st.one_of(st.none(), times_in(month)))} for n in range(draw(st.integers(0, 3)))]
    units = sorted({p.get("unit") for p in people if p.get("unit")})
    doc = {"month": month, "people": people, "complaints": complaints, "breaches": breaches,
           "praise": {i: draw(st.integers(0, 5) | ints) for i in draw(st.lists(st.sampled_from(ids), unique=True))}
           if ids else {},
           "nominations": {u: pick([*ids, None], "nominee") for u in units if draw(st.booleans())},
           "history": {"stars": {i: draw(st.lists(st.sampled_from(["2026-09", "2026-10", "2025-12", "2026-11",
                                                                   "1969-12"]), max_size=3)) for i in ids[:2]},
                       "worst": {i: draw(st.lists(st.sampled_from(["2026-05", "2026-08", "2026-10"]), max_size=3))
                                 for i in ids[-2:]}},
           "adjustments": [{"person": pick([*ids, "boss"], "person"), "points": draw(st.integers(-50, 50) | ints),
                            "corrects": "2026-10/c7", "reason": pick(["申诉成立", None], "reason")}
                           for _ in range(draw(st.integers(0, 2)))]}
    for key in list(doc):
        choice = draw(st.integers(0, 11)) if key != "month" else 2
        if choice == 0:
            doc[key] = None  # null: an empty collection
        elif choice == 1:
            del doc[key]
    return doc


@st.composite
def facts_inputs(draw):
    doc = draw(facts_docs())
    how = draw(st.sampled_from(["valid", "mutated", "mutated", "random"]))
    if how == "mutated":
        doc = mutate_tree(draw(st.data()), doc, json_values, {k: st.one_of(st.sampled_from(FACT_IDS), texts, ints)
                                                              for k in ("id", "against", "owner", "person",
                                                                        "supervisor", "leader", "unit")})
    elif how == "random":
        doc = draw(json_values | st.dictionaries(st.sampled_from(["month", "people", "complaints", "breaches",
                                                                  "praise", "nominations", "history",
                                                                  "adjustments"]), json_values))
    return doc


def test_facts_json():
    from core.policy import load_policy
    from scoring import FactsError, dumps, parse_facts, result_to_json, score_month
    from scoring.facts_json import facts_to_json

    policy = load_policy()

    @fuzz(400)
    @given(doc=facts_inputs(), ascii_only=st.booleans())
    def case(doc, ascii_only):
        try:  # as the CLI reads it: JSON text first
            data = json.loads(json.dumps(doc, ensure_ascii=ascii_only))
        except ValueError:  # an int beyond Python's 4300 digits: no JSON reader gets this far
            tally("facts", "unreadable")
            return
        try:
            facts = parse_facts(data)
        except FactsError as exc:
            tally("facts", "refused")
            assert re.fullmatch(r"\S[^\n\r]*?: \S[^\n\r]*", str(exc)), str(exc)  # one line: "field: why"
            return
        tally("facts", "scored")
        result = score_month(facts, policy)
        json.loads(dumps(result))
        result_to_json(result)
        assert parse_facts(facts_to_json(facts)) == facts

    case()


# ---- 3. the policy file -----------------------------------------------------------------------

SAMPLE_POLICY_TEXT = (ROOT / "config" / "policy.toml").read_text(encoding="utf-8")
toml_literals = st.one_of(
    st.sampled_from(["0", "-1", "1", "2147483648", "9" * 5000, "1e400", "nan", "inf", "-inf", "0.0", "-0.0",
                     "true", '""', '"x"', "[]", "[1, 2]", '["customer", "phone"]', "[0.5, nan]", "{}",
                     "{ name = \"x\", label = \"y\", hours = 1 }", "1979-05-27", "07:32:00",
                     "1979-05-27T07:32:00Z", '"24:59"', '"25:00"', '"08:00"', '"flat"', '"business"',
                     "[{ name = \"Bad-Name\", label = \"x\", hours = 1 }]", "'''多行\n文本'''", "0x7f", "1_000"]),
    st.sampled_from(["9" * 4301, "-" + "9" * 5000, "1" + "0" * 400, "1e-400"]),
    st.integers(-5, 10**6).map(str), st.integers(-5, 10**6).map(str), st.integers().map(str),
    st.floats().map(repr),
    st.text(any_char, max_size=10).map(lambda s: json.dumps(s)))


@st.composite
def policy_texts(draw) -> str:
    lines = SAMPLE_POLICY_TEXT.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["value", "value", "plausible", "plausible", "plausible", "delete", "duplicate",
                                   "unknown_key", "section"]))
        assignments = [i for i, line in enumerate(lines) if re.match(r"^[a-z_]+ = ", line)]
        i = draw(st.sampled_from(assignments or [0]))
        if op == "plausible" and assignments:  # the right type, an extreme value: the policy may well pass
            key, old = lines[i].split(" = ", 1)
            if re.fullmatch(r"-?\d+", old):
                new = draw(st.one_of(st.integers(0, 3), st.integers(-3, 10**40), st.just(2**31)), label=key)
            elif old.startswith("["):
                new = draw(st.sampled_from([[], ["customer", "coordination", "spot_check"], ["staff", "leader"],
                                            [0.0, 1.0, 0.999], [float("nan")], [-1.0, 2.5], [0, 6], [99, -1]]))
            else:
                new = draw(st.sampled_from(["flat", "ordinal", "business", "00:00", "23:59", "24:59", "8:00"]))
            lines[i] = f"{key} = {json.dumps(new).replace('NaN', 'nan')}"
        elif op == "value" and assignments:
            key = lines[i].split(" = ")[0]
            lines[i] = f"{key} = {draw(toml_literals)}"
        elif op == "delete" and assignments:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "unknown_key":
            lines.insert(i, draw(st.sampled_from(["colour", "points", "Repeat", '"quoted"'])) + " = 1")
        elif op == "section":
            sections = [j for j, line in enumerate(lines) if line.startswith("[")]
            j = draw(st.sampled_from(sections))
            lines[j] = draw(st.sampled_from(["[complaint]", "[joint]", "[[score]]", "[clocks.extra]", "[", ""]))
    text = "\n".join(lines)
    return mutate_text(draw(st.data()), text, most=1) if draw(st.integers(0, 3)) == 0 else text


def test_policy_file():
    from core.policy import Policy, PolicyError, policy_from_text
    from scoring import dumps, parse_facts, score_month

    facts = parse_facts({"month": "2026-11",
                         "people": [{"id": "a", "unit": "u", "supervisor": "s", "leader": "l"},
                                    {"id": "b", "unit": "u"}, {"id": "s", "unit": "t"}, {"id": "l", "unit": "t"}],
                         "complaints": [{"id": f"c{n}", "against": "a", "source": src, "category": cat,
                                         "verified_at": f"2026-11-0{n + 1}T10:00"}
                                        for n, (src, cat) in enumerate([("customer", "attitude"),
                                                                        ("customer", "dispute"),
                                                                        ("coordination", "other")])],
                         "breaches": [{"id": "b1", "owner": "s"}], "praise": {"b": 2},
                         "history": {"stars": {"b": ["2026-10"]}, "worst": {"a": ["2026-08", "2026-09"]}},
                         "adjustments": [{"person": "a", "points": -3, "corrects": "2026-10/c1"}]})

    @fuzz(400)
    @given(text=policy_texts())
    def case(text):
        try:
            policy = policy_from_text(text, where="draft.toml")
        except PolicyError as exc:
            tally("policy", "refused")
            assert "\n" not in str(exc) and str(exc).startswith("draft.toml: "), str(exc)
            return
        tally("policy", "accepted")
        assert isinstance(policy, Policy) and len(policy.version) == 12
        json.loads(dumps(score_month(facts, policy)))  # as a what-if scores a pasted draft

    case()


# ---- 4. the CLI ---------------------------------------------------------------------------------

MONTHS = ["2026-11", "2026-10", "2026-12", "1970-01", "2999-12", "1969-12", "3000-01", "2026-1", "2026-00"]
TIMES = ["2026-11-03T09:00:00+08:00", "2026-11-03T09:20", "2026-11-20T12:00:00Z", "2026-12-01T00:00+08:00",
         "1970-01-01T00:00:00Z", "2999-12-31T23:59", *EXTREME_TIMES]
EVENTS = ["verify", "arrive", "resolve", "dismiss", "escalate", "receive", "rate", "explode"]
STEPS = ["investigated", "corrective_action", "closed", "nope"]


def _kind(kind: str) -> st.SearchStrategy:
    real = {
        "id": st.sampled_from(["1", "2", "3", "4", "0", "77"]),
        "ids": st.sampled_from(["1", "2", "3"]),
        "person": st.sampled_from([*PEOPLE, "system", "complainant", "intake", "ghost"]),
        "window": st.sampled_from([*WINDOWS, "nope"]),
        "unit": st.sampled_from([*UNITS, "nope"]),
        "month": st.sampled_from(MONTHS),
        "time": st.sampled_from(TIMES),
        "event": st.sampled_from(EVENTS),
        "step": st.sampled_from(STEPS),
        "source": st.sampled_from(["customer", "coordination", "spot_check", "letter"]),
        "category": st.sampled_from(["attitude", "dispute", "other", "rude"]),
        "state": st.sampled_from(["received", "verified", "on_site", "escalated", "resolved", "dismissed", "open",
                                  "filed", "planned", "done", "missed", "lost"]),
        "status": st.sampled_from(["pending", "sending", "sent", "dead", "planned", "done", "missed", "zzz"]),
        "int": st.sampled_from(["0", "1", "5", "-5", "42"]),
        "items": st.sampled_from(["1", "1,2,3", "2,,4", "99", "a", "²", "٣", "1, 2"]),
        "corrects": st.sampled_from(["2026-10/c7", "2026-10/1", "x", "2026-11/1"]),
        "url": st.sampled_from(["http://testserver", "https://jiandu.example.com/", "ftp://x", "localhost",
                                "http://127.0.0.1:8000"]),
        "reason": st.sampled_from(["incident", "other"]),
        "text": st.sampled_from(["属实", "与客户争吵", "ok"]),
    }[kind]
    junk = st.one_of(texts, ints.map(str), st.sampled_from(["2147483647", "2147483648", "-1", "1" * 40]))
    return st.one_of(real, real, real, real, real, junk)


# (command path, positionals, options): a kind per value; "flag" is a bare option; "file:*" a file;
# "!" marks a required option.
COMMANDS: list[tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]] = [
    (("init",), (), {"--sample": "flag", "--json": "flag"}),
    (("org", "load"), ("file:org",), {"--json": "flag"}),
    (("org", "show"), (), {"--json": "flag", "--all": "flag"}),
    (("complaint", "new"), (), {"--window": "!window", "--source": "!source", "--category": "!category",
                                "--text": "!text", "--against": "person", "--contact": "text", "--at": "time",
                                "--json": "flag"}),
    (("complaint", "new"), (), {"--window": "!window", "--source": "!source", "--category": "!category",
                                "--text": "!text", "--at": "time"}),
    (("complaint", "advance"), ("id", "event"), {"--by": "!person", "--against": "person", "--note": "text",
                                                 "--reason": "reason", "--at": "time", "--json": "flag"}),
    (("complaint", "advance"), ("id", "event"), {"--by": "!person", "--at": "time"}),
    (("complaint", "show"), ("id",), {"--json": "flag", "--diagram": "flag"}),
    (("complaint", "list"), (), {"--state": "state", "--overdue": "flag", "--json": "flag"}),
    (("clocks", "check"), (), {"--now": "time", "--json": "flag"}),
    (("incident", "open"), ("id",), {"--by": "!person", "--note": "text", "--at": "time", "--json": "flag"}),
    (("incident", "show"), ("id",), {"--json": "flag"}),
    (("incident", "advance"), ("id", "step"), {"--by": "!person", "--note": "text", "--at": "time"}),
    (("month", "close"), ("month",), {"--by": "!person", "--json": "flag"}),
    (("month", "publish"), ("month",), {"--by": "!person", "--at": "time"}),
    (("month", "show"), ("month",), {"--json": "flag"}),
    (("month", "nominate"), ("month", "unit", "person"), {"--by": "!person"}),
    (("month", "adjust"), ("month", "person"), {"--points": "!int", "--corrects": "!corrects", "--reason": "!text",
                                                "--by": "!person", "--at": "time"}),
    (("praise",), ("person",), {"--by": "!person", "--note": "text", "--at": "time", "--json": "flag"}),
    (("board",), ("window",), {"--out": "out"}),
    (("qr",), (), {"--out": "out", "--public-url": "url"}),
    (("outbox", "show"), (), {"--status": "status", "--json": "flag"}),
    (("outbox", "dispatch"), (), {"--at": "time", "--json": "flag"}),
    (("outbox", "retry"), ("ids",), {"--json": "flag"}),
    (("score",), (), {"--facts": "!file:facts", "--policy": "file:policy", "--json": "flag"}),
    (("spotcheck", "plan"), ("month",), {"--seed": "int", "--now": "time", "--json": "flag"}),
    (("spotcheck", "audit"), ("month",), {"--json": "flag"}),
    (("spotcheck", "list"), (), {"--month": "month", "--status": "status", "--json": "flag"}),
    (("spotcheck", "record"), ("id",), {"--by": "!person", "--pass": "items", "--fail": "items",
                                        "--against": "person", "--note": "text", "--at": "time"}),
    (("spotcheck", "missed"), (), {"--now": "time", "--json": "flag"}),
    (("user", "token"), ("person",), {"--label": "text"}),
    (("user", "revoke-tokens"), ("person",), {}),
    (("user", "set-password"), ("person",), {"--password-stdin": "flag"}),
    (("audit", "replay"), (), {"--month": "month", "--json": "flag"}),
    (("policy", "whatif"), (), {"--month": "!month", "--policy": "!file:policy", "--json": "flag"}),
    (("policy", "history"), (), {"--json": "flag"}),
    (("appeal", "lines"), ("person",), {"--json": "flag"}),
    (("appeal", "file"), ("person", "id"), {"--reason": "!text", "--at": "time", "--json": "flag"}),
    (("appeal", "decide"), ("id",), {"--by": "!person", "--uphold": "flag", "--reject": "flag", "--note": "!text",
                                     "--at": "time"}),
    (("appeal", "show"), ("id",), {"--json": "flag"}),
    (("appeal", "list"), (), {"--person": "person", "--reviewer": "person", "--state": "state", "--json": "flag"}),
]
# Left out: `serve` (starts servers) and `demo` (builds its own database under ./var, minutes).


@st.composite
def argvs(draw, tmp: Path) -> list[str]:
    path, positionals, options = draw(st.sampled_from(COMMANDS))
    argv = list(path)
    how = draw(st.sampled_from(["normal"] * 6 + ["help", "junk_command", "extra"]))
    if how == "junk_command":
        return argv[:1] + [draw(texts)] + draw(st.lists(texts, max_size=2))
    if how == "help":
        return argv + ["--help"]

    def value(kind: str) -> str:
        if kind.startswith("file:"):
            return _file(draw, tmp, kind[5:])
        if kind == "out":
            return str(tmp / "out" / draw(st.sampled_from(["a.html", "sub/b.html"])))
        return draw(_kind(kind), label=kind)

    for kind in positionals:
        if draw(st.integers(0, 9)):  # sometimes missing
            argv.append(value(kind))
    for option, kind in options.items():  # "!kind": a required option, given nine times in ten
        if draw(st.integers(0, 9)) < (9 if kind.startswith("!") else 5):
            kind = kind.lstrip("!")
            argv += [option] if kind == "flag" else [option, value(kind)]
    if how == "extra":
        argv.insert(draw(st.integers(1, len(argv))), draw(st.one_of(texts, st.sampled_from(["--json", "--by",
                                                                                            "--", "-x"]))))
    return argv


def _file(draw, tmp: Path, kind: str) -> str:
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return str(tmp / "missing.txt")
    if choice == 1:
        return str(tmp)  # a directory
    name = tmp / f"input-{kind}"
    if kind == "org":
        name.write_bytes(draw(org_files()))
    elif kind == "facts":
        doc = draw(facts_inputs())
        text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
        if draw(st.integers(0, 5)) == 0:
            text = mutate_text(draw(st.data()), text, most=1)
        name.write_bytes(text.encode("utf-8", "surrogatepass"))
    else:
        name.write_bytes(draw(policy_texts()).encode("utf-8", "surrogatepass"))
    return str(name)


@pytest.mark.db
@pytest.mark.filterwarnings("ignore::getpass.GetPassWarning")  # set-password's prompt without a terminal
def test_cli_arguments(db_url, tmp_path, monkeypatch, capsys):
    from jiandu.cli import context, main

    target = f"cli[{db_name(db_url)}]"
    runtimes = []  # each command builds its Runtime: dispose of its engine after the case
    build = context.runtime
    monkeypatch.setattr(context, "runtime", lambda: runtimes.append(build()) or runtimes[-1])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JIANDU_DATABASE_URL", db_url)
    monkeypatch.setenv("JIANDU_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("JIANDU_NOTICE_DIR", str(tmp_path / "notices"))
    monkeypatch.setenv("JIANDU_SECRET_KEY", "fuzz")
    assert main(["init", "--sample"]) == 0
    for n in range(3):  # a few complaints, one verified, so that ids 1-3 lead somewhere
        assert main(["complaint", "new", "--window", WINDOWS[n], "--source", "customer", "--category", "other",
                     "--text", "种子投诉", "--at", "2026-11-03T09:00+08:00"]) == 0
    assert main(["complaint", "advance", "1", "verify", "--by", "zhouhua", "--against", "zhoujun",
                 "--at", "2026-11-03T09:10+08:00"]) == 0
    capsys.readouterr()
    files = tmp_path / "files"
    files.mkdir()

    @fuzz(180)
    @given(argv=argvs(files), password=st.sampled_from(["", "correct-horse-9", "short", "\x00", "长" * 100]))
    def case(argv, password):
        if password == "" and "--password-stdin" not in argv:
            password = "correct-horse-9"  # an empty answer: click asks again until stdin ends (Abort, exit 1)
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{password}\n{password}\n"))  # typed twice
        try:
            code = main(argv)
        finally:
            while runtimes:
                runtime = runtimes.pop()
                if "db" in runtime.__dict__:
                    runtime.db.dispose()
        out, err = capsys.readouterr()
        tally(target, f"exit {code}")
        if LOG:
            with open(LOG, "a", encoding="utf-8", errors="backslashreplace") as log:
                log.write(json.dumps({"target": target, "argv": argv, "exit": code, "err": err[:300]}) + "\n")
        assert "Traceback" not in out + err, (argv, err)
        assert code in (0, 2), (argv, code, err)
        if code == 2:  # click warns that a prompt without a terminal may echo the password: not ours
            lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("Warning: Password input")]
            assert len(lines) == 1 and lines[0].startswith("jiandu: "), (argv, err)

    case()


# ---- 5. the API ---------------------------------------------------------------------------------

COMPLAINT_BODY = {"window": "inv-1", "category": "attitude", "text": "开票员态度恶劣", "source": "customer",
                  "against": "zhangsan", "contact": "13800001111"}
ADVANCE_BODY = {"event": "verify", "note": "属实", "against": "zhangsan", "version": 1}
api_refs = {"window": st.sampled_from([*WINDOWS, "nope", " inv-1", "INV-1"]),
            "against": st.sampled_from([*PEOPLE, "ghost", "system", None]),
            "category": st.sampled_from(["attitude", "dispute", "other", "rude", None]),
            "source": st.sampled_from(["customer", "coordination", "spot_check", "letter"]),
            "event": st.sampled_from(EVENTS),
            "version": st.one_of(st.none(), st.integers(-1, 5), ints)}


@st.composite
def api_bodies(draw, base: dict) -> bytes:
    how = draw(st.sampled_from(["valid", "mutated", "mutated", "mutated", "random", "bytes"]))
    if how == "bytes":
        return draw(st.sampled_from([b"", b"{", b"null", b"[]", b'{"window": "inv-1",}', b"\xff\xfe",
                                     b'{"text": "\\ud800"}', b"NaN", b'{"a": 1e999}', b"9" * 5000]))
    doc = copy.deepcopy(base)
    if how == "valid":
        for key, strategy in api_refs.items():
            if key in doc and draw(st.booleans()):
                doc[key] = draw(strategy)
    elif how == "mutated":
        doc = mutate_tree(draw(st.data()), doc, json_values, api_refs)
    else:
        doc = draw(json_values)
    try:
        return json.dumps(doc).encode()
    except ValueError:  # an int beyond 4300 digits
        return b'{"version": ' + b"9" * 5000 + b"}"


def complaint_rows(db) -> tuple:
    from sqlalchemy import func, select

    from states.models import Complaint, ComplaintEvent

    with db.reading() as s:
        return (s.scalar(select(func.count()).select_from(Complaint)),
                s.scalar(select(func.count()).select_from(ComplaintEvent)),
                tuple(s.execute(select(Complaint.id, Complaint.state, Complaint.version, Complaint.against_id)
                                .order_by(Complaint.id))))


@pytest.mark.db
def test_api_bodies(app_with, runtime, db_url):
    from fastapi.testclient import TestClient

    from core.accounts import AccountService

    # Every case comes from one address: a budget that never ends, so that each reaches the intake.
    client = TestClient(app_with(api_intake_rate_limit="100000/hour"))
    target = f"api[{db_name(db_url)}]"
    headers = {"Authorization": f"Bearer {AccountService(runtime.db).issue_token('zhouhua', 'fuzz')}",
               "Content-Type": "application/json"}
    svc = runtime.complaints()
    for _ in range(3):
        svc.create(window="inv-1", source="customer", category="attitude", text="种子投诉")

    def check(reply, before, created: int) -> str:
        assert reply.status_code < 500, (reply.status_code, reply.text[:500])
        if reply.status_code >= 400:
            assert "detail" in reply.json(), reply.text[:500]
            assert complaint_rows(runtime.db) == before, f"refused ({reply.status_code}) but written"
            return f"{reply.status_code}"
        after = complaint_rows(runtime.db)
        assert after[0] == before[0] + created, (before[:2], after[:2])
        return f"{reply.status_code}"

    @fuzz(150)
    @given(body=api_bodies(COMPLAINT_BODY))
    def create(body):
        before = complaint_rows(runtime.db)
        reply = client.post("/api/complaints", content=body, headers=headers)
        tally(f"{target} POST /api/complaints", check(reply, before, created=1))

    @fuzz(150)
    @given(body=api_bodies(ADVANCE_BODY),
           cid=st.one_of(st.integers(1, 4), st.integers(1, 60),
                         st.sampled_from(["0", "-1", "2147483648", "99999999999999999999", "abc", "1.5", "%00", "１"])))
    def advance(body, cid):
        before = complaint_rows(runtime.db)
        reply = client.post(f"/api/complaints/{cid}/advance", content=body, headers=headers)
        tally(f"{target} POST /api/complaints/{{id}}/advance", check(reply, before, created=0))

    create()
    advance()

"""Read and check an organisation file (YAML) without touching the database.

Every refusal names the line at fault: ``org.yaml:42: people[3] 'zhangsan':
unknown unit 'xx' 未知单位``. Nothing is loaded unless the whole file is sound.
The shape is documented in docs/organisation.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from core.errors import OrgFileError
from core.ladder import LADDER, TEAM_ROLES, TEAM_SECTION

KNOWN_ROLES = {"staff", "leader", *TEAM_ROLES}
CALENDARS = ("all_hours", "business")
ID_MAX, NAME_MAX = 64, 200  # the columns of core/org.py: ids and codes String(64), names String(200)


class LocatedMap(dict):
    line = 0


class LocatedList(list):
    line = 0


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping and list, and refuses repeated keys."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:  # a date 2026-13-45, a 5000-digit number
            raise OrgFileError(f"line {node.start_mark.line + 1}: unreadable value 无法读取的值: "
                               f"{' '.join(str(exc).split())}") from None


def _construct_map(loader: _LineLoader, node: yaml.MappingNode):
    result = LocatedMap()
    result.line = node.start_mark.line + 1
    yield result
    seen: dict = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:  # a list, a mapping or a set as a key
            raise OrgFileError(f"line {key_node.start_mark.line + 1}: a key must be text 键须为文本") from None
        if key in seen:
            raise OrgFileError(f"line {key_node.start_mark.line + 1}: repeated key {_shown(key)} 重复的键")
        seen[key] = True
    result.update(loader.construct_mapping(node, deep=True))


def _construct_list(loader: _LineLoader, node: yaml.SequenceNode):
    result = LocatedList()
    result.line = node.start_mark.line + 1
    yield result
    result.extend(loader.construct_sequence(node, deep=True))


def _shown(value) -> str:
    """A value quoted on one line (a key may hold a line break or be very long)."""
    text = repr(value) if isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 80 else text[:76] + "...'"


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_list)


@dataclass(frozen=True)
class PositionSpec:
    code: str
    name: str
    commitments: tuple[str, ...]


@dataclass(frozen=True)
class WindowSpec:
    code: str
    name: str
    position: str
    calendar: str | None = None


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    head: str | None
    leader: str | None
    windows: tuple[WindowSpec, ...]


@dataclass(frozen=True)
class PersonSpec:
    id: str
    name: str
    unit: str | None
    supervisor: str | None
    roles: tuple[str, ...]
    contacts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OrgSpec:
    positions: tuple[PositionSpec, ...]
    units: tuple[UnitSpec, ...]
    people: tuple[PersonSpec, ...]


class LocatedText(str):
    """A text that knows where it was read (a workbook's cell): its ``line`` is the row's place."""

    line = 0


class SpecReader:
    """Small checks that name the file, the line and the item.

    ``at`` is where an item was read: a line of a YAML file here; a row of a workbook sheet for
    core.orgsheet's reader, which names the sheet, the row and the column (``key``) instead.
    """

    def __init__(self, source: str):
        self.source = source

    def place(self, at, key: str | None) -> str:
        return f"{self.source}:{at}"

    def first(self, at) -> str:
        """Where an earlier item was read ("first at line 12")."""
        return f"line {at}"

    def fail(self, at, message: str, key: str | None = None) -> OrgFileError:
        return OrgFileError(f"{self.place(at, key)}: {message}", field=key)

    def mapping(self, value, line, what: str, allowed: set[str], required: set[str]) -> LocatedMap:
        if not isinstance(value, dict):
            raise self.fail(line, f"{what}: expected a mapping 应为映射")
        at = getattr(value, "line", line)
        unknown = sorted(set(value) - allowed, key=str)
        if unknown:
            key_at = getattr(value, "key_at", {}).get(unknown[0], at)
            raise self.fail(key_at, f"{what}: unknown key {_shown(unknown[0])} 未知的键", unknown[0])
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(at, f"{what}: missing key '{missing[0]}' 缺少的键", missing[0])
        return value

    def text(self, value, line, what: str, optional: bool = False, limit: int | None = None,
             lines: bool = False, key: str | None = None) -> str | None:
        """Text, stripped; ``limit``: at most so many characters (the column); ``lines``: may hold
        line breaks and tabs. Control characters and invalid Unicode are refused (PostgreSQL
        refuses a NUL, UTF-8 a lone surrogate). A located text names its own place."""
        line = getattr(value, "line", None) or line
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
            raise self.fail(line, f"{what}: expected text 应为文本", key)
        text = str(value).strip()
        if limit is not None and len(text) > limit:
            raise self.fail(line, f"{what}: longer than {limit} characters 超过{limit}个字符", key)
        return self.clean(text, line, what, lines, key)

    def clean(self, text: str, line, what: str, lines: bool = False, key: str | None = None) -> str:
        allowed = "\t\n\r" if lines else ""
        if any((ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0) and ch not in allowed or 0xD800 <= ord(ch) < 0xE000
               for ch in text):
            raise self.fail(line, f"{what}: control characters or invalid Unicode 含有控制字符或无效字符", key)
        return text

    def seq(self, value, line, what: str, key: str | None = None) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(line, f"{what}: expected a list 应为列表", key)
        return value


def parse_org(text: str, source: str = "org.yaml") -> OrgSpec:
    """Parse and check an organisation file; raise :class:`OrgFileError` naming the line."""
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except OrgFileError as exc:
        raise OrgFileError(f"{source}:{str(exc).removeprefix('line ')}") from None
    except RecursionError:
        raise OrgFileError(f"{source}:1: broken YAML 格式错误: nested too deeply 嵌套过深") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else text[:getattr(exc, "position", 0)].count("\n") + 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise OrgFileError(f"{source}:{line}: broken YAML 格式错误: {problem}") from None
    return check_org(doc, SpecReader(source))


def check_org(doc, r: SpecReader) -> OrgSpec:
    """The one validation of an organisation, whatever it was read from (a YAML file, a workbook,
    the directory with a console edit): the document as YAML would give it, checked whole."""
    doc = r.mapping(doc, 1, "file", {"positions", "units", "people", "team"}, {"units", "people"})
    positions = _positions(r, doc.get("positions") or LocatedMap(), doc.line)
    people, lines = _people(r, doc["people"], doc.line)
    units = _units(r, doc["units"], doc.line, positions, lines)
    team = _team(r, doc.get("team"), doc.line, lines)
    return _assemble(r, positions, units, people, lines, team)


def _positions(r: SpecReader, raw, line: int) -> dict[str, PositionSpec]:
    raw = r.mapping(raw, line, "positions", set(raw) if isinstance(raw, dict) else set(), set())
    out = {}
    for code, item in raw.items():
        at = getattr(item, "line", raw.line)
        code = r.text(code, at, f"positions: position {_shown(code)}", limit=ID_MAX, key="code")
        item = r.mapping(item, at, f"positions.{code}", {"name", "commitments"}, {"name"})
        commitments = r.seq(item.get("commitments"), at, f"positions.{code}.commitments")
        texts = tuple(r.text(c, at, f"positions.{code}.commitments", lines=True, key="text") for c in commitments)
        out[code] = PositionSpec(code, r.text(item["name"], at, f"positions.{code}.name", limit=NAME_MAX,
                                              key="name"), texts)
    return out


def _people(r: SpecReader, raw, line: int) -> tuple[list[dict], dict[str, int]]:
    items, lines = [], {}
    for i, item in enumerate(r.seq(raw, line, "people")):
        at = getattr(item, "line", line)
        what = f"people[{i}]"
        item = r.mapping(item, at, what, {"id", "name", "unit", "supervisor", "roles", "contacts"},
                         {"id", "name"})
        pid = r.text(item["id"], at, f"{what}.id", limit=ID_MAX, key="id")
        if pid in lines:
            raise r.fail(at, f"{what}: repeated person id '{pid}' 重复的人员编号 (first at {r.first(lines[pid])})",
                         "id")
        roles = tuple(r.text(x, at, f"{what}.roles", key="roles")
                      for x in r.seq(item.get("roles"), at, f"{what}.roles", "roles"))
        for role in roles:
            if role not in KNOWN_ROLES:
                raise r.fail(at, f"{what} '{pid}': unknown role '{role}' 未知角色", "roles")
        contacts = item.get("contacts") or {}
        if not isinstance(contacts, dict):
            raise r.fail(at, f"{what}.contacts: expected a mapping 应为映射", "contacts")
        contacts = {str(k): str(v) for k, v in contacts.items()}
        for k, v in contacts.items():
            r.clean(k + v, at, f"{what}.contacts", key="contacts")
        lines[pid] = at
        items.append({"id": pid, "name": r.text(item["name"], at, f"{what}.name", limit=NAME_MAX, key="name"),
                      "unit": r.text(item.get("unit"), at, f"{what}.unit", optional=True, key="unit"),
                      "supervisor": r.text(item.get("supervisor"), at, f"{what}.supervisor", optional=True,
                                           key="supervisor"),
                      "roles": roles, "contacts": contacts,
                      "line": at, "what": what})
    return items, lines


def _units(r: SpecReader, raw, line: int, positions: dict, people: dict[str, int]) -> list[tuple[UnitSpec, int]]:
    out, seen_units, seen_windows = [], {}, {}
    for i, item in enumerate(r.seq(raw, line, "units")):
        at = getattr(item, "line", line)
        what = f"units[{i}]"
        item = r.mapping(item, at, what, {"code", "name", "head", "leader", "windows"}, {"code", "name"})
        code = r.text(item["code"], at, f"{what}.code", limit=ID_MAX, key="code")
        if code in seen_units:
            raise r.fail(at, f"{what}: repeated unit code '{code}' 重复的单位编号 "
                             f"(first at {r.first(seen_units[code])})", "code")
        seen_units[code] = at
        chiefs = {}
        for key in ("head", "leader"):
            pid = chiefs[key] = r.text(item.get(key), at, f"{what}.{key}", optional=True, key=key)
            if pid is not None and pid not in people:
                raise r.fail(at, f"{what} '{code}': unknown person '{pid}' as {key} 未知人员", key)
        windows = []
        for j, w in enumerate(r.seq(item.get("windows"), at, f"{what}.windows")):
            wat = getattr(w, "line", at)
            wwhat = f"{what}.windows[{j}]"
            w = r.mapping(w, wat, wwhat, {"code", "name", "position", "calendar"}, {"code", "name", "position"})
            wcode = r.text(w["code"], wat, f"{wwhat}.code", limit=ID_MAX, key="code")
            if wcode in seen_windows:
                raise r.fail(wat, f"{wwhat}: repeated window code '{wcode}' 重复的窗口编号 "
                                  f"(first at {r.first(seen_windows[wcode])})", "code")
            seen_windows[wcode] = wat
            pos = r.text(w["position"], wat, f"{wwhat}.position", key="position")
            if pos not in positions:
                raise r.fail(wat, f"{wwhat} '{wcode}': unknown position '{pos}' 未知岗位", "position")
            calendar = r.text(w.get("calendar"), wat, f"{wwhat}.calendar", optional=True, key="calendar")
            if calendar not in (None, *CALENDARS):
                raise r.fail(wat, f"{wwhat} '{wcode}': unknown calendar '{calendar}' 未知日历 "
                                  f"(one of {', '.join(CALENDARS)})", "calendar")
            windows.append(WindowSpec(wcode, r.text(w["name"], wat, f"{wwhat}.name", limit=NAME_MAX, key="name"),
                                      pos, calendar))
        spec = UnitSpec(code, r.text(item["name"], at, f"{what}.name", limit=NAME_MAX, key="name"),
                        chiefs["head"], chiefs["leader"], tuple(windows))
        out.append((spec, at))
    return out


def _team(r: SpecReader, raw, line: int, people: dict[str, int]) -> dict[str, list[str]]:
    if raw is None:
        return {}
    raw = r.mapping(raw, line, "team", set(TEAM_SECTION), set())
    team: dict[str, list[str]] = {}
    for role, value in raw.items():
        ids = value if isinstance(value, list) else [value]
        for pid in ids:
            at = getattr(pid, "line", None) or raw.line
            pid = r.text(pid, at, f"team.{role}", key="person")
            if pid not in people:
                raise r.fail(at, f"team.{role}: unknown person '{pid}' 未知人员", "person")
            team.setdefault(pid, []).append(role)
    for role in LADDER.values():
        holders = [p for p, roles in team.items() if role in roles]
        if len(holders) > 1:
            given = raw[role] if isinstance(raw[role], list) else [raw[role]]
            second = next(v for v in given if str(v).strip() == holders[1])
            raise r.fail(getattr(second, "line", None) or raw.line, f"team.{role}: one person only 只能一人",
                         "person")
    return team


def _assemble(r: SpecReader, positions, units, people, lines, team) -> OrgSpec:
    unit_by_code = {u.code: u for u, _ in units}
    heads = {u.head for u in unit_by_code.values() if u.head}
    leaders = {u.leader for u in unit_by_code.values() if u.leader}
    specs = []
    for p in people:
        if p["unit"] is not None and p["unit"] not in unit_by_code:
            raise r.fail(p["line"], f"{p['what']} '{p['id']}': unknown unit '{p['unit']}' 未知单位", "unit")
        supervisor = p["supervisor"]
        if supervisor is not None and supervisor not in lines:
            raise r.fail(p["line"], f"{p['what']} '{p['id']}': unknown supervisor '{supervisor}' 未知主管",
                         "supervisor")
        if supervisor is None and p["unit"]:
            supervisor = unit_by_code[p["unit"]].head  # default: the head of his unit
        if supervisor == p["id"]:
            supervisor = None
        derived = list(team.get(p["id"], []))
        derived += ["supervisor"] if p["id"] in heads else []
        derived += ["leader"] if p["id"] in leaders else []
        roles = list(p["roles"]) or ([] if derived else ["staff"])
        roles += [role for role in derived if role not in roles]
        specs.append(PersonSpec(p["id"], p["name"], p["unit"], supervisor, tuple(roles), p["contacts"]))
    _refuse_supervisor_cycles(r, people, {p.id: p.supervisor for p in specs})
    return OrgSpec(tuple(positions.values()), tuple(u for u, _ in units), tuple(specs))


def _refuse_supervisor_cycles(r: SpecReader, people: list[dict], supervisor_of: dict[str, str | None]) -> None:
    """Every chain of supervisors ends: a penalty shared up the reporting line (rules.md §4) must
    reach someone. Refused at the first person, in file order, whose chain comes back to him."""
    ends: set[str] = set()  # people whose chain is known to end
    for p in people:
        chain, pid = [], p["id"]
        while pid is not None and pid not in ends and pid not in chain:
            chain.append(pid)
            pid = supervisor_of.get(pid)
        if pid is not None and pid in chain:
            cycle = chain[chain.index(pid):] + [pid]
            first = min(cycle[:-1], key=[q["id"] for q in people].index)
            at = next(q for q in people if q["id"] == first)
            turned = cycle[cycle.index(first):-1] + cycle[:cycle.index(first)] + [first]
            raise r.fail(at["line"], f"{at['what']} '{first}': supervisor cycle 主管关系成环: "
                                     + " → ".join(turned), "supervisor")
        ends.update(chain)

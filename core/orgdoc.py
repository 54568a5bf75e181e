"""The directory as an organisation document, and the console's edits of one.

:func:`org_document` gives the active directory in the shape a YAML file has (docs/organisation.md):
positions, units with their windows, people, team. A console edit changes that document (the
functions below) and then goes through the one validation and the one apply path of a file
(core.orgfile.check_org, core.orgload.apply_org): the rules cannot differ. Only what the file
itself says is written: derived roles (a head's 监督员, a team member's role) and a supervisor that
is the head of his unit are left for the validation to derive again, so they follow the units.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.ladder import LADDER, TEAM_SECTION
from core.org import Person, Position, Unit, Window
from core.orgfile import LocatedList, LocatedMap

EDITABLE = ("positions", "units", "windows", "people")


def located(value):
    """Plain dicts and lists as the validation's mappings and lists (no line: the directory)."""
    if isinstance(value, dict):
        out = LocatedMap()
        out.update({k: located(v) for k, v in value.items()})
        return out
    if isinstance(value, list | tuple):
        return LocatedList(located(v) for v in value)
    return value


def org_document(session: Session, contacts: bool = True) -> LocatedMap:
    """The active directory as an organisation document (``contacts=False``: without them, for a
    workbook: they may hold a channel's secret)."""
    def active(model, order):
        return list(session.scalars(select(model).where(model.active).order_by(order)))

    units, people = active(Unit, Unit.code), active(Person, Person.id)
    windows = active(Window, Window.code)
    heads = {u.code: u.head_id for u in units}
    led = {u.leader_id for u in units if u.leader_id}
    headed = {u.head_id for u in units if u.head_id}
    team: dict = {}
    for role in TEAM_SECTION:
        holders = [p.id for p in people if p.has_role(role)]
        if holders:
            team[role] = holders if role == "president_office" else holders[0]

    def person(p: Person) -> dict:
        derived = {r for r in TEAM_SECTION if p.has_role(r)}
        derived |= {"supervisor"} if p.id in headed else set()
        derived |= {"leader"} if p.id in led else set()
        item = {"id": p.id, "name": p.name}
        if p.unit_code:
            item["unit"] = p.unit_code
        default = heads.get(p.unit_code) if p.unit_code else None
        if p.supervisor_id != (None if default == p.id else default):
            item["supervisor"] = p.supervisor_id
        roles = [r for r in p.roles or [] if r not in derived]
        if roles and roles != ["staff"] or (roles == ["staff"] and derived):
            item["roles"] = roles
        if contacts and p.contacts:
            item["contacts"] = dict(p.contacts)
        return item

    def unit(u: Unit) -> dict:
        item = {"code": u.code, "name": u.name}
        item |= {"head": u.head_id} if u.head_id else {}
        item |= {"leader": u.leader_id} if u.leader_id else {}
        item["windows"] = [{"code": w.code, "name": w.name, "position": w.position_code}
                           | ({"calendar": w.calendar} if w.calendar else {})
                           for w in windows if w.unit_code == u.code]
        return item

    return located({
        "positions": {p.code: {"name": p.name, "commitments": list(p.commitments)}
                      for p in active(Position, Position.code)},
        "units": [unit(u) for u in units],
        "people": [person(p) for p in people],
        "team": team,
    })


# ---- the console's edits: each changes the document; check_org and apply_org do the rest ----------

def find_item(doc, kind: str, code: str):
    """The item of ``kind`` with ``code`` in the document, or None."""
    if kind == "positions":
        return doc.get("positions", {}).get(code)
    if kind == "windows":
        return next((w for u in doc["units"] for w in u.get("windows", []) if w["code"] == code), None)
    key = "id" if kind == "people" else "code"
    return next((item for item in doc[kind] if item[key] == code), None)


def _clean(values: dict) -> dict:
    """A form's values: empty fields left out (the validation's defaults then apply)."""
    return {k: v for k, v in values.items() if v not in (None, "", [])}


def put(session: Session, doc, kind: str, code: str, values: dict, new: bool) -> None:
    """Add (``new``) or edit one item; its key cannot change. An edit keeps what the form does not
    hold (a person's contacts, a unit's windows)."""
    if kind not in EDITABLE:
        raise InvalidInput(f"kind: '{kind}' is not one of {', '.join(EDITABLE)} 未知类别", field="kind")
    code = (code or "").strip()
    if not code:
        raise InvalidInput("code: expected text 请填写编号", field="code")
    current = find_item(doc, kind, code)
    if new and current is not None:
        raise InvalidInput(f"code: '{code}' exists already 编号已存在", field="code")
    if new and session.get(KIND_MODELS[kind], code) is not None:
        raise InvalidInput(f"code: '{code}' was used before and is inactive: reactivate it 编号曾使用（已停用），"
                           f"请重新启用", field="code")
    if not new and current is None:
        raise NotFound(f"{kind}: no active '{code}' 不存在或已停用")
    values = _clean(values)
    if kind == "positions":
        item = {"name": values.get("name"), "commitments": values.get("commitments", [])}
        doc.setdefault("positions", LocatedMap())[code] = located(item)
        return
    if kind == "windows":
        unit = next((u for u in doc["units"] if u["code"] == values.get("unit")), None)
        if unit is None:
            raise InvalidInput(f"unit: unknown unit '{values.get('unit') or ''}' 未知单位", field="unit")
        if current is not None:  # moved or edited: out of its unit first
            for u in doc["units"]:
                u["windows"] = LocatedList(w for w in u.get("windows", []) if w["code"] != code)
        window = {"code": code, **{k: values[k] for k in ("name", "position", "calendar") if k in values}}
        unit.setdefault("windows", LocatedList()).append(located(window))
        return
    key = "id" if kind == "people" else "code"
    keep = {"contacts": current["contacts"]} if kind == "people" and current and "contacts" in current else {}
    keep |= {"windows": current.get("windows", LocatedList())} if kind == "units" and current else {}
    fields = ("name", "unit", "supervisor", "roles") if kind == "people" else ("name", "head", "leader")
    item = located({key: code, **{k: values[k] for k in fields if k in values}, **keep})
    if current is None:
        doc[kind].append(item)
    else:
        doc[kind][doc[kind].index(current)] = item


KIND_MODELS = {"positions": Position, "units": Unit, "windows": Window, "people": Person}


def deactivate(session: Session, doc, kind: str, code: str) -> None:
    """Leave an item out of the document (apply_org deactivates it). Refused, in words, while
    something still points at it; the validation refuses anything else."""
    names = {p["id"]: p["name"] for p in doc["people"]}
    if find_item(doc, kind, code) is None:
        raise NotFound(f"{kind}: no active '{code}' 不存在或已停用")
    if kind == "people":
        uses = [f"{u['name']} 的负责人 / head of {u['code']}" for u in doc["units"] if u.get("head") == code]
        uses += [f"{u['name']} 的主管领导 / leader of {u['code']}" for u in doc["units"] if u.get("leader") == code]
        uses += [f"{p['name']} 的直接主管 / supervisor of {p['id']}" for p in doc["people"]
                 if p.get("supervisor") == code]
        uses += [f"监督小组 / team {role}" for role, who in (doc.get("team") or {}).items()
                 if code in (who if isinstance(who, list) else [who])]
        _refuse_in_use(f"{names.get(code, code)} ({code})", uses)
        doc["people"] = LocatedList(p for p in doc["people"] if p["id"] != code)
    elif kind == "units":
        unit = find_item(doc, kind, code)
        uses = [f"{p['name']} ({p['id']})" for p in doc["people"] if p.get("unit") == code]
        uses += [f"{w['name']} ({w['code']})" for w in unit.get("windows", [])]
        _refuse_in_use(f"{unit['name']} ({code})", uses)
        doc["units"] = LocatedList(u for u in doc["units"] if u["code"] != code)
    elif kind == "windows":
        for u in doc["units"]:
            u["windows"] = LocatedList(w for w in u.get("windows", []) if w["code"] != code)
    elif kind == "positions":
        uses = [f"{w['name']} ({w['code']})" for u in doc["units"] for w in u.get("windows", [])
                if w["position"] == code]
        _refuse_in_use(f"{doc['positions'][code]['name']} ({code})", uses)
        del doc["positions"][code]
    else:
        raise InvalidInput(f"kind: '{kind}' is not one of {', '.join(EDITABLE)} 未知类别", field="kind")


def _refuse_in_use(what: str, uses: list[str]) -> None:
    if uses:
        raise InvalidInput(f"{what} 仍在使用，请先更改 / still in use, change these first: " + "; ".join(uses[:5])
                           + (f" …(+{len(uses) - 5})" if len(uses) > 5 else ""))


def reactivate(session: Session, doc, kind: str, code: str) -> None:
    """Put an inactive item back as it was when it left (a unit without its windows)."""
    row = session.get(KIND_MODELS.get(kind, Person), code) if kind in KIND_MODELS else None
    if row is None or row.active:
        raise NotFound(f"{kind}: no inactive '{code}' 没有已停用的该项")
    if kind == "positions":
        doc.setdefault("positions", LocatedMap())[code] = located({"name": row.name,
                                                            "commitments": list(row.commitments)})
    elif kind == "units":
        doc["units"].append(located(_clean({"code": code, "name": row.name, "head": row.head_id,
                                            "leader": row.leader_id}) | {"windows": []}))
    elif kind == "windows":
        unit = next((u for u in doc["units"] if u["code"] == row.unit_code), None)
        if unit is None:
            raise InvalidInput(f"unit: '{row.unit_code}' is inactive: reactivate it first 所属单位已停用，请先启用",
                               field="unit")
        unit.setdefault("windows", LocatedList()).append(located(_clean(
            {"code": code, "name": row.name, "position": row.position_code, "calendar": row.calendar})))
    else:
        derived = {"supervisor", "leader", *TEAM_SECTION}
        roles = [r for r in row.roles or [] if r not in derived] or None
        active = {p["id"] for p in doc["people"]}
        head = next((u.get("head") for u in doc["units"] if u["code"] == row.unit_code), None)
        supervisor = row.supervisor_id if row.supervisor_id in active and row.supervisor_id != head else None
        doc["people"].append(located(_clean({"id": code, "name": row.name, "unit": row.unit_code,
                                             "supervisor": supervisor, "roles": roles,
                                             "contacts": dict(row.contacts or {})})))


def set_team(doc, coordinator: str | None, executor: str | None, chairman: str | None,
             office: list[str]) -> None:
    """The supervision team: one holder per rung of the ladder, the president's office any number."""
    team = {role: who for role, who in (("coordinator", coordinator), ("executor", executor),
                                        ("chairman", chairman)) if who}
    if office:
        team["president_office"] = list(office)
    missing = [role for role in LADDER.values() if role not in team]
    if missing:
        raise InvalidInput(f"{missing[0]}: the ladder needs every rung 升级阶梯每级须有一人", field=missing[0])
    if not office:
        raise InvalidInput("president_office: someone must close the month 总裁办至少一人", field="president_office")
    doc["team"] = located(team)

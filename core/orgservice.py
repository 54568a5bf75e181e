"""Organisation use cases: load a file (one transaction), describe the directory."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from core.db import Database
from core.errors import OrgFileError
from core.ladder import LADDER, TEAM_SECTION
from core.org import Person, Position, Unit, Window
from core.orgfile import parse_org
from core.orgload import LoadSummary, apply_org


def load_org_file(db: Database, path: str | Path, now: datetime) -> LoadSummary:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OrgFileError(f"{path}: file not found 文件不存在") from None
    except OSError as exc:  # a directory, no permission
        raise OrgFileError(f"{path}: cannot be read 无法读取: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise OrgFileError(f"{path}: not UTF-8 text 须为 UTF-8 文本") from None
    spec = parse_org(text, source=path.name)  # refuses before anything is written
    with db.transaction() as s:
        return apply_org(s, spec, str(path), text, now)


def org_snapshot(db: Database, include_inactive: bool = False) -> dict:
    """The directory as plain data (the JSON of ``jiandu org show``)."""
    with db.reading() as s:
        def rows(model, order):
            q = select(model).order_by(order)
            return [r for r in s.scalars(q) if include_inactive or r.active]

        people = rows(Person, Person.id)
        windows = rows(Window, Window.code)
        team = {role: sorted(p.id for p in people if p.has_role(role)) for role in TEAM_SECTION}
        return {
            "positions": {p.code: {"name": p.name, "commitments": list(p.commitments)}
                          for p in rows(Position, Position.code)},
            "units": [
                {"code": u.code, "name": u.name, "head": u.head_id, "leader": u.leader_id,
                 "active": u.active,
                 "windows": [{"code": w.code, "name": w.name, "position": w.position_code,
                              "calendar": w.calendar}
                             for w in windows if w.unit_code == u.code]}
                for u in rows(Unit, Unit.code)
            ],
            "people": [
                {"id": p.id, "name": p.name, "unit": p.unit_code, "supervisor": p.supervisor_id,
                 "roles": list(p.roles), "active": p.active}
                for p in people
            ],
            "team": {"coordinator": (team["coordinator"] or [None])[0],
                     "executor": (team["executor"] or [None])[0],
                     "chairman": (team["chairman"] or [None])[0],
                     "president_office": team["president_office"],
                     "supervisors": sorted(p.id for p in people if p.has_role("supervisor"))},
            "ladder": {str(level): (team[role] or [None])[0] for level, role in LADDER.items()},
        }


def labels_of(db: Database, policy=None):
    """The words for every code of this organisation under ``policy`` (core/labels.py), leavers
    included: an old complaint keeps its window's and its people's names."""
    from core.labels import Labels

    return Labels.build(policy, org_snapshot(db, include_inactive=True))

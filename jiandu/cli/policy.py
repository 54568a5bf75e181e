"""``jiandu policy``: what-if on a published month, which policy version scored which month, and a
change of the rules (``save``, as the console's 规则 page does).

Registered by jiandu/cli/root.py. A what-if stores nothing and re-publishes nothing.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Annotated

import typer

from jiandu.cli import context
from jiandu.cli.context import JsonOpt, emit

policy_app = typer.Typer(no_args_is_help=True, help="政策 / the policy: what-if and versions by month.")


def _service():
    from scoring.policyservice import PolicyService

    rt = context.runtime()
    return PolicyService(rt.db, rt.policy, rt.settings)


@policy_app.command("whatif")
def whatif(month: Annotated[str, typer.Option("--month", help="已公布的月份 / a published month, YYYY-MM")],
           policy: Annotated[Path, typer.Option("--policy", help="政策草案 TOML / the draft policy file")],
           as_json: JsonOpt = False) -> None:
    """政策试算 / score a published month under a draft policy and show what would change."""
    data = _service().whatif(month, policy)
    emit(data, as_json, whatif_text(data))


@policy_app.command("save")
def save(policy: Annotated[Path, typer.Argument(help="新的政策文件 TOML / the new policy file")],
         by: Annotated[str, typer.Option("--by", help="总裁办人员 / a person of the president's office")],
         note: Annotated[str | None, typer.Option("--note", help="修改理由 / why")] = None,
         as_json: JsonOpt = False) -> None:
    """修改规则 / store a policy file as the rules in force from the next open month (as the console does)."""
    from core.errors import InvalidInput
    from core.policy import PolicyError, load_policy

    service = _service()
    try:
        draft = load_policy(policy)
    except PolicyError as exc:
        raise InvalidInput(f"POLICY: {exc}") from None
    data = service.save(draft, by, based_on=service.policy.version, note=note)
    start = data["applies_from"] or "每个未公布的月份 every month not published"
    emit(data, as_json, f"规则已保存 policy saved: {data['based_on']} → {data['version']}, "
                        f"自 {start} 起适用 applies from {start}")


@policy_app.command("history")
def history(as_json: JsonOpt = False) -> None:
    """政策版本 / every policy version with the months closed under it; the current one marked."""
    data = _service().history()
    emit(data, as_json, history_text(data))


# ---- text ------------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    return str(value)


def whatif_text(d: dict) -> str:
    from scoring.whatif import FIELD_LABELS, TOTAL_LABELS

    source = ("关账时保存的事实 facts stored at the close" if d["facts"] == "stored"
              else "重新读取的事实 facts read again (month closed before facts were stored)")
    out = [f"{d['month']} 政策试算 what-if: {d['policy_before']} → {d['policy_after']} ({d['draft']})",
           f"  {source}"]
    if not d["changed"]:
        out.append("无变化 / nothing would change")
    rows = [(f"{p['name']} ({p['person']})", FIELD_LABELS[field], _value(c["before"]), _value(c["after"]))
            for p in d["people"] for field, c in p["changes"].items()]
    rows += [(f"{s['unit']}", FIELD_LABELS["star_person"], _value(s["before"]), _value(s["after"]))
             for s in d["stars"]]
    if rows:
        head = ("人员 / who", "项目 / figure", "已公布 / published", "试算 / draft")
        widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(3)]
        out.append("")
        out.append("  ".join(_pad(h, w) for h, w in zip(head[:3], widths, strict=True)) + "  " + head[3])
        previous = None
        for who, label, before, after in rows:
            shown = who if who != previous else ""
            previous = who
            out.append(f"{_pad(shown, widths[0])}  {_pad(label, widths[1])}  {_pad(before, widths[2])}  → {after}")
    out.append("")
    out.append("合计 / totals")
    width = max(_width(label) for label in TOTAL_LABELS.values())
    for key, label in TOTAL_LABELS.items():
        t = d["totals"][key]
        mark = "" if t["before"] == t["after"] else "  *"
        out.append(f"  {_pad(label, width)}  {t['before']} → {t['after']}{mark}")
    return "\n".join(out)


def history_text(rows: list[dict]) -> str:
    status = {"published": "已公布 published", "draft": "草稿 draft"}
    out = ["政策版本 / policy versions (* = 现行 in force)"]
    for r in rows:
        mark = "*" if r["current"] else " "
        first = (f"首次使用 first used {r['first_used_at'][:16].replace('T', ' ')} ({r['first_month']})"
                 if r["first_used_at"] else
                 ("未记录 not recorded (closed before versions were kept)" if r["months"] else "尚未使用 not used yet"))
        out.append(f"{mark} {r['version']}  {first}")
        if r["months"]:
            out.append("    月份 months: " + ", ".join(f"{m['month']} {status.get(m['status'], m['status'])}"
                                                    for m in r["months"]))
        for v in r.get("saved", []):
            who = "政策文件 the policy file" if v["from_file"] else v["saved_by"]
            start = v["applies_from"] or "起始 from the start"
            line = f"    保存 saved {v['saved_at'][:16].replace('T', ' ')} by {who}; 适用自 applies from {start}"
            out.append(line + (f" — {v['note']}" if v["note"] else ""))
        if r["note"]:
            out.append(f"    {r['note']}")
    return "\n".join(out)

"""Readable text for the terminal: Chinese first, English second."""

from __future__ import annotations

from core.glossary import ROLES, label
from states.clocks import CLOCK_LABELS
from states.machine import STATE_LABELS, history_label


def _hm(iso: str | None) -> str:
    return f"{iso[5:10]} {iso[11:16]}" if iso else "—"


def complaint_line(c: dict) -> str:
    late = " ⚠超时 overdue" if any(k["overdue"] for k in c["clocks"]) else ""
    return (f"#{c['id']:<5} {STATE_LABELS[c['state']]} {c['state']:<9} L{c['level']} "
            f"{c['window']:<8} {c['against'] or '?':<10} → {c['owner'] or '-':<10} "
            f"{_hm(c['received_at'])}{late}")


def complaint_text(c: dict) -> str:
    out = [
        f"投诉 complaint #{c['id']}  [{STATE_LABELS[c['state']]} {c['state']}]  "
        f"升级级别 level {c['level']}",
        f"窗口 window: {c['window']} ({c['unit']}) · 来源 source: {c['source']} · "
        f"类别 category: {c['category']}",
        f"被投诉人 against: {c['against'] or '未定 unknown'} {c.get('against_name') or ''} · "
        f"负责人 owner: {c['owner'] or '-'} {c.get('owner_name') or ''}",
        f"内容 text: {c['text']}",
        "时限 clocks:",
    ]
    for k in c["clocks"]:
        late = "  ⚠超时 overdue" if k["overdue"] else ""
        out.append(f"  {CLOCK_LABELS.get(k['name'], k['name'])} {k['name']:<10} "
                   f"到期 due {_hm(k['due'])}  {k['state']:<8} {k['owner'] or ''}{late}")
    out.append("历史 history:")
    for h in c["history"]:
        label = history_label(h["event"])
        note = f"  「{h['note']}」" if h["note"] else ""
        out.append(f"  {_hm(h['at'])}  {label} {h['event']:<8} {h['from'] or '-'} → {h['to']}"
                   f"  by {h['by']}{note}")
    out.append(f"可用操作 allowed: {', '.join(c['allowed_events']) or '—'}")
    if c.get("tracking_token"):
        out.append(f"跟踪码 tracking token (give to the complainant only): {c['tracking_token']}")
    return "\n".join(out)


def org_text(d: dict) -> str:
    names = {p["id"]: p["name"] for p in d["people"]}

    def who(pid):
        return f"{names.get(pid, pid)}({pid})" if pid else "—"

    out = ["监督小组 supervision team:",
           "  " + " · ".join(f"{label(ROLES[key], ' ')}: {who(d['team'][key])}"
                            for key in ("coordinator", "executor", "chairman")),
           f"  {label(ROLES['president_office'], ' ')}: {', '.join(who(p) for p in d['team']['president_office'])}",
           f"  {label(ROLES['supervisor'], ' ')}: {', '.join(who(p) for p in d['team']['supervisors'])}",
           "单位 units:"]
    for u in d["units"]:
        staff = [p for p in d["people"] if p["unit"] == u["code"] and "staff" in p["roles"]]
        out.append(f"  {u['name']} ({u['code']})  负责人 head: {who(u['head'])} · "
                   f"主管领导 leader: {who(u['leader'])}")
        for w in u["windows"]:
            pos = d["positions"].get(w["position"], {})
            out.append(f"    窗口 window {w['code']}: {w['name']} — 岗位 {pos.get('name', w['position'])}"
                       f" ({len(pos.get('commitments', []))} 项承诺 commitments)")
        if staff:
            out.append("    员工 staff: " + ", ".join(who(p["id"]) for p in staff))
    out.append(f"人员 people: {len(d['people'])} · 岗位 positions: {len(d['positions'])}")
    return "\n".join(out)


def score_text(r: dict) -> str:
    out = [f"{r['month']} 月度计分 month score · 政策版本 policy {r['policy_version']}",
           "人员 people (扣分 deductions → 得分 score · 奖 reward · 罚 fine):"]
    for pid, p in sorted(r["people"].items()):
        if not p["lines"]:
            continue
        flags = [f for f, on in (("最差 worst", p["worst"]), ("建议辞退 dismissal recommended",
                 p["dismissal_recommended"]), ("批评教育 criticism", p["criticism"])) if on]
        out.append(f"  {pid}: -{p['deductions']} → {p['score']} · {p['reward']}元 · {p['fine']}元"
                   + (f"  [{', '.join(flags)}]" if flags else ""))
        for line in p["lines"]:
            out.append(f"      {line['rule']:<22} {line['points']:>4}分 {line['money']:>6}元  "
                       f"{line['reason']}")
    out.append("服务明星 service stars:")
    for unit, star in sorted(r["stars"].items()):
        who = star["person"] or "空缺 vacant"
        out.append(f"  {unit}: {who} (连续 streak {star['streak']}, {star['reward']}元) {star['reason']}")
    return "\n".join(out)

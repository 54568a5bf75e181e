"""Readable text for the terminal: Chinese first, English second, every code in words.

Each function takes the data a command prints with ``--json`` (codes kept there: a contract) and
the organisation's :class:`core.labels.Labels` (``words``): windows, units and people by their
names, clocks, states and events by core/labels.py. The one exception is ``jiandu org show``:
the directory itself, the legend of the ids the other commands take (``--by chenjian``).
"""

from __future__ import annotations

from core import labels
from core.glossary import ROLES, label
from core.labels import Labels, both


def words_of(runtime) -> Labels:
    """The labels of the runtime's organisation under its policy (one read of the directory)."""
    from core.orgservice import labels_of

    return labels_of(runtime.db, runtime.policy)


def _hm(iso: str | None) -> str:
    return f"{iso[5:10]} {iso[11:16]}" if iso else "—"


def _who(words: Labels, person: str | None) -> str:
    return both(words.person(person)) if person else "—"


def complaint_line(c: dict, words: Labels) -> str:
    late = " ⚠超时 overdue" if any(k["overdue"] for k in c["clocks"]) else ""
    return (f"#{c['id']:<5} {both(words.state(c['state']))}  {both(words.rung(c['level']))}  "
            f"{words.window(c['window'])[0]}  {_who(words, c['against']) if c['against'] else '?'} → "
            f"{_who(words, c['owner'])}  {_hm(c['received_at'])}{late}")


def complaint_text(c: dict, words: Labels) -> str:
    out = [
        f"投诉 complaint #{c['id']}  [{both(words.state(c['state']))}]  "
        f"层级 rung: {both(words.rung(c['level']))}",
        f"窗口 window: {words.window(c['window'])[0]} ({words.unit(c['unit'])[0]}) · "
        f"来源 source: {both(words.source(c['source']))} · 类别 category: {both(words.category(c['category']))}",
        f"被投诉人 against: {_who(words, c['against']) if c['against'] else '未定 unknown'} · "
        f"负责人 owner: {_who(words, c['owner'])}",
        f"内容 text: {c['text']}",
        "时限 clocks:",
    ]
    for k in c["clocks"]:
        late = "  ⚠超时 overdue" if k["overdue"] else ""
        out.append(f"  {both(words.clock(k['name']))}  到期 due {_hm(k['due'])}  "
                   f"{both(words.clock_state(k['state']))}  {_who(words, k['owner'])}{late}")
    out.append("历史 history:")
    for h in c["history"]:
        note = f"  「{h['note']}」" if h["note"] else ""
        out.append(f"  {_hm(h['at'])}  {both(words.event(h['event']))} → {both(words.state(h['to']))}"
                   f"  {_who(words, h['by'])}{note}")
    allowed = ", ".join(both(words.event(e)) for e in c["allowed_events"])
    out.append(f"可用操作 allowed: {allowed or '—'}")
    if c.get("tracking_token"):
        out.append(f"跟踪码 tracking token (give to the complainant only): {c['tracking_token']}")
    return "\n".join(out)


def incident_text(d: dict, words: Labels) -> str:
    status = both(words.incident_status(d["status"])) if d["status"] else "未启动 not opened"
    out = [f"质量事故 incident of #{d['complaint']}: {status} · "
           f"负责人 owner {_who(words, d['owner'])} · {both(words.rung(d['level']))}"]
    for st in d["steps"]:
        mark = "✔" if st["done"] else ("✘" if st["clock"] == "broken" else "…")
        out.append(f"  {mark} {both(words.step(st['step']))}  截止 due {(st['due'] or '—')[5:16]}  "
                   f"{both(words.step_status(st['status']))}"
                   + (f"  {st['done_at'][5:16]} {_who(words, st['done_by'])}" if st["done"] else ""))
    return "\n".join(out)


def org_text(d: dict) -> str:
    """The directory with its ids: what the other commands take (``--by``, ``--window``)."""
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


def score_text(r: dict, words: Labels) -> str:
    out = [f"{r['month']} 月度计分 month score · 政策版本 policy {r['policy_version']}",
           "人员 people (扣分 deductions → 得分 score · 奖 reward · 罚 fine):"]
    for pid, p in sorted(r["people"].items()):
        if not p["lines"]:
            continue
        flags = [f for f, on in (("最差 worst", p["worst"]), ("建议辞退 dismissal recommended",
                 p["dismissal_recommended"]), ("批评教育 criticism", p["criticism"])) if on]
        out.append(f"  {p.get('name') or words.person(pid)[0]}: -{p['deductions']} → {p['score']} · "
                   f"{p['reward']}元 · {p['fine']}元" + (f"  [{', '.join(flags)}]" if flags else ""))
        for line in p["lines"]:
            rule = both(labels.rule(line["rule"]), " ")
            out.append(f"      {rule}  {line['points']:>4}分 {line['money']:>6}元  {line['reason']}")
    out.append("服务明星 service stars:")
    for unit, star in sorted(r["stars"].items()):
        who = words.person(star["person"])[0] if star["person"] else "空缺 vacant"
        out.append(f"  {words.unit(unit)[0]}: {who} (连续 streak {star['streak']}, {star['reward']}元) "
                   f"{star['reason']}")
    return "\n".join(out)


def month_text(d: dict, words: Labels) -> str:
    head = (f"{d['month']} [{both(words.month_status(d['status']))}] "
            f"第 {d['drafts']} 稿 draft no. · 关账 closed {d['closed_at'][:16]} {_who(words, d['closed_by'])}")
    if d.get("published_at"):
        head += f" · 公布 published {d['published_at'][:16]} {_who(words, d['published_by'])}"
    return head + "\n" + score_text(d, words)


def appeal_text(a: dict, words: Labels) -> str:
    ln = a["line"]
    lines = [f"申诉 appeal #{a['id']} [{both(words.appeal_state(a['state']))}] {_who(words, a['person'])} · "
             f"{a['month']} L{ln['id']}: {ln['reason_zh']} ({ln['points']} 分 points)",
             f"  理由 reason: {a['reason']}",
             f"  复核人 reviewer: {_who(words, a['reviewer'])} ({both(words.rung(a['level']))})"
             + (f", 期限 due {a['due_at'][:16]}" if a.get("due_at") else "")]
    if a.get("decision_note"):
        lines.append(f"  复核意见 decision: {a['decision_note']}")
    if a.get("adjustment"):
        adj = a["adjustment"]
        lines.append(f"  更正 adjustment: {adj['month']} {adj['points']:+d} (corrects {adj['corrects']})")
    for h in a.get("history", []):
        note = f": {h['note']}" if h["note"] else ""
        lines.append(f"  {h['at'][:16]} {both(words.appeal_event(h['event']))} → "
                     f"{both(words.appeal_state(h['to']))} {_who(words, h['by'])}{note}")
    return "\n".join(lines)


def appeal_line(r: dict, words: Labels) -> str:
    """One published line of a person's, as ``jiandu appeal lines`` lists them (its id to appeal)."""
    return (f"L{r['id']} {r['month']} {r['points']:>3} 分 {r['reason_zh']}"
            + (f"  [可申诉至 until {r['appeal_until'][:16]}]" if r["may_appeal"] else "")
            + (f"  [申诉 #{r['appeal']['id']} {both(words.appeal_state(r['appeal']['state']))}]"
               if r["appeal"] else ""))


def outbox_line(r: dict, words: Labels) -> str:
    recipient = r["recipient"]
    to = "投诉人 complainant" if recipient.startswith("complainant") else _who(words, recipient)
    return (f"#{r['id']:<5} {both(labels.outbox_status(r['status']))}  → {to}  {r['channel']}  "
            f"tries {r['attempts']}  {r['subject']}" + (f"\n       ! {r['last_error']}" if r["last_error"] else ""))


def check_line(c: dict, words: Labels) -> str:
    """One spot check (``jiandu spotcheck list``)."""
    result = ""
    if c["result"]:
        failed = [k for k, v in c["result"].items() if v == "fail"]
        result = f"  不合格 failed: {', '.join(failed)}" if failed else "  全部合格 all passed"
    late = " · 逾期 late" if c["missed"] and c["status"] == "done" else ""
    return (f"#{c['id']:<4} {c['month']} {words.window(c['window'])[0]}  "
            f"{both(labels.spot_check_status(c['status']))}  "
            f"抽查人 inspector {_who(words, c['inspector'])} 计划 planned {c['planned_at'][5:16]} "
            f"截止 due {c['due_at'][5:16]}{late}{result}")


def watch_text(report: dict, words: Labels) -> str:
    """What one pass of the watch did (``jiandu clocks check``)."""
    lines = [f"逾期 broken #{b['complaint']} {both(words.clock(b['clock']))} ({_who(words, b['owner'])}, "
             f"due {b['due'][5:16]})" + (f" → 升级 {both(words.rung(b['level']))} {_who(words, b['new_owner'])}"
                                         if b["escalated"] else " · 已至最高层级 top rung")
             for b in report["broken"]]
    lines += [f"提醒 warned #{w['complaint']} {both(words.clock(w['clock']))} {w['percent']}% → "
              f"{_who(words, w['owner'])}" for w in report["warned"]]
    lines += [f"逾期未查 missed {check_line(m, words)}" for m in report["missed_spot_checks"]]
    lines += [f"申诉复核逾期 appeal review overdue #{r['appeal']} ({_who(words, r['reviewer'])})"
              + (f" → {_who(words, r['new_reviewer'])}" if r["escalated"] else " · 已至最高层级 top rung")
              for r in report["appeal_reviews"]]
    return "\n".join(lines) or "无逾期、无提醒 / nothing due"

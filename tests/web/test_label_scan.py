"""No internal code reaches a person (issue 13 item 1): a month is replayed, then every page of the
console (each role, both languages), every public page, the boards, the notice, every message of
the outbox, the workbook's cells and the CLI's readable output are read as a person reads them
(tags, attributes and links stripped), and any window, unit, position or person code, category,
source, clock name, state or event of the policy, the organisation and the machines shown as a
word of its own fails the test. The codes inside href/value attributes are fine: nobody reads them.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from core import labels as L
from core.timeutil import month_bounds, utcnow
from tests.web.conftest import csrf_of, file_complaint, last_month, login, post_form

pytestmark = pytest.mark.db

TOKEN = re.compile(r"[A-Za-z0-9_\-]+")
URL = re.compile(r"https?://\S+|(?<![\w.])(?:\.{0,2}/|var/)[\w./%?=&#-]*")
# Accounts that see every kind of console page: the chief executor (also the president's office),
# the office, a supervisor, the team leader, the chairman, window staff.
ACCOUNTS = ("zhouhua", "wuqing", "chenjian", "lizhu", "baihong", "dongshi", "zhangsan")


# A <textarea>'s text is its value, what the person typed (or the policy draft's TOML to edit).
HIDDEN = ("script", "style", "textarea")


class _Visible(HTMLParser):
    """The text a person reads: no tags, no attributes, nothing of <script>, <style>, <textarea>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


def english_words() -> set[str]:
    """The words of the English labels: a code spelled like one of them ('received', 'customer')
    may be English prose on an English or bilingual page; in Chinese alone it is a leak."""
    words = set()
    for table in L.TABLES.values():
        for _, en in table.values():
            words |= set(TOKEN.findall(en))
    return words


class Scan:
    """Collects where each code was seen. ``zh_only``: a Chinese page, where any code is a leak."""

    def __init__(self, codes: set[str], org: set[str]):
        self.codes, self.org = codes | org, org
        self.words = english_words()
        self.found: dict[str, set[str]] = defaultdict(set)
        self.read = 0

    def text(self, where: str, text: str, zh_only: bool = False, legend: bool = False) -> None:
        """``legend``: the directory's own listing (``jiandu org show``), whose ids are its content."""
        import os

        if os.environ.get("SCAN_DUMP"):  # to read what was scanned: SCAN_DUMP=/tmp/scan pytest …
            from pathlib import Path

            folder = Path(os.environ["SCAN_DUMP"])
            folder.mkdir(exist_ok=True)
            with (folder / (re.sub(r"[^\w\[\] -]", "_", where) + ".txt")).open("a", encoding="utf-8") as out:
                out.write(text + "\n")
        self.read += 1
        for token in TOKEN.findall(URL.sub(" ", text)):
            if token in self.codes and (zh_only or not self.prose(token)) and not (legend and token in self.org):
                self.found[token].add(where)

    def prose(self, token: str) -> bool:
        """A code that English prose may hold as a word ('received', 'file a complaint'): one in
        plain lower-case letters that names no window, unit, position or person, or a word of the
        English labels. A Chinese page holds no such word; a bilingual or English one may."""
        return token in self.words or (token.isalpha() and token.islower() and token not in self.org)

    def html(self, where: str, html: str, zh_only: bool = False, legend: bool = False) -> None:
        self.text(where, visible(html), zh_only, legend)

    def report(self) -> list[str]:
        return sorted(f"{code}: {', '.join(sorted(where)[:6])}{f' … ({len(where)} places)' if len(where) > 6 else ''}"
                      for code, where in self.found.items())


def all_codes(runtime) -> tuple[set[str], set[str]]:
    """(every code of the policy and the machines, every code of the organisation)."""
    from core.orgservice import labels_of

    kinds = labels_of(runtime.db, runtime.policy).codes()
    org = set().union(*(kinds.pop(kind) for kind in ("window", "unit", "position", "person")))
    codes = set().union(*kinds.values())
    # incident:<step>: its step is a code of its own
    return {c for c in codes if TOKEN.fullmatch(c)}, {c for c in org if TOKEN.fullmatch(c)}


def replay_month(runtime) -> dict:
    """Last month, with every kind of thing a month holds: complaints handled in time, one left to
    climb the ladder, one dismissed, a quality incident with a missed step, spot checks found and
    missed, a worst rating and a criticism, praise, a nomination; closed, published and appealed."""
    from states.incident import IncidentService
    from states.spotcheck import SpotCheckService
    from states.watchtick import watch_tick

    month = last_month()
    start, end = month_bounds(month)
    svc = runtime.complaints()
    day = timedelta(days=1)
    at = start + 2 * day + timedelta(hours=1)  # 09:00 in Shanghai

    def handled(window, category, against, when, source="customer"):
        c = svc.create(window=window, source=source, category=category, text="态度不好", at=when,
                       contact="13800000001")
        svc.advance(c["id"], "verify", c["owner"], against=against, at=when + timedelta(minutes=10))
        svc.advance(c["id"], "arrive", c["owner"], at=when + timedelta(minutes=40))
        svc.advance(c["id"], "resolve", c["owner"], note="已道歉", at=when + timedelta(hours=2))
        return c

    ids = [handled("inv-1", "attitude", "zhangsan", at)["id"],
           handled("inv-2", "dispute", "zhangsan", at + 3 * day)["id"],  # his second: worst, fined
           handled("sc-1", "other", "xiaoli", at + 4 * day, source="coordination")["id"]]
    left = svc.create(window="wb-1", source="customer", category="attitude", text="司磅员不理人", at=at + day)
    ids.append(left["id"])
    incident = svc.create(window="ul-1", source="customer", category="other", text="卸不了货", at=at + 5 * day)
    ids.append(incident["id"])
    incidents = IncidentService(svc)
    incidents.open(incident["id"], incident["owner"], "窗口无法解决", at=at + 5 * day + timedelta(minutes=10))
    first_step = runtime.policy.incident.steps[0].name
    incidents.complete(incident["id"], first_step, "zhouhua", at=at + 5 * day + timedelta(hours=3))
    dismissed = svc.create(window="gate-1", source="customer", category="attitude", text="门卫不让进",
                           at=at + 6 * day)
    svc.advance(dismissed["id"], "dismiss", dismissed["owner"], note="经核实不成立",
                at=at + 6 * day + timedelta(minutes=20))
    ids.append(dismissed["id"])

    spot = SpotCheckService(svc)
    checks = sorted(spot.plan(month, seed=7, now=start)["checks"], key=lambda c: c["planned_at"])
    from datetime import datetime

    first = checks[0]
    items = list(range(1, len(first["items"]) + 1))
    against = {"loading": "zhoujun", "unloading": "hehui", "sales": "songjia", "invoicing": "xiaozhao",
               "weighbridge": "wangwu", "gate": "guoqi"}[first["unit"]]
    spot.record(first["id"], first["inspector"], items[1:], items[:1], against=against,
                at=datetime.fromisoformat(first["planned_at"]) + timedelta(minutes=30))
    now = start
    while now < end:  # the watch every three hours: clocks break, steps and spot checks are missed
        now += timedelta(hours=3)
        watch_tick(runtime, now)
    months = runtime.months()
    months.praise("xiaowang", "baihong", "客户表扬", at + 7 * day)
    months.nominate(month, "gate", "linba", "baihong")
    months.close(month, "wuqing")
    months.publish(month, "wuqing", at=utcnow())
    appeals = runtime.appeals()
    lines = appeals.lines("zhangsan")
    upheld = appeals.file("zhangsan", lines[0]["id"], "当天休假")
    appeals.decide(upheld["id"], upheld["reviewer"] if upheld["reviewer"] != "zhangsan" else "baihong", True, "属实")
    pending = appeals.file("zhangsan", lines[1]["id"], "不是我")
    return {"month": month, "complaints": ids, "appeals": [upheld["id"], pending["id"]],
            "windows": [w for u in runtime_org(runtime)["units"] for w in u["windows"]]}


def runtime_org(runtime) -> dict:
    from core.orgservice import org_snapshot

    return org_snapshot(runtime.db)


def _set_lang(client, lang: str) -> None:
    client.cookies.set("lang", lang)


def scan_pages(client, runtime, month: dict, scan: Scan) -> None:
    from fastapi.testclient import TestClient

    # This month: a customer files at the window and rates it on his tracking page.
    token = file_complaint(client, "inv-1", text="开票慢")
    tracking = [token]
    complaints = [*month["complaints"], runtime.complaints().list(open_only=True, limit=1000)[-1]["id"]]
    for lang in ("zh", "en"):
        zh_only = lang == "zh"
        _set_lang(client, lang)
        client.post("/logout", data={"csrf": csrf_of(client.get("/login").text)})
        public = ["/login", "/boards", "/notices", f"/notices/{month['month']}", "/qr",
                  *(f"/w/{w['code']}" for w in month["windows"]), *(f"/boards/{w['code']}" for w in month["windows"]),
                  *(f"/t/{t}" for t in tracking)]
        for url in public:
            reply = client.get(url)
            assert reply.status_code == 200, url
            # The notice, the boards and the QR sheet are bilingual on one page, whatever the cookie says.
            scan.html(f"{url} [{lang}]", reply.text, zh_only and not url.startswith(("/notices/", "/boards/", "/qr")))
        for person in ACCOUNTS:
            assert login(client, person).status_code == 303
            pages = ["/", "/me", "/months", f"/months/{month['month']}", "/complaints", "/dashboard", "/appeals",
                     *(f"/appeals/{a}" for a in month["appeals"]),
                     *(f"/complaints/{c}" for c in complaints if person in ("zhouhua", "chenjian", "dongshi"))]
            for url in pages:
                reply = client.get(url)
                if reply.status_code in (403, 404) or (reply.status_code == 303 and url == "/"):
                    continue  # not his to see
                assert reply.status_code == 200, (person, url, reply.status_code)
                scan.html(f"{url} [{person} {lang}]", reply.text, zh_only)
            if person == "wuqing":  # the directory's console: its ids are what it edits (as org show)
                for url in ("/org", "/org/history"):
                    reply = client.get(url)
                    assert reply.status_code == 200, url
                    scan.html(f"{url} [{lang}]", reply.text, zh_only, legend=True)
                whatif = post_form(client, f"/months/{month['month']}", f"/months/{month['month']}/whatif",
                                   {"policy": (runtime.settings.policy_path.read_text(encoding="utf-8")
                                               .replace("points = 3", "points = 4", 1))})
                assert whatif.status_code == 200, whatif.text
                scan.html(f"/months/whatif [{lang}]", whatif.text, zh_only)
        if lang == "zh":  # a complainant rates his resolved complaint (its tracking link is in his message)
            pass
    assert TestClient  # the app's own client: cookies as a browser keeps them


def scan_workbook(client, month: dict, scan: Scan) -> None:
    from openpyxl import load_workbook

    login(client, "wuqing")
    reply = client.get(f"/months/{month['month']}/notice.xlsx")
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            scan.text(f"notice.xlsx {sheet.title}", " ".join(str(v) for v in row if v is not None))


def scan_messages(runtime, scan: Scan) -> set[str]:
    from sqlalchemy import select

    from notifications.models import OutboxMessage

    with runtime.db.reading() as s:
        rows = list(s.scalars(select(OutboxMessage)))
    for m in rows:
        scan.text(f"message {m.kind}", f"{m.subject}\n{m.body}")
    return {m.kind for m in rows}


def scan_cli(runtime, month: dict, scan: Scan, monkeypatch, capsys) -> None:
    from jiandu.cli import main

    monkeypatch.setenv("JIANDU_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("JIANDU_NOTICE_DIR", str(runtime.settings.notice_dir))
    monkeypatch.setenv("JIANDU_OUTBOX_DIR", str(runtime.settings.outbox_dir))
    commands = [["org", "show"], ["complaint", "list"], ["outbox", "show"], ["month", "show", month["month"]],
                ["appeal", "lines", "zhangsan"], ["appeal", "list"], ["policy", "history"],
                ["spotcheck", "list", "--month", month["month"]],
                *(["complaint", "show", str(c)] for c in month["complaints"]),
                *(["appeal", "show", str(a)] for a in month["appeals"]),
                ["incident", "show", str(month["complaints"][4])], ["audit", "replay", "--month", month["month"]],
                ["clocks", "check"]]
    for argv in commands:
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 0, (argv, err)
        scan.text("jiandu " + " ".join(argv), out, legend=argv == ["org", "show"])


def test_no_internal_code_is_shown_to_a_person(client, runtime, monkeypatch, capsys):
    month = replay_month(runtime)
    scan = Scan(*all_codes(runtime))
    scan_pages(client, runtime, month, scan)
    scan_workbook(client, month, scan)
    notice = (runtime.settings.notice_dir / month["month"] / "notice.html").read_text(encoding="utf-8")
    scan.html("notice.html", notice)
    kinds = scan_messages(runtime, scan)
    scan_cli(runtime, month, scan, monkeypatch, capsys)
    assert kinds >= {"complaint_received", "complaint_assigned", "clock_breach", "complaint_escalated",
                     "incident_step", "month_results", "worst_rating", "criticism_notice", "service_star",
                     "appeal_filed", "appeal_decided", "complaint_resolved"}, kinds
    assert scan.read > 200
    assert scan.report() == [], "\n".join(scan.report())

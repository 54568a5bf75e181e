"""The rules in the console (issue 13.3): the page a person reads, the form, the preview, the save."""

from __future__ import annotations

import json
import re

import pytest

from core.policystore import PolicyVersion, versions
from core.timeutil import month_shift
from scoring.models import MonthClose
from tests.web.conftest import csrf_of, login, post_form, published_last_month

pytestmark = pytest.mark.db


def _form(html: str) -> dict[str, list[str]]:
    """The draft form's fields as the browser would post them (inputs, the selected option, ticked boxes)."""
    form = html[html.index('id="policy-form"'):]
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrf":
            continue
        if 'type="checkbox"' in tag and " checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields.setdefault(name.group(1), []).append(value.group(1) if value else "")
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        fields[name] = [re.search(r'<option value="([^"]+)" selected', body).group(1)]
    return fields


def _preview(client, changes: dict[str, str]):
    html = client.get("/policy/draft").text
    data = _form(html)
    data.update({k: [v] for k, v in changes.items()})
    return client.post("/policy/preview", data={"csrf": csrf_of(html), **data}, follow_redirects=False)


def _save_form(html: str) -> dict:
    form = html[html.index('id="policy-save-form"'):]
    import html as htmllib

    def value(name):
        return htmllib.unescape(re.search(rf'name="{name}" value="([^"]*)"', form).group(1))

    return {"csrf": csrf_of(html), "draft": value("draft"), "previewed": value("previewed"),
            "based_on": value("based_on")}


def test_the_rules_page_reads_as_rules_with_the_seeds_sentence(client, runtime):
    login(client, "chenjian")  # any team member reads the rules
    html = client.get("/policy").text
    assert "服务态度、工作状态投诉，每次扣分" in html and "“属服务态度、工作状态方面投诉,一次扣当月绩效考核5分”" in html
    row = html[html.index('id="rule-complaints-base_points-attitude"'):]
    assert re.search(r'rule-value">5 分<', row[:600]) and "二.1" in row[:600]
    assert "客户投诉" in html and "窗口员工" in html and "全天计时" in html  # codes in words
    assert runtime.policy.version in html and "来自政策文件" in html
    assert 'id="policy-change"' not in html  # a supervisor reads, never changes
    text = re.sub(r"<[^>]+>", " ", html)
    for code in ("attitude", "customer", "all_hours", "ordinal", "staff", "base_points"):
        assert not re.search(rf"\b{code}\b", text), code
    assert client.get("/policy/draft").status_code == 403


def test_a_change_previewed_then_saved_applies_from_the_next_open_month(client, runtime):
    month = published_last_month(runtime)
    login(client, "wuqing")
    reply = _preview(client, {"complaints.base_points.attitude": "8"})
    assert reply.status_code == 200, reply.text
    html = reply.text
    assert 'id="policy-changes"' in html and "<b>8</b> 分" in html  # the rule that changes, in words
    assert f"试算：最近公布的月份 {month}</h2>" in html
    assert "<td class=\"num\">5</td><td class=\"num\">8</td>" in html  # 张三's published 5 → 8
    assert f"<b>{month_shift(month, 1)}</b>" in html  # applies from the next open month
    with runtime.db.reading() as s:
        assert versions(s) == []  # a preview stores nothing

    saved = client.post("/policy/save", data=_save_form(html), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    page = client.get("/policy").text
    assert f"自{month_shift(month, 1)}起适用" in page  # the flash
    assert re.search(r'rule-value">8 分<', page[page.index('id="rule-complaints-base_points-attitude"'):][:600])
    saved_row = page[page.index('id="policy-history"'):]
    assert "吴青 · " in saved_row and "wuqing" not in re.sub(r"<[^>]+>", " ", page)  # who, by name, and when
    with runtime.db.reading() as s:
        rows = versions(s)
        assert [r.saved_by for r in rows] == [None, "wuqing"] and rows[1].applies_from == month_shift(month, 1)
        assert s.get(MonthClose, month).status == "published"
    assert runtime.policy.complaints.base_points.attitude == 8  # every process reads it from the database
    old = client.get(f"/policy?month={month}").text  # the published month keeps its rules
    assert re.search(r'rule-value">5 分<', old[old.index('id="rule-complaints-base_points-attitude"'):][:600])


def test_an_invalid_value_is_refused_naming_the_field(client, runtime):
    published_last_month(runtime)
    login(client, "wuqing")
    negative = _preview(client, {"worst.fine": "-5"})
    assert negative.status_code == 422
    assert "最差罚款" in negative.text and "不能小于0" in negative.text and 'id="policy-error"' in negative.text
    assert 'name="worst.fine" value="-5" inputmode="numeric" aria-invalid="true"' in negative.text  # to correct it
    word = _preview(client, {"clocks.respond_minutes": "半小时"})
    assert word.status_code == 422 and "及时回复时限" in word.text and "须为整数" in word.text
    none = _preview(client, {"worst.sources": ""})  # no box ticked: nobody is rated worst, a valid choice
    assert none.status_code == 200 and 'id="policy-changes"' in none.text
    step = _preview(client, {"incident.steps.1.hours": "0"})
    assert step.status_code == 422 and "第2步" in step.text and "质量事故处理步骤" in step.text
    time = _preview(client, {"spot_checks.start": "25:00"})
    assert time.status_code == 422 and "抽查时段开始" in time.text
    with runtime.db.reading() as s:
        assert versions(s) == []


def test_saving_needs_the_office_csrf_a_preview_and_the_rules_it_was_drafted_from(client, runtime):
    published_last_month(runtime)
    login(client, "wuqing")
    html = _preview(client, {"star.reward": "600"}).text
    form = _save_form(html)
    assert client.post("/policy/save", data={**form, "csrf": "x"}).status_code == 403  # no CSRF
    unpreviewed = dict(form, previewed="")
    assert client.post("/policy/save", data=unpreviewed).status_code == 422
    tampered = json.loads(form["draft"])
    tampered["worst"]["fine"] = -1
    bad = client.post("/policy/save", data=dict(form, draft=json.dumps(tampered)))
    assert bad.status_code == 422 and "worst.fine" in bad.text
    assert client.post("/policy/save", data=form, follow_redirects=False).status_code == 303
    again = client.post("/policy/save", data=form)  # drafted from the rules before this save
    assert again.status_code == 409
    with runtime.db.reading() as s:
        assert len(versions(s)) == 2

    client.post("/logout", data={"csrf": csrf_of(client.get("/policy").text)})
    login(client, "chenjian")
    assert client.post("/policy/save", data={**form, "csrf": csrf_of(client.get("/policy").text)}).status_code == 403
    assert post_form(client, "/policy", "/policy/preview", {"star.reward": "700"}).status_code == 403


def test_without_a_published_month_the_preview_says_so_and_the_change_applies_to_every_open_month(client, runtime):
    login(client, "wuqing")
    html = _preview(client, {"inactivity.points": "4"}).text
    assert 'id="whatif-none"' in html and "所有未公布的月份" in html
    assert client.post("/policy/save", data=_save_form(html), follow_redirects=False).status_code == 303
    with runtime.db.reading() as s:
        assert [r.applies_from for r in s.query(PolicyVersion).order_by(PolicyVersion.id)] == [None, None]
    assert runtime.policy.inactivity.points == 4


def test_the_rules_read_in_english_when_the_user_switches(client, runtime):
    login(client, "wuqing")
    client.cookies.set("lang", "en")
    html = client.get("/policy").text
    assert "Points for a complaint about attitude or work" in html and "customer complaint" in html
    assert "“属服务态度、工作状态方面投诉,一次扣当月绩效考核5分”" in html  # the regulation is Chinese
    assert html.index("Points per complaint") < html.index("Joint penalties")
    draft = client.get("/policy/draft").text
    assert "Preview the what-if" in draft and "window staff" in draft and "Mon" in draft

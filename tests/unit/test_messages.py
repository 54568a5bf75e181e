"""Message templates: every kind renders, Chinese first, English second; no notes to complainants."""

from __future__ import annotations

import re

import pytest

from notifications.channels import with_key
from notifications.messages import COMPLAINANT, KINDS, URGENT_KINDS, draft
from notifications.outbox import in_quiet_hours

C = {"id": 7, "window": "wb-1", "level": 1, "source": "customer", "category": "attitude"}
APPEAL = {"id": 3, "month": "2026-11", "reason": "当天休假",
          "line": {"reason_zh": "第1次投诉", "reason_en": "1st complaint", "points": 5, "money": 0}}
CONTEXT = {
    "complaint_received": dict(c=C, window_name="1号磅", respond_minutes=30, tracking_url="http://x/t/T"),
    "complaint_assigned": dict(c=C, name="冯强", window_name="1号磅", source_label="客户投诉",
                               category_label="服务态度", source_en="customer complaint",
                               category_en="service attitude", respond_due="09:30", on_site_due="11:00",
                               resolve_due="09:00"),
    "clock_warning": dict(complaint_id=7, name="冯强", clock_label="及时回复", clock_en="reply",
                          percent=80, due="09:30"),
    "complaint_escalated": dict(c=C, window_name="1号磅", rung_label="总执行", rung_en="chief executor",
                                new_owner_name="周华", old_owner_name="冯强", note="内部备注",
                                escalation_due="11:30", tracking_url="http://x/t/T", audience="staff"),
    "complaint_resolved": dict(c=C, rating_url="http://x/t/T#rate"),
    "criticism_notice": dict(c=C, person_name="李四", category_label="服务态度",
                             category_en="service attitude", supervisor_name="陈建"),
    "month_results": dict(month="2026-11", name="张三", p={
        "deductions": 40, "score": 60, "reward": 0, "fine": 500,
        "lines": [{"reason_zh": "第1次投诉", "reason_en": "1st complaint"}]}),
    "worst_rating": dict(month="2026-11", worst=[{"name": "张三", "unit": "开票室", "fine": 500,
                                                 "worst_count": 3, "dismissal_recommended": True}]),
    "dismissal_recommendation": dict(month="2026-11", name="张三", unit="开票室", worst_count=3),
    "service_star": dict(month="2026-11", name="小王", unit="开票室", star={"streak": 3, "reward": 1500}),
    "incident_step": dict(complaint_id=7, step_label="调查", step_en="investigated", status="opened",
                          status_label="已上报", status_en="reported", due="11-04 09:00"),
    "clock_breach": dict(complaint_id=7, clock_label="升级处理", clock_en="escalation", due="13:30",
                         owner_name="董石"),
    "appeal_filed": dict(a=APPEAL, appellant="张三", reviewer="孙立", due="11-10 10:00"),
    "appeal_decided": dict(a=APPEAL, appellant="张三", reviewer="孙立", upheld=True, note="考勤证实",
                           adjustment_month="2026-12"),
    "appeal_escalated": dict(a=APPEAL, appellant="张三", reviewer="周华", old_reviewer="孙立",
                             missed_due="11-10 10:00", due="11-17 10:00"),
}
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_kind_has_a_context_here():
    assert set(KINDS) == set(CONTEXT)


@pytest.mark.parametrize("kind", sorted(CONTEXT))
def test_each_kind_renders_chinese_first_english_second(kind):
    d = draft(kind, "someone", about=7, **CONTEXT[kind])
    zh, _, en = d.subject.partition(" / ")
    for name in ("周华", "小王", "张三", "李四", "董石"):  # names stay names in English
        en = en.replace(name, "")
    assert CJK.search(zh) and en and not CJK.search(en)
    first_body_line = d.body.splitlines()[0]
    assert CJK.search(first_body_line)
    assert re.search(r"[A-Za-z]{4,}", d.body.split("\n\n", 1)[-1])  # an English paragraph follows
    assert d.urgent == (kind in URGENT_KINDS)


def test_internal_notes_never_reach_a_complainant():
    ctx = dict(CONTEXT["complaint_escalated"], audience="complainant")
    to_complainant = draft("complaint_escalated", COMPLAINANT, about=7, contact="a@b.c", **ctx)
    to_staff = draft("complaint_escalated", "zhouhua", about=7, **CONTEXT["complaint_escalated"])
    assert "内部备注" in to_staff.body
    assert "内部备注" not in to_complainant.body and "冯强" not in to_complainant.body


@pytest.mark.parametrize("url,expected", [
    ("json://h:1/hook", "json://h:1/hook?+X-Jiandu-Key=k1&:idempotency_key=k1"),
    ("mailto://h:1?from=a@b&to=c@d", "mailto://h:1?from=a@b&to=c@d&+X-Jiandu-Key=k1"),
    ("wecombot://token", "wecombot://token"),
])
def test_idempotency_key_travels_where_the_channel_can_keep_it(url, expected):
    assert with_key(url, "k1") == expected


@pytest.mark.parametrize("hour,quiet", [(21, False), (22, True), (23, True), (3, True), (6, True),
                                        (7, False), (12, False)])
def test_quiet_hours_span_midnight_in_shanghai(hour, quiet):
    from datetime import datetime

    from core.timeutil import BUSINESS_TZ

    assert in_quiet_hours(datetime(2026, 11, 3, hour, 30, tzinfo=BUSINESS_TZ), "22:00-07:00") is quiet
    assert in_quiet_hours(datetime(2026, 11, 3, hour, 30, tzinfo=BUSINESS_TZ), "") is False

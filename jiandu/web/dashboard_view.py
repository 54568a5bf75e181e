"""The dashboard's charts from the figures of states.dashboard (server-side SVG, no script)."""

from __future__ import annotations

from jiandu.web.charts import bar_chart, line_chart
from jiandu.web.i18n import translator

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_labels(months: list[str], lang: str) -> list[str]:
    """"2026-01" -> "1月" (Jan), short enough to stand upright under twelve months; the year on a
    second line under the first month and under each January."""
    out = []
    for n, month in enumerate(months):
        year, mon = month[:4], int(month[5:7])
        label = MONTHS_EN[mon - 1] if lang == "en" else f"{mon}月"
        out.append(f"{label}\n{year}" if n == 0 or mon == 1 else label)
    return out


def dashboard_charts(d: dict, lang: str) -> list[str]:
    t = translator(lang)
    months = month_labels(d["months"], lang)
    per_unit = [(u["name"], [d["per_unit_month"].get(u["code"], {}).get(m, 0) for m in d["months"]])
                for u in d["units"]]
    trend = d["trend"]
    return [
        # Stacked: seven units side by side would make bars too thin for a readable number.
        bar_chart(t("各单位每月投诉数", "Complaints per unit and month"), months, per_unit,
                  unit=t("件", ""), stacked=True),
        # The rates are shares in 0..1: line_chart(percent=True) scales them to percent itself.
        line_chart(t("各项比率趋势", "Rates over the months"), months, [
            (t("时限遵守率", "clocks kept"), [r["clocks_kept_pct"] for r in trend]),
            (t("及时回复率", "response"), [r["response_rate"] for r in trend]),
            (t("按时处理率", "resolution"), [r["resolution_rate"] for r in trend]),
            (t("满意率", "satisfaction"), [r["satisfaction_rate"] for r in trend]),
        ], percent=True),
        bar_chart(t("每月受理、核实、处理", "Received, verified, resolved per month"), months, [
            (t("受理", "received"), [r["received"] for r in trend]),
            (t("核实", "verified"), [r["verified"] for r in trend]),
            (t("处理完毕", "resolved"), [r["resolved"] for r in trend]),
        ]),
    ]

"""``/me``: a person's own month (every logged-in person; window staff land here).

This month's lines as they accrue, last month's until it is published, the published months'
results, the star streak and the appeals; each line in the notice's own words
(``notifications.notice.line_row``). Only the logged-in person's record is read.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from jiandu.web.pages import page
from jiandu.web.security import Staff, require_staff

router = APIRouter(include_in_schema=False)


@router.get("/me", response_class=HTMLResponse)
def my_month(request: Request, staff: Staff = Depends(require_staff)):
    from core.labels import appeal_state
    from core.orgservice import org_snapshot
    from notifications.notice import line_row
    from notifications.pages import NameBook

    runtime = request.app.state.runtime
    record = runtime.personal().record(staff.id)
    appeals = runtime.appeals()
    # The notice's words: contacts redacted, other people's names masked when the notice masks them.
    names = NameBook({}, org_snapshot(runtime.db, include_inactive=True), masked=runtime.settings.mask_names)
    appealable: dict[str, list[dict]] = {}
    for ln in appeals.lines(staff.id):
        appeal = ln["appeal"] and {**ln["appeal"], "state_label": appeal_state(ln["appeal"]["state"])}
        appealable.setdefault(ln["month"], []).append(
            {**line_row(ln, names), "id": ln["id"], "appeal": appeal, "may_appeal": ln["may_appeal"],
             "appeal_until": ln["appeal_until"]})
    running = [{**m, "lines": [line_row(ln, names) for ln in m["lines"]]} for m in record["running"]]
    published = [{**m, "lines": appealable.get(m["month"], [])} for m in record["published"]]
    mine = [{**a, "line": line_row(a["line"], names), "state_label": appeal_state(a["state"])}
            for a in appeals.list(person=staff.id)]
    return page(request, "me.html.j2", running=running, published=published, star=record["star"], appeals=mine)

"""What the published pages share: the template environment and the name book.

The pages (month notice, commitment boards, the chart) render from plain data
only: the month result dict (``result_to_json``) and the organisation snapshot
(``jiandu org show --json``). Nothing here touches the database.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from core.labels import Labels

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The same stack is written out in templates/_page.css (a <style> must not be autoescaped).
CJK_FONTS = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'

# A mainland mobile number in free text is redacted: contacts never appear on a
# published page, whatever a reason text happens to carry.
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja2 environment of the pages.

    ``autoescape=True`` rather than ``select_autoescape``: the latter matches by
    suffix and would not cover ``.html.j2``. StrictUndefined turns a typo into
    an error instead of a silently empty cell on a published notice.
    """
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


def mask(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***: first character, one star per remaining one.

    A one-character name still gets a star, so no name is ever shown whole.
    """
    if not name:
        return "*"
    return name[0] + "*" * max(1, len(name) - 1)


def redact(text: str) -> str:
    return _PHONE.sub(lambda m: "*" * len(m.group()), text)


class NameBook:
    """Names of people and units, from the result first and the org second.

    With ``masked`` every person's name is shown as 张*, ids are never shown,
    and names or ids inside free texts (reasons) are masked too.
    """

    def __init__(self, result: dict, org: dict, *, masked: bool = False) -> None:
        self.masked = masked
        words = Labels.build(org=org)  # core/labels.py: the organisation's own names
        self._people: dict[str, str] = {pid: zh for pid, (zh, _) in words.people.items()}
        for pid, p in (result.get("people") or {}).items():
            if p.get("name"):
                self._people[str(pid)] = str(p["name"])
        self._units = {code: zh for code, (zh, _) in words.units.items()}
        self._person_unit = {str(p["id"]): p.get("unit") for p in org.get("people") or [] if p.get("id")}
        self._swap = self._swapper() if masked else None

    def person(self, pid: str | None) -> str:
        if pid is None:
            return ""
        name = self._people.get(pid, pid)
        return mask(name) if self.masked else name

    def unit(self, code: str | None) -> str:
        if code is None:
            return ""
        return self._units.get(code, code)

    def unit_of(self, pid: str) -> str | None:
        """The person's unit code in the org (for people the result does not know)."""
        return self._person_unit.get(pid)

    def unit_order(self) -> list[str]:
        return list(self._units)

    def text(self, text: str | None) -> str:
        """A free text for publication: contacts redacted, names masked when asked."""
        out = redact(text or "")
        if self._swap is not None:
            out = self._swap(out)
        return out

    def _swapper(self):
        # Longest first, so 王总 is masked before 王 could be; ids only as whole
        # words, so the id "li" does not eat the "li" of "supervisor-like" text.
        names = {name: mask(name) for name in self._people.values() if name}
        ids = {pid: mask(self._people[pid]) for pid in self._people}
        parts = [re.escape(n) for n in sorted(names, key=len, reverse=True)]
        parts += [rf"(?<![A-Za-z0-9_]){re.escape(i)}(?![A-Za-z0-9_])" for i in sorted(ids, key=len, reverse=True)]
        if not parts:
            return lambda s: s
        pattern = re.compile("|".join(parts))
        table = {**ids, **names}
        return lambda s: pattern.sub(lambda m: table[m.group()], s)

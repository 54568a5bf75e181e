"""Chinese first, English on request: the language lives in a cookie, pages call t(zh, en)."""

from __future__ import annotations

LANGS = ("zh", "en")
COOKIE = "lang"


def lang_of(request) -> str:
    lang = request.cookies.get(COOKIE, "zh")
    return lang if lang in LANGS else "zh"


def translator(lang: str):
    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    return t


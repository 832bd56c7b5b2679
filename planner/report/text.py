"""How the report looks up its words and writes numbers.

Rule and facility-type names come from the rulebook and per-community reasons from the
compliance checks; the report's headings, labels and sentence templates are in
:mod:`planner.report.words` and :mod:`planner.report.words_plan`. Numbers are never part of a
template: they are formatted by :func:`fmt_number` and passed in.
"""

from __future__ import annotations

import math
import re

from planner.report.words import WORDS
from planner.report.words_plan import PLAN_WORDS

LANGS = ("zh", "en")

#: key -> (English, Chinese). Placeholders are ``str.format`` fields.
STRINGS: dict[str, tuple[str, str]] = {**WORDS, **PLAN_WORDS}


def tr(key: str, lang: str, /, **values: object) -> str:
    """The string ``key`` in ``lang`` (``"en"`` or ``"zh"``), with ``values`` filled in."""
    en, zh = STRINGS[key]
    if lang == "zh":
        return zh_punct(zh.format(**values) if values else zh)
    return en.format(**values) if values else en


_CJK = "\u3400-\u9fff\u3000-\u303f\uff00-\uffef"
_PARENS = re.compile(r"\(([^()]*)\)")
_HAS_CJK = re.compile(f"[{_CJK}]")
_PUNCT = re.compile(f"(?<=[{_CJK}%])([,;:])|([,;:])(?=[{_CJK}])")
_FULL = {",": "，", ";": "；", ":": "："}


def zh_punct(text: str) -> str:
    """Chinese text with full-width punctuation where it sits among Chinese characters.

    Data, rule names and reasons often use ASCII ``( ) , ; :`` inside Chinese; Chinese
    typography wants ``（ ）， ； ：``. Parentheses are converted when they enclose Chinese,
    and ``, ; :`` when a Chinese character is next to them. Thousands separators (``5,336``),
    codes (``EPSG:32648``) and URLs are left alone.
    """
    if not _HAS_CJK.search(text):
        return text
    text = _PARENS.sub(
        lambda m: f"（{m[1]}）" if _HAS_CJK.search(m[0] + text[m.start() - 1 : m.start()]) else m[0], text
    )
    return _PUNCT.sub(lambda m: _FULL[m[1] or m[2]], text)


def fmt_number(value: object, kind: str) -> str:
    """A number as the report writes it.

    Kinds: ``count`` (rounded, thousands separated), ``share`` (whole percent), ``share1``
    (percent with one decimal), ``area`` (m², rounded), ``ratio`` (one decimal), ``dec3`` (three
    decimals), ``dist`` (metres, rounded), ``num`` (as short as exact). Missing values are written ``–``.
    """
    if value is None:
        return "–"
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return "–"
    if kind in ("count", "area", "dist"):
        return f"{round(v):,}"
    if kind == "share":
        return f"{v:.0%}"
    if kind == "share1":
        return f"{v:.1%}"
    if kind == "ratio":
        return f"{v:.1f}"
    if kind == "dec3":
        return f"{v:,.3f}"
    return f"{v:,g}" if abs(v) < 1e6 else f"{v:,.0f}"

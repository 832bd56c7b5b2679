"""Finding a font that renders Chinese, for the PDF and for the maps and charts.

Community and facility names are Chinese even in an English report, so every report needs a
CJK font. The font is found at run time, through fontconfig (``fc-list``) when it is there and
matplotlib's font list otherwise; nothing is bundled.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass

from planner.errors import PlannerError

#: families tried first, in order (Simplified Chinese faces before the others)
PREFERRED = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
)

INSTALL_HINT = (
    "no font that can show Chinese is installed, and reports need one (community names are Chinese even in "
    "English reports). Install one, e.g. on Debian/Ubuntu 'apt-get install fonts-noto-cjk' (or fonts-wqy-microhei), "
    "then run planner again"
)


@dataclass(frozen=True)
class CJKFont:
    """A CJK font family and the file it is in."""

    family: str
    path: str


@functools.lru_cache(maxsize=1)
def cjk_font() -> CJKFont:
    """The CJK font the report uses.

    Raises
    ------
    PlannerError
        When no installed font covers Chinese; the message says which package to install.
    """
    found = _fontconfig_fonts() or _matplotlib_fonts()
    if not found:
        raise PlannerError(INSTALL_HINT)
    for family in PREFERRED:
        if family in found:
            return _register(CJKFont(family, found[family]))
    family = sorted(f for f in found if "mono" not in f.casefold())[0] if found else ""
    return _register(CJKFont(family, found[family]))


def _fontconfig_fonts() -> dict[str, str]:
    """Families covering Simplified Chinese, by fontconfig (empty when fc-list is missing)."""
    exe = shutil.which("fc-list")
    if exe is None:
        return {}
    try:
        out = subprocess.run(
            [exe, ":lang=zh-cn", "family", "file"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    found: dict[str, str] = {}
    for line in out.splitlines():
        file, _, families = line.partition(": ")
        for family in families.split(","):
            family = family.strip()
            if family and file and family not in found:
                found[family] = file.strip()
    return found


def _matplotlib_fonts() -> dict[str, str]:
    """Preferred CJK families that matplotlib knows, by name."""
    from matplotlib import font_manager

    return {f.name: f.fname for f in font_manager.fontManager.ttflist if f.name in PREFERRED}


def _register(font: CJKFont) -> CJKFont:
    """Make sure matplotlib can find the family (a font installed after its cache was built)."""
    from matplotlib import font_manager

    if not any(f.name == font.family for f in font_manager.fontManager.ttflist):
        try:
            font_manager.fontManager.addfont(font.path)
        except (OSError, RuntimeError) as exc:
            raise PlannerError(f"the font file {font.path} cannot be read ({exc}); {INSTALL_HINT}") from exc
    return font

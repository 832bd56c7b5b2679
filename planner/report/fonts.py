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
    """A CJK font family and the file it is in.

    ``family`` is the fontconfig name (used by the PDF); ``mpl_family`` the name matplotlib
    knows the same file by (a font collection may be listed under another face's name).
    """

    family: str
    path: str
    mpl_family: str = ""


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
            if family and file and (family not in found or (not _heavy(file) and _heavy(found[family]))):
                found[family] = file.strip()
    return found


def _heavy(file: str) -> bool:
    return any(w in file for w in ("Bold", "Black", "Heavy", "Light", "Thin"))


def _matplotlib_fonts() -> dict[str, str]:
    """Preferred CJK families that matplotlib knows, by name."""
    from matplotlib import font_manager

    return {f.name: f.fname for f in font_manager.fontManager.ttflist if f.name in PREFERRED}


def _register(font: CJKFont) -> CJKFont:
    """Make sure matplotlib can find the font (one installed after its cache was built)."""
    from dataclasses import replace

    from matplotlib import font_manager

    manager = font_manager.fontManager
    if not any(f.name == font.family for f in manager.ttflist):
        try:
            manager.addfont(font.path)
        except (OSError, RuntimeError) as exc:
            raise PlannerError(f"the font file {font.path} cannot be read ({exc}); {INSTALL_HINT}") from exc
    names = [f.name for f in manager.ttflist if f.name == font.family]
    if not names:  # an older matplotlib lists a collection under its first face only
        names = [f.name for f in manager.ttflist if f.fname == font.path]
    if not names:
        raise PlannerError(f"matplotlib cannot use the font file {font.path}; {INSTALL_HINT}")
    return replace(font, mpl_family=names[0])

"""Where the Streamlit shell is, and the folder ``planner app`` runs it from.

The shell (``app.py``, ``ui/`` and ``.streamlit/config.toml``) is kept once, at the top of
the repository. Two ways of having planner:

* **a clone** (``pip install -e .`` or ``PYTHONPATH``): the app runs from the clone, and its
  static folder (Leaflet, Streamlit serves ``<script folder>/static`` at ``/app/static/``) is
  the clone's ``static/``;
* **an installed wheel**: the wheel carries a copy of the shell in
  ``planner/app/streamlit-app/`` (setup.py), a folder no ``import`` statement reaches.
  Site-packages is not written to at run time, so :func:`prepare` copies the shell into the
  user's data folder (:func:`user_data_dir`, ``$XDG_DATA_HOME/planner/app`` on Linux) and the
  app runs from there, with Leaflet in its ``static/``.

Nothing here imports Streamlit: it only finds files and builds the ``streamlit run`` flags.
"""

from __future__ import annotations

import filecmp
import logging
import os
import shutil
import sys
import tomllib
from functools import partial
from importlib import resources
from pathlib import Path

from planner.errors import PlannerError
from planner.outputs import write_atomic

log = logging.getLogger(__name__)

#: the shell's folder inside the installed package (not a Python identifier: not importable)
BUNDLED_DIR = "streamlit-app"
SCRIPT = "app.py"
CONFIG = Path(".streamlit") / "config.toml"
#: the folder Streamlit serves at /app/static/ (next to the script, a fixed name)
STATIC = "static"


def checkout_root() -> Path | None:
    """The repository folder when planner is imported from a clone, else None."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / SCRIPT).is_file() and (root / "pyproject.toml").is_file() else None


def bundled_shell() -> Path | None:
    """The copy of the shell inside an installed planner package, or None (a clone)."""
    folder = Path(str(resources.files("planner.app"))) / BUNDLED_DIR
    return folder if (folder / SCRIPT).is_file() else None


def user_data_dir() -> Path:
    """planner's folder for files it writes at run time: ``$XDG_DATA_HOME/planner`` if set.

    Otherwise ``%LOCALAPPDATA%\\planner`` on Windows, ``~/Library/Application Support/planner``
    on macOS and ``~/.local/share/planner`` elsewhere (the XDG default).
    """
    if os.environ.get("XDG_DATA_HOME"):
        base = Path(os.environ["XDG_DATA_HOME"])
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path.home() / ".local" / "share"
    return base / "planner"


def app_dir() -> Path:
    """The folder the app runs from: the clone, or the shell's copy in :func:`user_data_dir`."""
    root = checkout_root() if bundled_shell() is None else None
    return root if root is not None else user_data_dir() / "app"


def static_dir() -> Path:
    """The app's static folder (Streamlit serves it at ``/app/static/``): Leaflet goes here."""
    return app_dir() / STATIC


def prepare() -> Path:
    """The script to give ``streamlit run``; for an installed package, the shell's fresh copy.

    Files of the bundled shell are copied into :func:`app_dir` where they differ (each written
    atomically), Python files no longer in it are removed; ``static/`` is left as it is.

    Raises
    ------
    PlannerError
        Neither an installed shell nor a clone's ``app.py`` is there, or the folder is not writable.
    """
    source = bundled_shell()
    if source is None:
        root = checkout_root()
        if root is None:
            raise PlannerError(
                "the Streamlit app (app.py) is not in this planner installation; reinstall it with "
                "'pip install .' from the repository, or run planner from a clone"
            )
        return root / SCRIPT
    target = app_dir()
    try:
        _sync(source, target)
    except OSError as exc:
        raise PlannerError(
            f"cannot copy the app into {target} ({exc}); set XDG_DATA_HOME to a writable folder"
        ) from exc
    return target / SCRIPT


def _sync(source: Path, target: Path) -> None:
    wanted = {p.relative_to(source) for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    for rel in sorted(wanted):
        src, dst = source / rel, target / rel
        if not (dst.is_file() and filecmp.cmp(src, dst, shallow=False)):
            write_atomic(dst, partial(shutil.copyfile, src))
            log.debug("copied %s to %s", src, dst)
    for old in target.rglob("*.py"):
        rel = old.relative_to(target)
        if rel.parts[0] != STATIC and rel not in wanted:
            old.unlink()
            log.debug("removed %s (no longer part of the app)", old)


def streamlit_flags(script: Path) -> list[str]:
    """The shell's ``.streamlit/config.toml`` as ``streamlit run`` flags, so any cwd works.

    Streamlit reads ``.streamlit/config.toml`` from the working folder only; passing the
    settings as ``--section.key value`` applies them wherever ``planner app`` is started.
    """
    config = script.parent / CONFIG
    if not config.is_file():
        raise PlannerError(f"{config} is missing: the app's Streamlit settings; reinstall planner")
    with config.open("rb") as f:
        settings = tomllib.load(f)
    flags = []
    for section, values in settings.items():
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [f"--{section}.{key}", text]
    return flags

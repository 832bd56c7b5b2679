"""Build hook: put the sample district and the Streamlit shell into the wheel.

Everything else is configured in pyproject.toml. The repository keeps one copy of each file
at the top level (``data/sample/district.gpkg``, ``app.py``, ``ui/``, ``.streamlit/``); a
wheel gets a copy at build time, so that ``pip install .`` works outside the clone:

* the sample district into ``planner/sample/`` (found by ``planner.sample_path()``);
* the shell into ``planner/app/streamlit-app/``: a folder whose name is not a Python
  identifier, so no ``import`` statement reaches it and "planner/ never imports streamlit"
  stays true for every importable module. ``planner app`` copies it to a writable folder and
  gives it to ``streamlit run`` (see planner.app.shell).

Editable installs (``pip install -e .``) copy nothing: planner then runs from the clone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: (file or folder in the repository, where it goes in the package, required)
BUNDLED = (
    ("data/sample/district.gpkg", "planner/sample/district.gpkg", True),
    ("app.py", "planner/app/streamlit-app/app.py", True),
    ("ui", "planner/app/streamlit-app/ui", False),
    (".streamlit/config.toml", "planner/app/streamlit-app/.streamlit/config.toml", True),
)


def bundle(build_lib: Path, root: Path = ROOT) -> list[Path]:
    """Copy the files of :data:`BUNDLED` from ``root`` into the build folder ``build_lib``."""
    written = []
    for source, target, required in BUNDLED:
        src, dst = root / source, build_lib / target
        if not src.exists():
            if required:
                raise FileNotFoundError(f"{src} is missing: the wheel needs it (see setup.py and MANIFEST.in)")
            continue
        files = [src] if src.is_file() else sorted(p for p in src.rglob("*.py") if "__pycache__" not in p.parts)
        for f in files:
            out = dst if f == src else dst / f.relative_to(src)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, out)
            written.append(out)
    return written


class BuildPy(build_py):
    """``build_py`` that also copies :data:`BUNDLED` (except for editable installs)."""

    def run(self) -> None:
        """Build the packages, then add the bundled files."""
        super().run()
        if not getattr(self, "editable_mode", False):
            bundle(Path(self.build_lib))


setup(cmdclass={"build_py": BuildPy})

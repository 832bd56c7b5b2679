"""Command line: ``python data/make_sample.py [--check] [--preview PNG] [--no-write] [--out FILE]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .config import OUT


def main(argv: list[str] | None = None) -> int:
    """Generate the sample (unless --no-write), then optionally check it and draw a preview."""
    from . import __doc__ as doc

    ap = argparse.ArgumentParser(prog="python data/make_sample.py", description=(doc or "").split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="run the quality checks after writing")
    ap.add_argument("--preview", type=Path, help="render a PNG preview to this path")
    ap.add_argument("--no-write", action="store_true", help="check/preview an existing file")
    a = ap.parse_args(argv)
    if not a.no_write:
        from .build import generate

        generate(a.out)
    if a.check:
        from .checks import run_checks

        run_checks(a.out)
    if a.preview:
        from .preview import render_preview

        render_preview(a.out, a.preview)
    return 0

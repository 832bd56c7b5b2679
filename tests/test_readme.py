"""The README's Python example must at least be valid Python that names nothing undefined."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_example_names_nothing_undefined(tmp_path: Path) -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -r requirements.txt installs it)")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "the README has no Python example"
    for i, code in enumerate(blocks):
        path = tmp_path / f"example_{i}.py"
        path.write_text(code, encoding="utf-8")
        compile(code, str(path), "exec")
        run = subprocess.run(
            [ruff, "check", "--no-cache", "--isolated", "--select", "F821,F401", str(path)],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stdout

"""The Streamlit shell's structure (issue 8.5): ``app.py`` and ``ui/`` are a thin shell.

``app.py`` stays under 300 lines and each ``ui`` module under 300; the session state is
touched through ``ui.state`` alone (no literal keys scattered); the library never imports
the shell; every tab is a module with a ``TITLE`` and ``render``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "ui"


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_app_and_ui_modules_are_short() -> None:
    assert _lines(ROOT / "app.py") < 300
    long = {p.name: _lines(p) for p in UI.glob("*.py") if _lines(p) >= 300}
    assert not long, long


def test_session_state_only_through_ui_state() -> None:
    shell = [ROOT / "app.py", *UI.glob("*.py")]
    users = sorted(p.name for p in shell if "session_state" in p.read_text(encoding="utf-8") and p.name != "state.py")
    assert users == [], users


def test_the_library_never_imports_the_shell() -> None:
    for path in (ROOT / "planner").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not [n for n in names if n == "ui" or n.startswith(("ui.", "streamlit"))], (path, names)


def test_every_tab_is_a_module_with_a_title_and_render() -> None:
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    tabs = next(n.value for n in tree.body if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", None) == "TABS")
    names = [e.id for e in tabs.elts]  # type: ignore[attr-defined]
    assert names == ["communities", "coverage", "access", "siting", "regions", "compare", "downloads", "quality"]
    for name in names:
        module = ast.parse((UI / f"{name}.py").read_text(encoding="utf-8"))
        assigned = {t.id for n in module.body if isinstance(n, ast.Assign) for t in n.targets if hasattr(t, "id")}
        functions = {n.name for n in module.body if isinstance(n, ast.FunctionDef)}
        assert "TITLE" in assigned and "render" in functions, name

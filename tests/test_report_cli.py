"""Tests for ``planner report``: the same study options as ``planner analyze``, a report file out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report_data import make_district

from planner.cli import build_parser, main


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    return make_district(tmp_path_factory.mktemp("cli") / "district.gpkg", nx=2, ny=2)


def test_report_html_and_results(study: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "r" / "report.html"
    args = ["report", str(study), "--format", "html", "--lang", "en", "--out", str(out), "--name", "锦城示范区"]
    code = main([*args, "--results", str(tmp_path / "results"), "--quiet"])
    assert code == 0
    html = out.read_text("utf-8")
    assert "锦城示范区" in html
    summary = json.loads((tmp_path / "results" / "summary.json").read_text("utf-8"))
    assert summary["study"] == "锦城示范区"
    k = summary["coverage"]["kindergarten"]
    assert f"{k['share_covered']:.0%} of residents live within a {k['radius_m']:g} m walk of a kindergarten" in html
    assert capsys.readouterr().out == ""


def test_report_xlsx_default_name_and_euclidean(study: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(study), "--format", "xlsx", "--lang", "zh", "--mode", "euclidean"]) == 0
    assert (tmp_path / "report_zh.xlsx").is_file()
    assert "report_zh.xlsx" in capsys.readouterr().out


def test_report_shares_the_analyze_options() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    options = {
        name: {o for a in p._actions for o in a.option_strings}
        for name, p in sub.choices.items()  # type: ignore[union-attr]
    }
    # the Dask options say how analyze runs, not what the study is: a report runs in one process
    how_it_runs = {"--partition", "--scheduler", "--n-workers", "--memory-limit"}
    assert how_it_runs <= options["analyze"]
    shared = options["analyze"] - {"--out"} - how_it_runs
    assert shared <= options["report"]
    assert {"--format", "--lang", "--out", "--name", "--results"} <= options["report"]


def test_report_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["report", str(tmp_path / "missing.gpkg"), "--format", "html", "--out", str(tmp_path / "r.html")]) == 2
    assert "not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "--format", "docx"])

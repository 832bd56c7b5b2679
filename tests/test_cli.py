"""Tests for planner.cli: what a user reads in the terminal (help texts, the summary table)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from planner.cli import _display_width, _pad, main


@pytest.mark.parametrize("command", ["analyze", "report", "app"])
def test_help_states_each_default_once_and_never_none(command: str, capsys) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "(default: None)" not in text
    # each argument's help (an indented entry, up to the next one) names its default at most once
    for block in re.split(r"\n  (?=\S)", text)[1:]:
        assert block.count("default") <= 1, block


def test_display_width_counts_chinese_as_two_columns() -> None:
    assert _display_width("幼儿园") == 6
    assert _display_width("Kindergarten") == 12
    assert _display_width(_pad("小学", 10)) == _display_width(_pad("Primary", 10)) == 10


def test_summary_table_columns_line_up_in_a_terminal(toy_gpkg: Path, tmp_path: Path, capsys) -> None:
    assert main(["analyze", str(toy_gpkg), "--out", str(tmp_path / "r")]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if re.search(r"\d+ m\s+[\d.]+%", line)]
    assert len(rows) >= 5  # one per facility type
    # the radius column ends at the same terminal column in every row, whatever the Chinese name's length
    ends = {_display_width(line[: line.index(" m ") + 2]) for line in rows}
    assert len(ends) == 1, rows

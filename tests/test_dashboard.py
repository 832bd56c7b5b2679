"""planner.app.dashboard: the tables the app shows, in both languages."""

from __future__ import annotations

import pytest

import planner
from planner.app import dashboard


@pytest.fixture(scope="module")
def sample():
    return planner.analyze(mode="euclidean")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rule_tables_show_the_basis_document_never_a_research_key(sample, lang: str) -> None:
    book = sample.study.rulebook
    keys = book.research_keys()
    assert keys  # the national rulebook keeps its research trail
    community = str(sample.communities["community_id"].iloc[0])
    for table in (dashboard.rules_table(sample, lang), dashboard.community_checks(sample, community, lang)):
        text = table.astype(str).to_string()
        assert not [k for k in keys if k in text], text
    shown = dashboard.community_checks(sample, community, lang).astype(str).to_string()
    assert "GB 50180" in shown  # the planning standard the radii come from

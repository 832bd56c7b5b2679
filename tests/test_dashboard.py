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


def test_community_labels_and_names(sample) -> None:
    """Issue 8.5: the community picker's labels come from the library, not the shell."""
    labels = dashboard.community_labels(sample)
    comm = sample.communities
    first = str(comm["community_id"].iloc[0])
    assert list(labels) == list(comm["community_id"].astype(str))
    assert labels[first] == f"{comm['name'].iloc[0]} ({first})"
    assert dashboard.community_name(sample, first) == comm["name"].iloc[0]
    assert dashboard.community_name(sample, "no-such-community") is None


def test_study_key_names_the_study_apart_from_its_settings() -> None:
    """Issue 8.5: the study shown is a key object, not a string built and parsed back."""
    from planner.app.session import ResultKey, StudyKey
    from planner.plan.scenario import Edit, Scenario

    walk = StudyKey("sample", None, "walk", 100)
    straight = StudyKey("sample", None, "euclidean", 200)
    upload = StudyKey("upload", "ab12", "walk", 100)
    assert walk.study == straight.study != upload.study  # settings change, the study stays
    assert walk.digest() != straight.digest() and walk.digest() == StudyKey("sample", None, "walk", 100).digest()
    # a path with colons does not blur study and settings (the string key split on ':')
    assert StudyKey("sample", "C:/a:b.gpkg", "walk", 100).study == ("sample", "C:/a:b.gpkg")
    existing = ResultKey.of(walk, Scenario())
    assert existing.is_existing and existing == ResultKey.of(walk, Scenario(name="named, no edits"))
    edited = ResultKey.of(walk, Scenario(edits=(Edit("remove", "F1"),)))
    assert not edited.is_existing and edited.digest() != existing.digest()
    assert ResultKey.of(straight, Scenario(edits=(Edit("remove", "F1"),))).digest() != edited.digest()

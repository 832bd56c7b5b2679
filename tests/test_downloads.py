"""planner.app.downloads: the files the downloads tab offers."""

from __future__ import annotations

import pytest

import planner
from planner.app import downloads
from planner.plan.scenario import Edit, Scenario


@pytest.fixture(scope="module")
def sample():
    return planner.analyze(mode="euclidean")


def test_file_stem_names_the_study_and_an_edited_scenario(sample) -> None:
    name = sample.study.name
    assert downloads.file_stem(sample, Scenario(name="plan-a")) == name  # no edits: the existing situation
    edits = (Edit("remove", str(sample.facilities["facility_id"].iloc[0])),)
    assert downloads.file_stem(sample, Scenario(edits=edits)) == f"{name}-scenario"
    assert downloads.file_stem(sample, Scenario(name="plan-a", edits=edits)) == f"{name}-plan-a"


def test_csv_downloads_carry_a_byte_order_mark(sample) -> None:
    for data in (downloads.communities_csv(sample), downloads.checks_csv(sample)):
        assert data.startswith("\ufeff".encode())
    assert downloads.tables_xlsx(sample, "en")[:2] == b"PK"

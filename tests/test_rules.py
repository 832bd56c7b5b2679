"""Rulebook loading, provenance and city overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner import RulebookError, load_rulebook


def test_national_rulebook_numbers_all_cite_a_defined_source_and_status() -> None:
    book = load_rulebook()
    rows = book.provenance()
    assert len(rows) >= 20
    for row in rows:
        assert row["source"] in book.sources, row
        assert row["status"] in book.statuses, row
        assert row["source_title"], row


def test_national_rulebook_has_the_issue_rules() -> None:
    book = load_rulebook()
    complex_rule = book.rules["complex_floor_area"]
    assert complex_rule.numbers["min_m2"].value == 1000
    assert complex_rule.numbers["per_100_households_m2"].value == 30
    assert book.rules["staff_ratio"].numbers["per_10k_residents"].value == 18
    grid = book.rules["grid_households"].numbers
    assert (grid["min_households"].value, grid["max_households"].value) == (300, 500)
    assert {"kindergarten", "primary_school", "elderly_day_care", "health_station", "community_service"} <= set(
        book.types
    )
    # one coverage rule per facility type
    assert all(f"coverage_{t}" in book.rules for t in book.types)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("社区服务站", "community_service"),
        ("党群服务中心", "community_service"),
        (" Kindergarten ", "kindergarten"),
        ("托老所", "elderly_day_care"),
        ("ＫＩＮＤＥＲＧＡＲＴＥＮ", "kindergarten"),  # full-width letters fold to ASCII
        ("菜市场", None),
        (None, None),
    ],
)
def test_match_type_uses_aliases_and_never_guesses(raw: object, key: str | None) -> None:
    assert load_rulebook().match_type(raw) == key


def test_city_file_overrides_numbers_and_keeps_the_rest(tmp_path: Path) -> None:
    city = tmp_path / "city.toml"
    city.write_text(
        """
[rulebook]
id = "chengdu"
version = "2026"
[sources.CD-2025]
title = "成都市社区综合服务设施配置导则 (example)"
[facility_types.kindergarten]
radius_m = { value = 500, source = "CD-2025", status = "V1" }
[community_rules.complex_floor_area]
min_m2 = { value = 800, source = "CD-2025", status = "V1" }
""",
        encoding="utf-8",
    )
    book = load_rulebook(city)
    assert book.id == "chengdu"
    assert book.types["kindergarten"].radius_m.value == 500
    assert book.types["kindergarten"].radius_m.source == "CD-2025"
    assert book.types["kindergarten"].name_zh == "幼儿园"  # kept from the national file
    assert book.rules["complex_floor_area"].numbers["min_m2"].value == 800
    assert book.rules["complex_floor_area"].numbers["per_100_households_m2"].value == 30
    assert book.rules["coverage_kindergarten"].numbers["radius_m"].value == 500
    assert book.files[-1] == str(city)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[facility_types.kindergarten]\nradius_m = 500\n", "must be a table"),
        ('[facility_types.kindergarten]\nradius_m = { value = 500, status = "V1" }\n', "no source"),
        ('[facility_types.kindergarten]\nradius_m = { value = 500, source = "NOPE", status = "V1" }\n', "NOPE"),
        ('[facility_types.kindergarten]\nradius_m = { value = 500, source = "GB50180", status = "X" }\n', "status"),
        (
            '[facility_types.kindergarten]\nradius_m = { value = -5, source = "GB50180", status = "U" }\n',
            "non-negative",
        ),
        ('[community_rules.extra]\nkind = "magic"\n', "kind"),
        ("not toml [", "not valid"),
    ],
)
def test_bad_city_files_are_refused_with_the_key_named(tmp_path: Path, text: str, match: str) -> None:
    city = tmp_path / "bad.toml"
    city.write_text(text, encoding="utf-8")
    with pytest.raises(RulebookError, match=match):
        load_rulebook(city)


def test_missing_city_file() -> None:
    with pytest.raises(RulebookError, match="does not exist"):
        load_rulebook("/nonexistent/city.toml")

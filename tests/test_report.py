"""Tests for planner.report's content: every printed figure equals the written results.

The report records each number it prints with a reference to its source (``summary.json``,
``communities.csv``, ...). These tests resolve every reference against the files that
:func:`planner.write_results` wrote for the same run, with their own reading of the files
and their own formulas for the few derived figures, so the report cannot drift from the
results. The district is the synthetic one of ``test_report_data``.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from test_report_data import Run, english_words, make_district, research_keys_in, run_district, write_osm_grid

import planner
from planner.errors import PlannerError
from planner.report import build_report
from planner.report.cartography import label_points, scale_length, true_north_angle
from planner.report.content import build_content
from planner.report.figures import draw_map, failure_classes
from planner.report.model import Num, Ref, Report
from planner.report.text import fmt_number, tr, zh_punct

ID_COLUMNS = {c: str for c in ("community_id", "facility_id", "id", "rule_id", "sub_district", "layer", "reason")}


@pytest.fixture(scope="module")
def district_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The synthetic district of test_report_data, analysed, with its results written."""
    return run_district(tmp_path_factory.mktemp("district"))


# -- an independent reader of the written results -------------------------------------------


class Results:
    """The files of one results folder, read as a user would read them."""

    def __init__(self, folder: Path, result: planner.Analysis, siting: pd.DataFrame | None = None) -> None:
        self.folder = folder
        self.summary = json.loads((folder / "summary.json").read_text("utf-8"))
        self.book = result.study.rulebook
        self.siting = siting
        self.frames: dict[str, pd.DataFrame] = {}

    def frame(self, name: str) -> pd.DataFrame:
        if name not in self.frames:
            df = pd.read_csv(self.folder / name, dtype=ID_COLUMNS, encoding="utf-8-sig")
            if name == "communities.csv":
                df = self._derived(df)
            self.frames[name] = df
        return self.frames[name]

    def _derived(self, df: pd.DataFrame) -> pd.DataFrame:
        """The derived community columns, restated from their definitions."""
        df = df.copy()
        staff = [r for r in self.summary["rules"] if self.summary["rules"][r]["kind"] == "staff_ratio"]
        if staff:
            need = np.ceil(df[f"threshold_{staff[0]}"] * df["population"] / 10_000 - 1e-9) - df["staff"]
            df["staff_needed"] = need.clip(lower=0)
        grid = [r for r in self.summary["rules"] if self.summary["rules"][r]["kind"] == "grid_households"]
        if grid:
            lo = self.summary["rules"][grid[0]]["numbers"]["min_households"]["value"]
            hi = self.summary["rules"][grid[0]]["numbers"]["max_households"]["value"]
            df["grid_fit_min"] = np.ceil(df["households"] / hi)
            df["grid_fit_max"] = np.maximum(np.floor(df["households"] / lo), df["grid_fit_min"])
        return df

    def value(self, ref: Ref) -> object:
        if ref.file == "summary.json":
            return self._summary_expr(ref.key)
        if ref.file == "rulebook":
            return self._rulebook(ref.key)
        if ref.file == "siting":
            assert self.siting is not None
            return self.siting.loc[dict(ref.row)["index"], ref.key]
        df = self.frame(ref.file)
        if ref.row:
            mask = np.logical_and.reduce([df[c].astype(str) == str(v) for c, v in ref.row])
            rows = df.loc[mask]
            assert len(rows) == 1, f"{ref} matches {len(rows)} rows"
            return rows.eval(ref.key).iloc[0] if " " in ref.key else rows[ref.key].iloc[0]
        mask = np.ones(len(df), dtype=bool)
        for col, v in ref.where:
            mask &= (df[col] == v).to_numpy() if isinstance(v, bool) else (df[col].astype(str) == str(v)).to_numpy()
        rows = df.loc[mask]
        if ref.agg == "count":
            return len(rows)
        return float((rows.eval(ref.key) if " " in ref.key else rows[ref.key]).sum())

    def _summary_expr(self, expr: str) -> float | None:
        def lookup(match: re.Match) -> str:
            node: object = self.summary
            for part in match[0].split("."):
                node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
            if node is None:
                raise LookupError
            return repr(float(node))  # type: ignore[arg-type]

        try:
            text = re.sub(r"[A-Za-z_]\w*(?:\.\w+)+", lookup, expr)
        except LookupError:
            return None
        return float(eval(text, {"__builtins__": {}}))

    def _rulebook(self, key: str) -> float:
        if key == "len(rules)":
            return len(self.summary["rules"])
        if key == "coverage.target_share":
            rule = next(r for r in self.summary["rules"].values() if r["kind"] == "coverage")
            return rule["numbers"]["target_share"]["value"]
        row = next(p for p in self.book.provenance() if p["key"] == key)
        return row["value"]


def same(actual: object, expected: object) -> bool:
    """Equal numbers (NaN/None/empty equal to each other), equal booleans."""
    missing = [v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA for v in (actual, expected)]
    if any(missing):
        return all(missing)
    if isinstance(actual, bool) or isinstance(expected, bool | np.bool_):
        return bool(actual) == bool(expected)
    return math.isclose(float(actual), float(expected), rel_tol=1e-9, abs_tol=1e-9)  # type: ignore[arg-type]


def check_all(report: Report, files: Results) -> int:
    """Resolve every recorded figure of ``report``; return how many were checked."""
    wrong = []
    for num in [*report.nums, *report.map_nums]:
        assert num.ref is not None, f"a printed number has no source: {num}"
        expected = files.value(num.ref)
        if not same(num.value, expected):
            wrong.append(f"{num.ref}: report {num.value!r}, results {expected!r}")
    assert not wrong, f"{len(wrong)} figure(s) differ from the results:\n" + "\n".join(wrong[:20])
    return len(report.nums) + len(report.map_nums)


# -- every figure equals the written results ---------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_equals_the_written_results(district_run: Run, lang: str) -> None:
    report = build_content(district_run.result, lang)
    checked = check_all(report, Results(district_run.results, district_run.result))
    n_comm = len(district_run.result.communities)
    n_rules = len(district_run.result.study.rulebook.rules)
    # the matrix alone has a pass/fail per community and rule, the checks a value per pair
    assert checked > 2 * n_comm * n_rules


def test_kind_columns_written_equal_their_definitions(district_run: Run) -> None:
    """communities.csv carries staff_needed and grid_fit_min/max; the report prints them, the test restates them."""
    written = pd.read_csv(district_run.results / "communities.csv", dtype=ID_COLUMNS, encoding="utf-8-sig")
    restated = Results(district_run.results, district_run.result)._derived(
        written.drop(columns=["staff_needed", "grid_fit_min", "grid_fit_max"])
    )
    for col in ("staff_needed", "grid_fit_min", "grid_fit_max"):
        pd.testing.assert_series_equal(written[col], restated[col], check_dtype=False, check_names=False)
    assert (written["staff_needed"] > 0).any() and (written["grid_fit_max"] > written["grid_fit_min"]).any()


def test_tables_cover_every_row_of_the_results(district_run: Run) -> None:
    report = build_content(district_run.result, "en")
    files = Results(district_run.results, district_run.result)
    assert len(report.checks.rows) == len(files.frame("compliance.csv"))
    assert len(report.facilities.rows) == len(files.frame("facilities.csv"))
    assert len(report.matrix.rows) == len(files.frame("communities.csv"))
    failing = (files.frame("communities.csv")["n_failed"] > 0).sum()
    assert len(report.ranking.rows) == failing
    subs = files.frame("sub_districts.csv")
    assert [c.header for c in report.sub_districts[0].columns[1:-1]] == list(subs["sub_district"])


def test_headlines_say_the_summary_figures(district_run: Run) -> None:
    s = json.loads((district_run.results / "summary.json").read_text("utf-8"))
    zh = build_content(district_run.result, "zh")
    en = build_content(district_run.result, "en")
    k = s["coverage"]["kindergarten"]
    share = f"{k['share_covered']:.0%}"
    assert f"{share}的居民步行{k['radius_m']:g}米内可到达幼儿园。" in zh.headlines
    assert f"{share} of residents live within a {k['radius_m']:g} m walk of a kindergarten." in en.headlines
    rule = s["rules"]["complex_floor_area"]
    n, total = rule["communities_passing"], rule["communities_passing"] + rule["communities_failing"]
    min_m2 = rule["numbers"]["min_m2"]["value"]
    assert any(
        line.startswith(
            f"{n} of {total} communities meet the community-service complex standard of at least {min_m2:,.0f}"
        )
        for line in en.standards
    )
    staff = s["rules"]["staff_ratio"]
    per10k = staff["numbers"]["per_10k_residents"]["value"]
    ratio = s["district"]["staff"] * 10_000 / s["district"]["residents"]
    line = next(x for x in zh.standards if "社区工作者" in x)
    assert f"每万名常住人口{per10k:g}名社区工作者" in line and f"每万人{ratio:.1f}名" in line


def test_gaps_are_the_three_affecting_most_residents(district_run: Run) -> None:
    files = Results(district_run.results, district_run.result)
    s, comm = files.summary, files.frame("communities.csv")
    candidates = [(c["residents"] - c["residents_covered"], f"type:{t}") for t, c in s["coverage"].items()]
    for rid, rule in s["rules"].items():
        if rule["kind"] != "coverage" and rule["communities_failing"]:
            candidates.append((comm.loc[comm[f"pass_{rid}"] == False, "population"].sum(), f"rule:{rid}"))  # noqa: E712
    top = [what for _, what in sorted(candidates, key=lambda c: -c[0])[:3]]
    gaps = build_content(district_run.result, "en").gaps
    assert len(gaps) == 3
    book = district_run.result.study.rulebook
    for gap, what in zip(gaps, top, strict=True):
        kind, key = what.split(":")
        if kind == "type":
            assert book.types[key].name_en.lower() in gap
        else:
            assert {"complex_floor_area": "floor area", "staff_ratio": "workers", "grid_households": "grids"}.get(
                key, "minimum floor area"
            ) in gap


def test_numbers_come_from_the_rulebook_not_the_code(tmp_path: Path) -> None:
    city = tmp_path / "city.toml"
    city.write_text(
        "[community_rules.staff_ratio]\n"
        'per_10k_residents = { value = 21, source = "HUBEI-14", status = "V2" }\n'
        "[community_rules.complex_floor_area]\n"
        'min_m2 = { value = 1200, source = "HUBEI-WZ", status = "V2" }\n',
        encoding="utf-8",
    )
    run = run_district(tmp_path, nx=2, ny=1)
    result = planner.analyze(planner.load_study(run.folder / "district.gpkg", rules=city))
    report = build_content(result, "en")
    text = " ".join(report.standards)
    assert "at least 21 community workers per 10,000 residents" in text
    assert "at least 1,200 m²" in text
    assert "18 community workers" not in text and "at least 1,000 m²" not in text
    rows = {r[0].text: r[1].text for r in report.rule_numbers.rows}
    assert rows["Community workers per 10,000 residents: workers per 10,000 residents"] == "21"


def test_siting_and_scenario_are_reported(district_run: Run) -> None:
    result = district_run.result
    x, y = result.communities.geometry.iloc[1].centroid.coords[0]
    sites = gpd.GeoDataFrame(
        {"site_id": ["S1", "S2"], "type": ["kindergarten", "elderly_day_care"], "residents_added": [1234, 567]},
        geometry=[shapely.Point(x, y), shapely.Point(x + 50, y)],
        crs=result.study.crs,
    )
    scenario = {"name": "方案A", "edits": [{"op": "add", "type": "kindergarten", "floor_area_m2": 2400.0}]}
    report = build_content(result, "zh", scenario=scenario, siting=sites)
    assert report.siting is not None and [r[1].text for r in report.siting.rows] == ["S1", "S2"]
    assert [r[2].text for r in report.siting.rows] == ["幼儿园", "老年人日间照料中心"]
    assert report.scenario is not None and report.scenario.rows[0][0].text == "新增"
    assert any("方案A" in f.value for f in report.cover)
    check_all(report, Results(district_run.results, result, siting=sites))


class _Edit:
    """Stands in for the app's scenario edit dataclass."""


def test_scenario_objects_with_dataclass_edits(district_run: Run) -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Edit:
        op: str
        facility_id: str
        floor_area_m2: float | None = None

    @dataclass(frozen=True)
    class Scenario:
        name: str
        edits: tuple

    report = build_content(
        district_run.result, "en", scenario=Scenario("larger station", (Edit("resize", "F010", 900.0),))
    )
    assert report.scenario is not None
    assert [c.header for c in report.scenario.columns] == ["Edit", "Id", "Floor area (m²)"]
    assert [c.text for c in report.scenario.rows[0]] == ["change floor area", "F010", "900"]


def test_district_without_sub_districts_or_streets(tmp_path: Path) -> None:
    path = tmp_path / "flat.gpkg"
    make_district(path, nx=2, ny=2, sub_districts=False)
    result = planner.analyze(planner.load_study(path), mode="euclidean")
    planner.write_results(result, tmp_path / "results")
    report = build_content(result, "en")
    assert report.sub_districts == []
    assert "straight-line distance" in " ".join(report.method)
    assert not any(f.label.startswith("Street network") for f in report.parameters)
    assert "straight line" in report.headlines[0]
    check_all(report, Results(tmp_path / "results", result))


# -- errors ---------------------------------------------------------------------------------


def test_bad_format_language_and_paths(district_run: Run, tmp_path: Path) -> None:
    result = district_run.result
    with pytest.raises(PlannerError, match="format must be one of pdf, html, xlsx"):
        build_report(result, "docx", "zh", tmp_path / "r.docx")
    with pytest.raises(PlannerError, match="language must be one of zh, en"):
        build_report(result, "html", "fr", tmp_path / "r.html")
    with pytest.raises(PlannerError, match="is a folder"):
        build_report(result, "html", "zh", tmp_path)
    with pytest.raises(PlannerError, match="refusing to overwrite the input file"):
        build_report(result, "xlsx", "zh", district_run.folder / "district.gpkg")


def test_bad_siting_and_scenario(district_run: Run) -> None:
    result = district_run.result
    with pytest.raises(PlannerError, match=r"lack column.*residents_added"):
        build_content(result, "en", siting=pd.DataFrame({"type": ["kindergarten"]}))
    with pytest.raises(PlannerError, match="not in the rulebook: swimming_pool"):
        build_content(result, "en", siting=pd.DataFrame({"type": ["swimming_pool"], "residents_added": [1]}))
    with pytest.raises(PlannerError, match="must be a table"):
        build_content(result, "en", siting=[{"type": "kindergarten"}])  # type: ignore[arg-type]
    with pytest.raises(PlannerError, match="edit must be a mapping"):
        build_content(result, "en", scenario={"name": "x", "edits": ["add a school"]})
    with pytest.raises(PlannerError, match="scenario must be a name"):
        build_content(result, "en", scenario=42)


def test_missing_cjk_font_says_what_to_install(monkeypatch: pytest.MonkeyPatch, district_run: Run, tmp_path) -> None:
    from planner.report import fonts

    fonts.cjk_font.cache_clear()
    monkeypatch.setattr(fonts, "_fontconfig_fonts", dict)
    monkeypatch.setattr(fonts, "_matplotlib_fonts", dict)
    try:
        with pytest.raises(PlannerError, match="apt-get install fonts-noto-cjk"):
            build_report(district_run.result, "html", "en", tmp_path / "r.html")
    finally:
        fonts.cjk_font.cache_clear()


def test_the_font_found_covers_chinese() -> None:
    from matplotlib.ft2font import FT2Font

    from planner.report.fonts import cjk_font

    font = cjk_font()
    assert all(FT2Font(font.path).get_char_index(ord(ch)) for ch in "社区达标幼儿园")


# -- helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("覆盖33%的居民(目标90%);5,336名居民", "覆盖33%的居民（目标90%）；5,336名居民"),
        ("建筑面积500平方米,应不少于1,000平方米", "建筑面积500平方米，应不少于1,000平方米"),
        ("WGS 84 / UTM zone 48N (EPSG:32648)", "WGS 84 / UTM zone 48N (EPSG:32648)"),
        ("社区综合服务设施:缺", "社区综合服务设施：缺"),
        ("https://x.cn/a:b 中文", "https://x.cn/a:b 中文"),
        ("English only (a, b; c: d)", "English only (a, b; c: d)"),
    ],
)
def test_zh_punct(text: str, expected: str) -> None:
    assert zh_punct(text) == expected


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (1234.5, "count", "1,234"),
        (0.7249, "share", "72%"),
        (0.7249, "share1", "72.5%"),
        (13.45, "ratio", "13.4"),
        (1000.0, "num", "1,000"),
        (0.5, "num", "0.5"),
        (None, "count", "–"),
        (float("nan"), "share", "–"),
    ],
)
def test_fmt_number(value: object, kind: str, expected: str) -> None:
    assert fmt_number(value, kind) == expected


def test_every_string_has_both_languages() -> None:
    from planner.report.text import STRINGS

    for key, (en, zh) in STRINGS.items():
        assert en and zh, key
        # the same fields in both languages (Chinese has no articles)
        assert set(re.findall(r"{(\w+)}", en)) - {"article"} == set(re.findall(r"{(\w+)}", zh)), key
    assert tr("pass", "zh") == "达标" and tr("pass", "en") == "meets"


@pytest.mark.parametrize(("width", "expected"), [(1000, 200), (3900, 500), (4300, 500), (12_000, 2000), (80, 10)])
def test_scale_bar_length_is_round_and_about_a_fifth(width: float, expected: float) -> None:
    assert scale_length(width) == expected


def test_failure_classes_are_the_apps_for_any_data() -> None:
    """One definition of the compliance map's classes, shared by the app and the report
    (replaces the data-driven classes, which drew 1–3/4–5/6–7/8–9/10–11 for the sample)."""
    from planner.app.maps_style import COMMUNITY_BINS

    for data in (np.array([0, 7, 8, 9]), np.arange(0, 12), None):
        classes = failure_classes(data)
        assert classes == [tuple(b) for b in COMMUNITY_BINS]
    bounds = [c[:2] for c in failure_classes()]
    assert bounds == [(0, 0), (1, 1), (2, 2), (3, 4), (5, 7), (8, None)]
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(bounds))


def test_north_arrow_follows_meridian_convergence(district_run: Run) -> None:
    # easting 400 km is west of UTM 48N's central meridian (500 km): true north leans east (clockwise)
    angle = true_north_angle(district_run.result)
    assert -3 < angle < -0.3


def test_labels_avoid_facilities() -> None:
    square = gpd.GeoSeries([shapely.box(0, 0, 600, 600)])
    ((x, y),) = label_points(square, np.array([[300.0, 300.0]]))
    assert math.hypot(x - 300, y - 300) >= 100
    assert shapely.box(0, 0, 600, 600).contains(shapely.Point(x, y))


def test_number_refs_are_well_formed(district_run: Run) -> None:
    report = build_content(district_run.result, "en")
    files = {"summary.json", "communities.csv", "facilities.csv", "compliance.csv", "sub_districts.csv"}
    files |= {"validation.csv", "rulebook"}
    assert {n.ref.file for n in report.nums if n.ref} <= files
    assert all(isinstance(n, Num) for n in report.nums)


def test_osm_streets_are_credited(tmp_path: Path) -> None:
    gpkg = make_district(tmp_path / "d.gpkg", nx=2, ny=1)
    osm = write_osm_grid(tmp_path / "streets.osm", nx=2, ny=1)
    result = planner.analyze(planner.load_study(gpkg, streets=osm))
    assert result.study.streets_from_osm
    zh, en = build_content(result, "zh"), build_content(result, "en")
    assert en.attribution.startswith("Streets © OpenStreetMap contributors")
    assert zh.attribution.startswith("道路 © OpenStreetMap 贡献者")
    html = build_report(result, "html", "en", tmp_path / "r.html").read_text("utf-8")
    assert "© OpenStreetMap contributors, available under the Open Database Licence" in html
    # without OSM data there is no OSM credit
    plain = build_content(planner.analyze(planner.load_study(gpkg)), "en")
    assert "OpenStreetMap" not in plain.attribution


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_map_has_legend_scale_bar_north_arrow_and_attribution(district_run: Run, lang: str) -> None:
    report = build_content(district_run.result, lang)
    assert {m.kind for m in report.maps} == {"compliance", "rules", "coverage"}
    assert sum(m.kind == "coverage" for m in report.maps) == len(district_run.result.study.rulebook.types)
    north, unit = ("北", "米") if lang == "zh" else ("N", " m")
    for spec in report.maps:
        fig = draw_map(spec, district_run.result, report)
        texts = [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]
        assert fig.legends, spec.key
        assert report.attribution in texts, spec.key
        assert north in texts, spec.key
        assert any(t.endswith(unit) or t.endswith("km" if lang == "en" else "公里") for t in texts), spec.key
        labels = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
        if spec.kind == "coverage":
            assert district_run.result.study.rulebook.types[spec.type_key].name(lang) in labels
            for cid, num in spec.labels.items():
                assert num.text in texts, (spec.key, cid)


def test_none_and_all_read_naturally(tmp_path: Path) -> None:
    city = tmp_path / "city.toml"
    city.write_text(
        "[community_rules.staff_ratio]\n"
        'per_10k_residents = { value = 1000, source = "HUBEI-14", status = "V2" }\n'
        "[community_rules.grid_households]\n"
        'min_households = { value = 1, source = "GRID-BLOG", status = "V2" }\n'
        'max_households = { value = 100000, source = "GRID-BLOG", status = "V2" }\n',
        encoding="utf-8",
    )
    gpkg = make_district(tmp_path / "d.gpkg", nx=2, ny=1)
    result = planner.analyze(planner.load_study(gpkg, rules=city))
    en, zh = build_content(result, "en").standards, build_content(result, "zh").standards
    assert any(s.startswith("None of the 2 communities have at least 1,000 community workers") for s in en)
    assert any(s.startswith("All 2 communities have governance grids of 1–100,000 households") for s in en)
    assert any(s.startswith("2个社区均未达到每万名常住人口1,000名社区工作者的标准") for s in zh)
    assert any(s.startswith("2个社区全部符合每格1–100,000户的网格规模") for s in zh)


def test_chinese_standards_tables_are_in_chinese(district_run: Run) -> None:
    """Every heading, header and cell of the standards and status tables, and the basis and status
    of every check, is Chinese (standard codes such as GB 50180 aside)."""
    report = build_content(district_run.result, "zh")
    for table in (report.rule_numbers, report.statuses):
        texts = [table.title, table.note, *(c.header for c in table.columns)]
        texts += [cell.text for row in table.rows for cell in row]
        assert [(t, english_words(t)) for t in texts if english_words(t)] == [], table.key
    # the trail's passages are quotes as they were seen: in Chinese for the national rulebook
    note = report.rule_trail.column_index("note")
    assert [r[note].text for r in report.rule_trail.rows if english_words(r[note].text)] == []
    basis, status = report.checks.column_index("basis"), report.checks.column_index("status")
    for row in report.checks.rows:
        assert not english_words(row[basis].text + row[status].text), row[basis].text
    assert any("二手来源" in row[status].text for row in report.checks.rows)
    texts = [report.title, report.subtitle, *(m.title for m in report.maps), *(m.caption for m in report.maps)]
    assert [t for t in texts if english_words(t)] == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_standards_name_their_basis_and_status_never_a_research_key(district_run: Run, lang: str) -> None:
    report = build_content(district_run.result, lang)
    book = district_run.result.study.rulebook
    keys = [c.key for c in report.rule_numbers.columns]
    assert keys == ["standard", "value", "basis", "status", "note"]
    for row in report.rule_numbers.rows:
        text = " ".join(c.text for c in row)
        assert research_keys_in(text, book) == [], text
        assert row[2].text not in ("", "–")
    # the trail is kept, in its own table of the method appendix
    trail = {row[1].text for row in report.rule_trail.rows}
    assert {"RAG-EVAL", "GRID-BLOG"} <= trail
    for row in report.checks.rows:
        text = " ".join(c.text for c in row)
        assert research_keys_in(text, book) == [], text


@pytest.fixture(scope="module")
def sample_run() -> planner.Analysis:
    """The bundled sample district (its small communities made the labels collide)."""
    return planner.analyze()


def _extent(artist, renderer):
    return artist.get_window_extent(renderer)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_labels_never_overlap_and_legends_fit_the_figure(sample_run: planner.Analysis, lang: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from planner.report.cartography import LABEL_GID

    report = build_content(sample_run, lang)
    for spec in report.maps[:3]:  # the compliance map, the standards' panels and the first coverage map
        fig = draw_map(spec, sample_run, report)
        FigureCanvasAgg(fig)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        page = fig.bbox
        labels = [t for ax in fig.axes for t in ax.texts if t.get_gid() == LABEL_GID]
        if spec.kind != "rules":
            assert len(labels) == len(sample_run.communities), spec.key  # every community labelled here
        boxes = [_extent(t, renderer) for t in labels]
        for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
            assert not a.overlaps(b), (spec.key, labels[i].get_text(), labels[j].get_text())
        for legend in fig.legends:
            box = _extent(legend, renderer)
            assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, spec.key
            for text in fig.texts:  # the attribution and the colour bar's label stay clear of the legend
                assert not box.overlaps(_extent(text, renderer)), (spec.key, text.get_text())
        if spec.kind == "compliance":
            (legend,) = fig.legends
            shown = [t.get_text() for t in legend.get_texts()]
            assert tr("lg_failed_plus", lang, lo=8) in shown and tr("lg_failed", lang, lo=3, hi=4) in shown
        fig.clear()


def test_report_and_app_colour_communities_alike(sample_run: planner.Analysis) -> None:
    """Each community's fill on the report's compliance map is the app's colour for its count."""
    from matplotlib.colors import to_hex

    from planner.app.maps_style import community_colour

    report = build_content(sample_run, "zh")
    fig = draw_map(report.maps[0], sample_run, report)
    ax = fig.axes[0]
    fills = next(c for c in ax.collections if len(c.get_facecolors()) == len(sample_run.communities))
    drawn = [to_hex(c, keep_alpha=False) for c in fills.get_facecolors()]
    assert drawn == [community_colour(int(n)) for n in sample_run.communities["n_failed"]]

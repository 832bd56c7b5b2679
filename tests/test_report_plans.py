"""Report sections for the planning commands: planner report --siting / --regions / --access.

The planning commands run on the synthetic district of test_report_data; every figure the
planning sections print is resolved independently against the files those commands wrote.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from test_report_data import make_district

import planner
from planner.cli import main
from planner.errors import InputError
from planner.report import build_content, read_plans
from planner.report.plans import THREE_LISTS_COLUMNS

IDS = {c: str for c in ("community_id", "station_id", "candidate_id", "grid_id", "site_facility_id")}


@pytest.fixture(scope="module")
def plans_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The district analysed, and the --out folders of site, workstations + grids and access."""
    root = tmp_path_factory.mktemp("plans")
    study = make_district(root / "district.gpkg", nx=3, ny=2)
    common = [str(study), "--quiet"]
    site, regions, access = root / "site", root / "regions", root / "access"
    assert main(["site", *common, "--type", "elderly_day_care", "--add", "2", "--out", str(site)]) == 0
    assert main(["workstations", *common, "--out", str(regions)]) == 0
    assert main(["grids", *common, "--out", str(regions)]) == 0
    assert main(["access", *common, "--type", "elderly_day_care", "--out", str(access)]) == 0
    return {"study": study, "site": site, "regions": regions, "access": access, "root": root}


@pytest.fixture(scope="module")
def result(plans_run: dict[str, Path]) -> planner.Analysis:
    return planner.analyze(planner.load_study(plans_run["study"]))


def _three_lists(folder: Path, comm: pd.DataFrame) -> Path:
    """A three_lists.csv in the columns the access helper writes (values made up, ids real)."""
    rows = [
        {
            "community_id": cid,
            "type_key": "elderly_day_care",
            "group": "elderly",
            "demand_residents": 100 + i,
            "demand_households": 50 + i,
            "facilities_in_reach": i % 3,
            "supply": 120.5 * i,
            "supply_unit": "m2",
            "supply_per_100_households": 2.25 * i,
            "standard_per_100_households": 20.0,
            "shortfall": max(0.0, 20.0 - 2.25 * i),
        }
        for i, cid in enumerate(comm["community_id"])
    ]
    path = folder / "three_lists.csv"
    pd.DataFrame(rows, columns=list(THREE_LISTS_COLUMNS)).to_csv(path, index=False, encoding="utf-8-sig")
    return path


class PlanFiles:
    """The planning outputs, read as a user would, to resolve the report's references."""

    def __init__(self, run: dict[str, Path]) -> None:
        self.info = json.loads((run["site"] / "siting.json").read_text("utf-8"))
        self.frames = {
            "sites.gpkg": pd.DataFrame(
                gpd.read_file(run["site"] / "sites.gpkg", layer="sites").drop(columns="geometry")
            ),
            "workstations.gpkg": pd.DataFrame(
                gpd.read_file(run["regions"] / "workstations.gpkg", layer="workstations").drop(columns="geometry")
            ),
            "grid_communities.csv": pd.read_csv(
                run["regions"] / "grid_communities.csv", dtype=IDS, encoding="utf-8-sig"
            ),
            "access_communities.csv": pd.read_csv(
                run["access"] / "access_communities.csv", dtype=IDS, encoding="utf-8-sig"
            ),
        }
        lists = run["access"] / "three_lists.csv"
        if lists.exists():
            self.frames["three_lists.csv"] = pd.read_csv(lists, dtype=IDS, encoding="utf-8-sig")

    def value(self, ref) -> object:
        if ref.file == "siting.json":
            if " - " in ref.key:
                a, b = ref.key.split(" - ")
                return self.info[a] - self.info[b]
            return self.info[ref.key]
        df = self.frames[ref.file]
        if ref.row:
            mask = np.logical_and.reduce([df[c].astype(str) == str(v) for c, v in ref.row])
            assert mask.sum() == 1, ref
            return df.loc[mask, ref.key].iloc[0]
        mask = np.ones(len(df), dtype=bool)
        for col, v in ref.where:
            mask &= (df[col].astype(str) == str(v)).to_numpy()
        rows = df.loc[mask]
        if ref.agg == "count":
            return int(rows.eval(ref.key).sum()) if " " in ref.key else len(rows)
        return float(rows[ref.key].sum())


def _same(a: object, b: object) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)  # type: ignore[arg-type]


PLAN_FILES = {
    "siting.json",
    "sites.gpkg",
    "workstations.gpkg",
    "grid_communities.csv",
    "access_communities.csv",
    "three_lists.csv",
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_planning_sections_print_the_planning_files(plans_run, result, lang: str) -> None:
    plans = read_plans(siting=plans_run["site"], regions=plans_run["regions"], access=plans_run["access"])
    report = build_content(result, lang, plans=plans)
    keys = [s.key for s in report.sections]
    assert keys == ["cover", "summary", "maps", "tables", "recommendations", "siting", "regions", "access", "method"]
    assert report.section("method").title.startswith("8 ")
    files = PlanFiles(plans_run)
    nums = [n for n in report.nums if n.ref is not None and n.ref.file in PLAN_FILES]
    wrong = [f"{n.ref}: {n.value!r} vs {files.value(n.ref)!r}" for n in nums if not _same(n.value, files.value(n.ref))]
    assert not wrong, wrong[:10]
    sites = report.section("siting").table("plan_sites")
    assert len(sites.rows) == len(files.frames["sites.gpkg"]) == 2
    assert len(report.section("regions").table("plan_stations").rows) == len(files.frames["workstations.gpkg"])
    assert len(report.section("regions").table("plan_grids").rows) == len(files.frames["grid_communities.csv"])
    assert len(report.section("access").table("plan_access").rows) == len(result.communities)
    assert report.section("access").table("three_lists") is None  # the access folder has none
    if lang == "en":  # the balance measure is read from the stations' measure column (households by default)
        assert "Balance measure: households." in report.section("regions").paragraphs[0]
    gap = f"{files.info['gap']:.1%}"
    assert any(gap in p for p in report.section("siting").paragraphs)
    # the other sections are those of the report without plans
    plain = build_content(result, lang)
    for key in ("summary", "tables", "recommendations"):
        assert report.section(key) == plain.section(key)


def test_three_lists_are_read_when_present(plans_run, result, tmp_path: Path) -> None:
    access = tmp_path / "access"
    shutil.copytree(plans_run["access"], access)
    _three_lists(access, result.communities)
    plans = read_plans(access=access)
    assert plans.access is not None and plans.access.three_lists is not None
    report = build_content(result, "zh", plans=plans)
    table = report.section("access").table("three_lists")
    assert table is not None and len(table.rows) == len(result.communities)
    assert [c.key for c in table.columns][2:] == list(THREE_LISTS_COLUMNS)[1:]
    files = PlanFiles({"site": plans_run["site"], "regions": plans_run["regions"], "access": access})
    nums = [n for n in report.nums if n.ref is not None and n.ref.file == "three_lists.csv"]
    assert nums and all(_same(n.value, files.value(n.ref)) for n in nums)
    assert table.rows[0][2].text == "老年人日间照料中心"


def test_a_folder_that_is_not_a_planning_output_names_the_missing_file(
    plans_run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"empty.*siting\.json is missing"):
        read_plans(siting=empty)
    with pytest.raises(InputError, match=r"empty.*workstations\.gpkg and grids\.gpkg are both missing"):
        read_plans(regions=empty)
    with pytest.raises(InputError, match=r"empty.*access_communities\.csv is missing"):
        read_plans(access=empty)
    with pytest.raises(InputError, match="no such folder"):
        read_plans(access=tmp_path / "nowhere")
    half = tmp_path / "half"
    shutil.copytree(plans_run["site"], half)
    (half / "sites.gpkg").unlink()
    with pytest.raises(InputError, match=r"half.*sites\.gpkg is missing"):
        read_plans(siting=half)
    # the CLI says the same (before it analyses anything) and writes no report
    out = tmp_path / "r.html"
    assert main(["report", str(plans_run["study"]), "--quiet", "--access", str(empty), "--out", str(out)]) != 0
    assert "access_communities.csv is missing" in capsys.readouterr().err
    assert not out.exists()


def test_grids_alone_give_the_regions_section(plans_run, result, tmp_path: Path) -> None:
    grids = tmp_path / "grids"
    grids.mkdir()
    for name in ("grids.gpkg", "grid_communities.csv"):
        shutil.copy(plans_run["regions"] / name, grids / name)
    report = build_content(result, "en", plans=read_plans(regions=grids))
    section = report.section("regions")
    assert section is not None and [t.key for t in section.tables] == ["plan_grids"]


def test_cli_report_with_plans_in_html_and_xlsx(plans_run, tmp_path: Path) -> None:
    args = [
        "--siting",
        str(plans_run["site"]),
        "--regions",
        str(plans_run["regions"]),
        "--access",
        str(plans_run["access"]),
    ]
    html = tmp_path / "r.html"
    xlsx = tmp_path / "r.xlsx"
    assert (
        main(
            [
                "report",
                str(plans_run["study"]),
                "--quiet",
                "--format",
                "html",
                "--lang",
                "en",
                *args,
                "--out",
                str(html),
            ]
        )
        == 0
    )
    text = html.read_text("utf-8")
    for key in ("siting", "regions", "access"):
        assert f'<section id="{key}"' in text
    for kind in ("siting", "regions", "access"):
        assert text.count(f'class="map map-{kind}"') == 1
    assert (
        main(
            [
                "report",
                str(plans_run["study"]),
                "--quiet",
                "--format",
                "xlsx",
                "--lang",
                "zh",
                *args,
                "--out",
                str(xlsx),
            ]
        )
        == 0
    )
    names = load_workbook(xlsx).sheetnames
    assert {"选址", "社区工作站", "网格", "可达供给"} <= set(names)


def test_pdf_with_plans_shows_the_chinese_sections(plans_run, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    out = tmp_path / "r.pdf"
    args = [
        "--siting",
        str(plans_run["site"]),
        "--regions",
        str(plans_run["regions"]),
        "--access",
        str(plans_run["access"]),
    ]
    assert main(["report", str(plans_run["study"]), "--quiet", "--format", "pdf", *args, "--out", str(out)]) == 0
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    for title in ("新增设施选址", "社区工作站与网格划分", "供需比"):
        assert title in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_life_circle_section_prints_the_tiers_files(plans_run, result, lang: str) -> None:
    """``planner report --tiers``: every figure equals its cell of the files ``planner tiers`` wrote."""
    out = plans_run["root"] / "tiers"
    if not out.exists():
        assert main(["tiers", str(plans_run["study"]), "--quiet", "--out", str(out)]) == 0
    plans = read_plans(tiers=out)
    report = build_content(result, lang, plans=plans)
    assert [s.key for s in report.sections][-2:] == ["tiers", "method"]
    section = report.section("tiers")
    frames = {
        name: pd.read_csv(out / name, dtype=IDS, encoding="utf-8-sig")
        for name in ("tiers_district.csv", "tiers_communities.csv", "tiers.csv", "three_lists.csv")
    }
    nums = [n for n in report.nums if n.ref is not None and n.ref.file in frames]
    assert {n.ref.file for n in nums} == set(frames)
    wrong = []
    for n in nums:
        df = frames[n.ref.file]
        mask = np.logical_and.reduce([df[c].astype(str) == str(v) for c, v in n.ref.row])
        assert mask.sum() == 1, n.ref
        if not _same(n.value, df.loc[mask, n.ref.key].iloc[0]):
            wrong.append(n.ref)
    assert not wrong, wrong[:5]
    district = frames["tiers_district.csv"]
    assert len(section.table("tiers").rows) == len(district) == 3
    assert len(section.table("tiers_communities").rows) == len(result.communities)
    assert len(section.table("three_lists").rows) == len(frames["three_lists.csv"])
    # the widest circle's residents, recomputed from the cells: those whose every type of the circle is in reach
    cells = pd.read_csv(out / "tiers_cells.csv", dtype=IDS, encoding="utf-8-sig")
    widest = district.iloc[-1]
    done = cells.loc[cells[f"complete_{widest['tier'].replace('-', '_')}"], "population"].sum()
    assert widest["residents_complete"] == round(done)
    assert f"{round(done):,}" in section.paragraphs[0]


def test_life_circles_and_access_show_the_three_lists_once(plans_run, result, tmp_path: Path) -> None:
    access = tmp_path / "access"
    shutil.copytree(plans_run["access"], access)
    _three_lists(access, result.communities)
    tiers = plans_run["root"] / "tiers"
    if not tiers.exists():
        assert main(["tiers", str(plans_run["study"]), "--quiet", "--out", str(tiers)]) == 0
    report = build_content(result, "en", plans=read_plans(access=access, tiers=tiers))
    assert report.section("access").table("three_lists") is not None
    assert report.section("tiers").table("three_lists") is None
    (empty := tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"empty.*tiers_district\.csv is missing.*planner tiers"):
        read_plans(tiers=empty)

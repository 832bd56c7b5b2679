"""A corpus of broken studies: every defect class gives a located error or a recorded flag.

Each case builds a small study in its own folder (GeoPackage, GeoJSON, Shapefile, zipped
shapefile, CSV, XLSX) from the toy district of ``conftest.toy_layers`` with one defect, runs
``load_study`` and ``analyze``, and expects either an :class:`~planner.errors.InputError`
(or another :class:`~planner.errors.PlannerError`) whose message names the cause, or a
reason code in the validation log. Never a traceback of another exception, never silence,
and the input files' bytes are the same afterwards.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from conftest import ROOT, X0, Y0, toy_layers, write_gpkg

from planner import PlannerError, analyze, load_rulebook, load_study

Layers = dict[str, gpd.GeoDataFrame]
Build = Callable[[Path], dict]


@dataclass(frozen=True)
class Case:
    """One defect class: how to build it and what planner must say about it.

    ``error`` is a regular expression the error message must match; ``flag`` is a
    ``(layer, reason)`` or ``(layer, reason, id)`` the validation log must hold; ``check``
    looks at the finished analysis.
    """

    build: Build
    error: str | None = None
    flag: tuple[str, ...] | None = None
    check: Callable[[object], None] | None = None
    mode: str = "euclidean"


def _gpkg(change: Callable[[Layers], None], name: str = "study.gpkg") -> Build:
    """A GeoPackage of the toy district after ``change`` edits its layers in place."""

    def build(folder: Path) -> dict:
        layers = toy_layers()
        change(layers)
        return {"path": write_gpkg(folder / name, {k: v for k, v in layers.items() if v is not None})}

    return build


def _edit(layer: str, fn: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]) -> Build:
    def change(layers: Layers) -> None:
        layers[layer] = fn(layers[layer].copy())

    return _gpkg(change)


def _with(layer: str, **columns: object) -> Build:
    return _edit(layer, lambda g: g.assign(**columns))


def _set_geom(layer: str, row: int, geom: object) -> Build:
    def fn(g: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        g.loc[row, "geometry"] = geom
        return g

    return _edit(layer, fn)


def _empty(layer: str) -> Build:
    return _edit(layer, lambda g: g.iloc[0:0])


def _add_layer(name: str, gdf_of: Callable[[Layers], gpd.GeoDataFrame]) -> Build:
    def change(layers: Layers) -> None:
        layers[name] = gdf_of(layers)

    return _gpkg(change)


def _cells(layers: Layers, scale: float = 1.0) -> gpd.GeoDataFrame:
    """Sixteen 100 m cells per community, holding ``scale`` times the community's residents."""
    rows = []
    for k, (cid, pop) in enumerate(zip(["A", "B"], [9000, 8000], strict=True)):
        for i in range(4):
            for j in range(4):
                x, y = X0 + 400 * k + 100 * i, Y0 + 100 * j
                rows.append(
                    {
                        "编号": f"{cid}{i}{j}",
                        "人口": round(pop * scale / 16),
                        "geometry": shapely.box(x, y, x + 100, y + 100),
                    }
                )
    return gpd.GeoDataFrame(rows, crs=layers["communities"].crs)


def _buildings(layers: Layers) -> gpd.GeoDataFrame:
    geoms = [shapely.box(X0 + 20, Y0 + 20, X0 + 60, Y0 + 60), shapely.box(X0 + 420, Y0 + 20, X0 + 460, Y0 + 60)]
    return gpd.GeoDataFrame({"层数": [6, 6], "用途": ["住宅", "住宅"]}, geometry=geoms, crs=layers["communities"].crs)


def _folder(write: Callable[[Path, Layers], None], **options: object) -> Build:
    """A folder study whose files ``write`` makes from the toy layers, loaded with ``options``."""

    def build(folder: Path) -> dict:
        study = folder / "study"
        study.mkdir()
        write(study, toy_layers())
        return {"path": study, **options}

    return build


def _facilities_csv(text: str, encoding: str = "utf-8") -> Build:
    def write(study: Path, layers: Layers) -> None:
        layers["communities"].to_file(study / "communities.gpkg")
        (study / "facilities.csv").write_bytes(text.encode(encoding))

    return _folder(write)


def _facilities_file(name: str, content: bytes) -> Build:
    def write(study: Path, layers: Layers) -> None:
        layers["communities"].to_file(study / "communities.gpkg")
        (study / name).write_bytes(content)

    return _folder(write)


def _zip_without_shapefile(study: Path, layers: Layers) -> None:
    layers["communities"].to_file(study / "communities.gpkg")
    with zipfile.ZipFile(study / "facilities.zip", "w") as zf:
        zf.writestr("readme.txt", "设施清单见附件")


def _shapefile_without_prj(study: Path, layers: Layers) -> None:
    layers["communities"].to_file(study / "communities.gpkg")
    fac = layers["facilities"].rename(
        columns={"设施编码": "code", "设施名称": "name", "设施类型": "type", "建筑面积": "gfa"}
    )
    fac.to_file(study / "facilities.shp", encoding="utf-8")
    (study / "facilities.prj").unlink()


def _xlsx_with_title_row(study: Path, layers: Layers) -> None:
    layers["communities"].to_file(study / "communities.gpkg")
    table = pd.DataFrame(
        [
            ["锦城区社区设施清单", "", "", ""],
            ["设施名称", "设施类型", "经度", "纬度"],
            ["甲社区服务站", "社区服务站", "103.95", "30.63"],
        ]
    )
    table.to_excel(study / "facilities.xlsx", header=False, index=False)


def _zip_with_two_layers(study: Path, layers: Layers) -> None:
    layers["communities"].to_file(study / "communities.gpkg")
    with zipfile.ZipFile(study / "facilities.zip", "w") as zf:
        for name in ("a.shp", "b.shp"):
            zf.writestr(name, b"")


def _metres_as_wgs84(study: Path, layers: Layers) -> None:
    layers["communities"].set_crs("EPSG:4326", allow_override=True).to_file(study / "communities.geojson")
    layers["facilities"].to_file(study / "facilities.gpkg")


def _communities_csv(study: Path, layers: Layers) -> None:
    comm = layers["communities"]
    centre = comm.centroid.to_crs("EPSG:4326")
    table = pd.DataFrame(comm.drop(columns="geometry")).assign(经度=centre.x, 纬度=centre.y)
    table.to_csv(study / "communities.csv", index=False)
    layers["facilities"].to_file(study / "facilities.gpkg")


def _comm_flag_check(cid: str, rule: str, passed: object, reason: str) -> Callable[[object], None]:
    def check(result: object) -> None:
        row = result.checks.set_index(["community_id", "rule_id"]).loc[(cid, rule)]
        assert row["passed"] is pd.NA if passed is None else bool(row["passed"]) is passed, row
        assert re.search(reason, row["reason_en"]), row["reason_en"]

    return check


BOWTIE = shapely.Polygon([(X0, Y0), (X0 + 400, Y0 + 400), (X0 + 400, Y0), (X0, Y0 + 400), (X0, Y0)])
FAR = shapely.Point(X0 + 50_000, Y0 + 50_000)
LINE = shapely.LineString([(X0 + 100, Y0 + 100), (X0 + 200, Y0 + 100)])

CASES: dict[str, Case] = {
    # --- empty and missing layers -------------------------------------------------------
    "empty-communities-layer": Case(_empty("communities"), error=r"layer 'communities'.*no features"),
    "empty-facilities-layer": Case(_empty("facilities"), error=r"layer 'facilities'.*no features"),
    "empty-streets-layer": Case(_empty("streets"), error=r"layer 'streets'.*no features"),
    "empty-cells-layer": Case(
        _add_layer("cells", lambda ls: _cells(ls).iloc[0:0]), error=r"layer 'cells'.*no features"
    ),
    "empty-buildings-layer": Case(
        _add_layer("buildings", lambda ls: _buildings(ls).iloc[0:0]), error=r"layer 'buildings'.*no features"
    ),
    "missing-facilities-layer": Case(
        _gpkg(lambda ls: ls.update(facilities=None)), error=r"study\.gpkg.*no 'facilities' layer"
    ),
    "layer-name-typo": Case(
        _gpkg(lambda ls: ls.update(communites=ls.pop("communities"))), error=r"no 'communities' layer.*communites"
    ),
    "facilities-csv-header-only": Case(
        _facilities_csv("设施名称,设施类型,经度,纬度\n"), error=r"facilities\.csv.*no features"
    ),
    "facilities-csv-zero-bytes": Case(_facilities_csv(""), error=r"facilities\.csv.*(empty|cannot read)"),
    # --- unreadable files -----------------------------------------------------------------
    "corrupt-geopackage": Case(_facilities_file("facilities.gpkg", b"SQLite? no"), error=r"facilities\.gpkg"),
    "broken-geojson": Case(
        _facilities_file("facilities.geojson", b'{"type": "FeatureCollection", "feat'),
        error=r"facilities\.geojson.*cannot read",
    ),
    "zip-without-shapefile": Case(_folder(_zip_without_shapefile), error=r"facilities\.zip.*no \.shp"),
    "shapefile-without-prj": Case(_folder(_shapefile_without_prj), error=r"facilities.*(coordinate|CRS)"),
    "csv-without-lon-lat": Case(
        _facilities_csv("设施名称,设施类型,地址\n甲,社区服务站,某路1号\n"), error=r"facilities\.csv.*longitude"
    ),
    "csv-lon-lat-text": Case(
        _facilities_csv("设施名称,设施类型,经度,纬度\n甲,社区服务站,东经103度,30.6\n"), error=r"facilities\.csv.*row.*2"
    ),
    "xlsx-title-row-above-header": Case(_folder(_xlsx_with_title_row), error=r"facilities\.xlsx.*longitude"),
    # --- columns and values -----------------------------------------------------------------
    "population-column-missing": Case(
        _edit("communities", lambda g: g.drop(columns="人口")), error=r"required column 'population'"
    ),
    "population-text": Case(_with("communities", 人口=["9000", "很多"]), error=r"population.*B"),
    "population-negative": Case(_with("communities", 人口=[9000, -5]), error=r"population.*B"),
    "population-empty": Case(_with("communities", 人口=[9000, None]), error=r"population.*B.*may not be empty"),
    "households-text": Case(_with("communities", 户数=["3334", "三千"]), error=r"households.*B"),
    "staff-text": Case(_with("communities", 工作人员数=["18人", 10]), error=r"staff.*A"),
    "grid-count-negative": Case(_with("communities", 网格数=[8, -1]), error=r"grid_count.*B"),
    "community-ids-duplicated": Case(
        _with("communities", 社区编码=["A", "A"]), error=r"community_id.*A: ids must be unique"
    ),
    "community-id-empty": Case(
        _with("communities", 社区编码=["A", None]), error=r"community_id.*row 2.*ids may not be empty"
    ),
    "facility-ids-duplicated": Case(
        _with("facilities", 设施编码=["F1", "F1", "F3"]), error=r"facility_id.*F1: ids must be unique"
    ),
    "facility-type-column-missing": Case(
        _edit("facilities", lambda g: g.drop(columns="设施类型")), error=r"layer 'facilities'.*type column"
    ),
    "facility-type-unknown": Case(
        _with("facilities", 设施类型=["社区服务站", "幼儿园", "菜市场"]),
        flag=("facilities", "unknown_facility_type", "F3"),
    ),
    "facility-type-empty": Case(
        _with("facilities", 设施类型=["社区服务站", None, "幼儿园"]), flag=("facilities", "unknown_facility_type", "F2")
    ),
    "facility-types-all-unknown": Case(
        _with("facilities", 设施类型=["菜市场", "超市", "菜市场"]),
        error=r"no facility remains.*3 unknown_facility_type",
    ),
    "floor-area-negative": Case(_with("facilities", 建筑面积=[1000, -1800, 300]), error=r"floor_area_m2.*F2"),
    "floor-area-text": Case(_with("facilities", 建筑面积=["1000", "大", 300]), error=r"floor_area_m2.*F2"),
    "floor-area-missing": Case(
        _with("facilities", 建筑面积=[1000, None, 300]), flag=("facilities", "missing_floor_area", "F2")
    ),
    "cells-population-column-missing": Case(
        _add_layer("cells", lambda ls: _cells(ls).drop(columns="人口")),
        error=r"layer 'cells'.*required column 'population'",
    ),
    "cells-population-text": Case(
        _add_layer("cells", lambda ls: _cells(ls).assign(人口="多")), error=r"layer 'cells'.*population"
    ),
    "buildings-levels-text": Case(
        _add_layer("buildings", lambda ls: _buildings(ls).assign(层数=["六", 6])), error=r"layer 'buildings'.*levels"
    ),
    # --- two columns meaning the same thing ---------------------------------------------------
    "population-and-人口-differ": Case(
        _with("communities", population=[9500, 8000]), error=r"'人口'.*'population'|'population'.*'人口'"
    ),
    "population-and-人口-equal": Case(
        _with("communities", population=[9000, 8000]), flag=("communities", "duplicate_column", "人口|population")
    ),
    "households-and-户数-differ": Case(
        _with("communities", households=[3334, 30]), error=r"户数.*households.*B|households.*户数.*B"
    ),
    "two-type-columns-differ": Case(
        _with("facilities", 类型=["幼儿园", "幼儿园", "幼儿园"]), error=r"设施类型.*类型|类型.*设施类型"
    ),
    # --- inconsistent community figures -----------------------------------------------------
    "households-column-absent": Case(
        _edit("communities", lambda g: g.drop(columns="户数")), flag=("communities", "missing_households", "A")
    ),
    "households-missing-one": Case(
        _with("communities", 户数=[3334, None]), flag=("communities", "missing_households", "B")
    ),
    "households-zero-with-residents": Case(
        _with("communities", 户数=[3334, 0]), flag=("communities", "community_figures_inconsistent", "B")
    ),
    "households-more-than-residents": Case(
        _with("communities", 户数=[3334, 80_000]), flag=("communities", "community_figures_inconsistent", "B")
    ),
    "residents-per-household-implausible": Case(
        _with("communities", 户数=[3334, 100]), flag=("communities", "community_figures_inconsistent", "B")
    ),
    "complex-rule-decided-by-floor-without-households": Case(
        _edit("communities", lambda g: g.drop(columns="户数")),
        check=_comm_flag_check("B", "complex_floor_area", False, r"households unknown.*1,000 m² minimum"),
    ),
    "complex-rule-undecided-without-households": Case(
        _edit("communities", lambda g: g.drop(columns="户数")),
        check=_comm_flag_check("A", "complex_floor_area", None, r"households unknown"),
    ),
    # --- cells that disagree with the communities -----------------------------------------
    "cells-residents-off-by-90-percent": Case(
        _add_layer("cells", lambda ls: _cells(ls, scale=0.1)), flag=("cells", "cells_population_mismatch", "A")
    ),
    "cells-all-outside-communities": Case(
        _add_layer("cells", lambda ls: _cells(ls).set_geometry(_cells(ls).geometry.translate(50_000, 50_000))),
        error=r"layer 'cells'.*(no|outside)",
    ),
    # --- geometries ---------------------------------------------------------------------------
    "community-null-geometry": Case(_set_geom("communities", 1, None), flag=("communities", "null_geometry", "B")),
    "community-empty-geometry": Case(
        _set_geom("communities", 1, shapely.Polygon()), flag=("communities", "empty_geometry", "B")
    ),
    "community-self-intersecting": Case(
        _set_geom("communities", 0, BOWTIE), flag=("communities", "invalid_geometry_repaired", "A")
    ),
    "community-zero-area": Case(
        _set_geom("communities", 1, shapely.Polygon([(X0 + 400, Y0), (X0 + 800, Y0), (X0 + 600, Y0)])),
        flag=("communities", "wrong_geometry_type", "B"),
    ),
    "communities-as-points": Case(
        _edit("communities", lambda g: g.set_geometry(g.geometry.centroid)),
        error=r"layer 'communities'.*no community has a usable polygon",
    ),
    "community-mixed-geometry": Case(
        _set_geom("communities", 1, shapely.Point(X0 + 600, Y0 + 200)), flag=("communities", "wrong_geometry_type", "B")
    ),
    "communities-overlap": Case(
        _set_geom("communities", 1, shapely.box(X0 + 200, Y0, X0 + 800, Y0 + 400)),
        flag=("communities", "community_overlap", "A"),
    ),
    "facility-as-line": Case(_set_geom("facilities", 1, LINE), flag=("facilities", "wrong_geometry_type", "F2")),
    "facilities-all-lines": Case(
        _edit("facilities", lambda g: g.set_geometry([LINE] * len(g), crs=g.crs)),
        error=r"layer 'facilities'.*no facility remains.*3 wrong_geometry_type",
    ),
    "facility-null-geometry": Case(_set_geom("facilities", 0, None), flag=("facilities", "null_geometry", "F1")),
    "facility-outside-communities": Case(
        _set_geom("facilities", 1, FAR), flag=("facilities", "facility_outside_communities", "F2")
    ),
    "facilities-duplicated-at-one-point": Case(
        _edit("facilities", lambda g: pd.concat([g, g.iloc[[1]].assign(设施编码="F2b")], ignore_index=True)),
        flag=("facilities", "duplicate_facility", "F2b"),
    ),
    "streets-all-motorway": Case(_with("streets", highway="motorway"), error=r"layer 'streets'.*no walkable street"),
    "streets-as-points": Case(
        _edit("streets", lambda g: g.set_geometry(g.geometry.centroid)), error=r"layer 'streets'.*no walkable street"
    ),
    "cells-as-lines": Case(
        _add_layer("cells", lambda ls: _cells(ls).set_geometry(_cells(ls).geometry.boundary)),
        error=r"layer 'cells'.*no cell lies inside a community",
    ),
    "buildings-as-points": Case(
        _add_layer("buildings", lambda ls: _buildings(ls).set_geometry(_buildings(ls).geometry.centroid)),
        flag=("buildings", "wrong_geometry_type"),
    ),
    "empty-candidates-layer": Case(
        _add_layer("candidates", lambda ls: ls["facilities"].iloc[0:0][["geometry"]]),
        error=r"layer 'candidates'.*no features",
    ),
    "zip-with-two-layers": Case(_folder(_zip_with_two_layers), error=r"facilities\.zip.*several layers"),
    "metres-labelled-as-degrees": Case(_folder(_metres_as_wgs84), error=r"communities.*(outside|range|degrees)"),
    "communities-as-csv-points": Case(
        _folder(_communities_csv, input_crs="wgs84"), error=r"communities\.csv.*no community has a usable polygon"
    ),
    "residents-zero-with-households": Case(
        _with("communities", 人口=[9000, 0]), flag=("communities", "community_figures_inconsistent", "B")
    ),
    "sub-district-missing": Case(
        _with("communities", 所属街道=["东街道", None]), flag=("communities", "missing_sub_district", "B")
    ),
    "street-as-polygon": Case(
        _set_geom("streets", 0, shapely.box(X0, Y0, X0 + 10, Y0 + 10)),
        flag=("streets", "wrong_geometry_type", "s0"),
        mode="walk",
    ),
}


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _run(case: Case, folder: Path) -> tuple[object | None, Exception | None]:
    kwargs = case.build(folder)
    before = _digests(folder)
    result, error = None, None
    try:
        result = analyze(load_study(**kwargs), mode=case.mode, workers=1)
    except PlannerError as exc:
        error = exc
    assert _digests(folder) == before, "an input file was modified"
    return result, error


def test_the_corpus_has_at_least_forty_defect_classes() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", list(CASES))
def test_broken_study_gives_a_located_error_or_a_recorded_flag(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    result, error = _run(case, tmp_path)
    if case.error is not None:
        assert error is not None, f"{name}: no error raised"
        assert re.search(case.error, str(error), flags=re.S), str(error)
        return
    assert error is None, f"{name}: unexpected error {error}"
    if case.flag is not None:
        layer, reason, *ident = case.flag
        log = result.validation
        hits = log.loc[(log["layer"] == layer) & (log["reason"] == reason)]
        assert len(hits), f"{name}: no '{reason}' record in layer {layer}:\n{log}"
        if ident:
            assert hits["id"].astype(str).str.fullmatch(ident[0]).any(), hits
    if case.check is not None:
        case.check(result)


def test_cells_mismatch_says_by_how_much(tmp_path: Path) -> None:
    result, error = _run(CASES["cells-residents-off-by-90-percent"], tmp_path)
    assert error is None
    rec = result.validation.set_index(["reason", "id"]).loc[("cells_population_mismatch", "A")]
    assert "896" in rec["message_en"] and "9,000" in rec["message_en"] and "-90 %" in rec["message_en"]


def test_cells_that_agree_with_the_communities_are_not_flagged(tmp_path: Path) -> None:
    result, error = _run(Case(_add_layer("cells", _cells)), tmp_path)
    assert error is None
    assert "cells_population_mismatch" not in set(result.validation["reason"])


def test_population_columns_that_differ_name_example_rows_and_both_values(tmp_path: Path) -> None:
    _, error = _run(CASES["population-and-人口-differ"], tmp_path)
    text = str(error)
    assert "study.gpkg" in text and "layer 'communities'" in text
    assert "A" in text and "9000" in text and "9500" in text


def test_equal_duplicate_columns_keep_the_values(tmp_path: Path) -> None:
    result, error = _run(CASES["population-and-人口-equal"], tmp_path)
    assert error is None
    assert result.communities["population"].tolist() == [9000, 8000]


def test_complete_households_are_not_flagged(tmp_path: Path) -> None:
    result, error = _run(Case(_gpkg(lambda ls: None)), tmp_path)
    assert error is None
    reasons = set(result.validation["reason"])
    assert not reasons & {"missing_households", "community_figures_inconsistent", "duplicate_column"}


def test_three_dimensional_and_multipart_geometries_are_accepted(tmp_path: Path) -> None:
    def change(layers: Layers) -> None:
        comm = layers["communities"]
        comm["geometry"] = [shapely.MultiPolygon([shapely.force_3d(g, 500.0)]) for g in comm.geometry]
        layers["facilities"]["geometry"] = shapely.force_3d(layers["facilities"].geometry.values, 500.0)

    result, error = _run(Case(_gpkg(change)), tmp_path)
    assert error is None
    assert result.facilities["community_id"].tolist() == ["A", "B"]


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("empty-communities-layer", r"layer 'communities'.*no features"),
        ("population-and-人口-differ", r"layer 'communities'.*人口"),
        ("corrupt-geopackage", r"facilities\.gpkg"),
    ],
)
def test_cli_reports_broken_studies_without_a_traceback(tmp_path: Path, name: str, expect: str) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    kwargs = CASES[name].build(inputs)
    before = _digests(inputs)
    args = [str(kwargs["path"])] if "path" in kwargs else []
    code = "import sys; from planner.cli import main; sys.exit(main(sys.argv[1:]))"
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "analyze",
            *args,
            "--mode",
            "euclidean",
            "--quiet",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert re.search(expect, run.stderr, flags=re.S), run.stderr
    assert _digests(inputs) == before
    assert not list(tmp_path.glob("out/*.csv"))  # no partial results


def test_plausibility_limits_are_rulebook_numbers_with_a_source() -> None:
    book = load_rulebook()
    assert set(book.validation) == {
        "min_residents_per_household",
        "max_residents_per_household",
        "cells_population_tolerance",
    }
    for number in book.validation.values():
        assert (number.source, number.status) == ("PLANNER", "P") and number.note_en and number.note_zh


def test_a_city_rule_file_can_widen_the_cells_tolerance(tmp_path: Path) -> None:
    city = tmp_path / "city.toml"
    city.write_text(
        '[validation]\ncells_population_tolerance = { value = 0.95, source = "PLANNER", status = "P" }\n', "utf-8"
    )
    folder = tmp_path / "in"
    folder.mkdir()
    kwargs = CASES["cells-residents-off-by-90-percent"].build(folder)
    study = load_study(**kwargs, rules=city)
    assert "cells_population_mismatch" not in set(study.validation["reason"])

"""The whole pipeline on the toy district: hand-computed distances, outputs, CLI."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import SHANGHAI, TOY_CRS, X0, Y0, real_file, toy_layers, write_gpkg

import planner
from planner import naming
from planner.cli import main
from planner.errors import CRSError
from planner.outputs import json_ready


def _cells_gpkg(tmp_path: Path) -> Path:
    """The toy district plus a cells layer of three demand points.

    - P1 (430, 180) in B: 20 m to street y=200, then 70 m east to the kindergarten node
      (500, 200): 90 m walking. Straight line: hypot(70, 20) = 72.80 m.
    - P2 (130, 380) in A: 20 m to street y=400; to the service station at (100, 100):
      30 m west + 300 m south = 350 m walking (not covered at 300 m) but straight line
      hypot(30, 280) = 281.60 m (covered): the gated-street effect in miniature.
      To the kindergarten: 20 + 70 to (200, 400), then 300 east + 200 south = 590 m.
    - P3 (100, 300) in A, exactly on a node 200 m north of the station: 200 m.
    """
    layers = toy_layers()
    layers["cells"] = gpd.GeoDataFrame(
        {"cell_id": ["P1", "P2", "P3"], "population": [100, 200, 300]},
        geometry=[
            shapely.Point(X0 + 430, Y0 + 180),
            shapely.Point(X0 + 130, Y0 + 380),
            shapely.Point(X0 + 100, Y0 + 300),
        ],
        crs=TOY_CRS,
    )
    return write_gpkg(tmp_path / "cells.gpkg", layers)


def test_walking_distances_equal_hand_computed_values(tmp_path: Path) -> None:
    result = planner.analyze(_cells_gpkg(tmp_path), mode="walk")
    cells = result.cells.set_index("cell_id")
    ks, cs = naming.dist("kindergarten"), naming.dist("community_service")
    assert cells.loc["P1", ks] == pytest.approx(90.0, abs=1e-6)
    assert cells.loc["P2", ks] == pytest.approx(590.0, abs=1e-6)
    assert cells.loc["P2", cs] == pytest.approx(350.0, abs=1e-6)
    assert cells.loc["P3", cs] == pytest.approx(200.0, abs=1e-6)
    assert cells.loc["P1", naming.nearest("kindergarten")] == "F2"
    assert cells[naming.covered("community_service")].tolist() == [False, False, True]
    # no elderly day care anywhere: NaN, no id, not covered
    assert cells[naming.dist("elderly_day_care")].isna().all()
    assert cells[naming.nearest("elderly_day_care")].isna().all()
    assert not cells[naming.covered("elderly_day_care")].any()
    comm = result.communities.set_index("community_id")
    # A: 200 + 300 residents in cells, 300 of them (P3) within 300 m of the station
    assert comm.loc["A", naming.pop_covered("community_service")] == 300
    assert comm.loc["A", naming.share_covered("community_service")] == pytest.approx(300 / 500)


def test_straight_line_distances_equal_hand_computed_values(tmp_path: Path) -> None:
    result = planner.analyze(_cells_gpkg(tmp_path), mode="euclidean")
    cells = result.cells.set_index("cell_id")
    assert cells.loc["P1", naming.dist("kindergarten")] == pytest.approx(np.hypot(70, 20))
    assert cells.loc["P2", naming.dist("community_service")] == pytest.approx(np.hypot(30, 280))
    assert cells.loc["P2", naming.covered("community_service")]


def test_generated_cells_keep_population_and_walk_is_never_shorter(toy_gpkg: Path) -> None:
    walk = planner.analyze(toy_gpkg, mode="walk", cell_size_m=50)
    line = planner.analyze(toy_gpkg, mode="euclidean", cell_size_m=50)
    assert walk.cells.groupby("community_id")["population"].sum().to_dict() == {"A": 9000, "B": 8000}
    for key in ("community_service", "kindergarten"):
        w = walk.cells[naming.dist(key)].to_numpy()
        e = line.cells[naming.dist(key)].to_numpy()
        assert np.all(w >= e - 1e-6)
        assert walk.summary["coverage"][key]["share_covered"] <= line.summary["coverage"][key]["share_covered"]


def test_compliance_of_the_toy_district(toy_gpkg: Path) -> None:
    comm = planner.analyze(toy_gpkg).communities.set_index("community_id")
    p = naming.rule_pass
    # A: 1000 m² < 1000.2 m² required; B has no complex at all
    assert comm[p("complex_floor_area")].tolist() == [False, False]
    assert comm.loc["A", "complex_floor_area_m2"] == 1000.0
    assert comm.loc["A", "complex_m2_per_100_households"] == pytest.approx(1000 / 3334 * 100)
    assert comm[p("staff_ratio")].tolist() == [True, False]
    assert comm[p("grid_households")].tolist() == [True, False]
    assert comm[p("facility_floor_area")].tolist() == [True, False]
    assert "乙幼儿园" in comm.loc["B", "failed_rules_zh"]
    assert comm.loc["B", "residents_per_staff"] == 800


def test_result_does_not_depend_on_row_order_or_modify_inputs(tmp_path: Path) -> None:
    layers = toy_layers()
    copies = {k: v.copy() for k, v in layers.items()}
    a = planner.analyze(write_gpkg(tmp_path / "a.gpkg", layers))
    shuffled = {k: v.iloc[::-1].reset_index(drop=True) for k, v in layers.items()}
    b = planner.analyze(write_gpkg(tmp_path / "b.gpkg", shuffled))
    for k, v in layers.items():
        pd.testing.assert_frame_equal(v, copies[k])
    ca = a.cells.set_index("cell_id").sort_index()
    cb = b.cells.set_index("cell_id").sort_index()
    cols = [naming.dist("kindergarten"), naming.dist("community_service")]
    np.testing.assert_allclose(ca[cols].to_numpy(), cb[cols].to_numpy())
    assert json_ready(a.summary["coverage"]) == json_ready(b.summary["coverage"])  # NaN → None


def test_results_do_not_depend_on_the_number_of_threads() -> None:
    study = planner.load_study()  # the sample: 7 types, so the searches really are spread
    stamp = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)  # the summary's time stamp is not a result
    one = planner.analyze(study, workers=1, generated=stamp)
    two = planner.analyze(study, workers=2, generated=stamp)
    pd.testing.assert_frame_equal(one.cells.drop(columns="geometry"), two.cells.drop(columns="geometry"))
    assert one.summary == two.summary


def test_what_if_adding_a_facility_never_lowers_coverage(toy_gpkg: Path) -> None:
    base = planner.analyze(toy_gpkg)
    fac = base.study.facilities
    extra = gpd.GeoDataFrame(
        {
            "facility_id": ["NEW"],
            "name": ["新幼儿园"],
            "type": ["kindergarten"],
            "type_raw": ["幼儿园"],
            "floor_area_m2": [2500.0],
            "community_id": ["A"],
        },
        geometry=[shapely.Point(X0 + 200, Y0 + 200)],
        crs=fac.crs,
    )
    more = planner.with_facilities(base, pd.concat([fac, extra], ignore_index=True), types=["kindergarten"])
    key = "kindergarten"
    assert np.all(more.cells[naming.dist(key)].to_numpy() <= base.cells[naming.dist(key)].to_numpy() + 1e-9)
    assert more.summary["coverage"][key]["residents_covered"] > base.summary["coverage"][key]["residents_covered"]
    # other types are carried over untouched
    pd.testing.assert_series_equal(
        more.cells[naming.dist("community_service")], base.cells[naming.dist("community_service")]
    )
    # and a full recomputation agrees with the partial one
    full = planner.analyze(base.study.with_facilities(pd.concat([fac, extra], ignore_index=True)))
    np.testing.assert_allclose(full.cells[naming.dist(key)], more.cells[naming.dist(key)])


def test_write_results_files_agree_with_the_summary(toy_gpkg: Path, tmp_path: Path) -> None:
    result = planner.analyze(toy_gpkg)
    out = tmp_path / "results"
    written = planner.write_results(result, out)
    assert {"cells.gpkg", "communities.gpkg", "communities.csv", "summary.json", "validation.csv"} <= set(written)
    assert (out / "communities.csv").read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM for Excel
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    comm = pd.read_csv(out / "communities.csv", encoding="utf-8-sig")
    cells = gpd.read_file(out / "cells.gpkg")
    assert summary["distance_mode"] == "walk" and summary["analysis_crs"] == "EPSG:32648"
    assert summary["rulebook"]["id"] == "cn-national"
    for rid, rule in summary["rules"].items():
        assert rule["communities_passing"] == int((comm[naming.rule_pass(rid)] == True).sum())  # noqa: E712
    for key, cov in summary["coverage"].items():
        covered = (cells["population"] * cells[naming.covered(key)]).sum()
        assert cov["residents_covered"] == round(covered)
    validation = pd.read_csv(out / "validation.csv", encoding="utf-8-sig")
    assert validation["reason"].tolist() == ["unknown_facility_type"]


def test_outputs_never_overwrite_an_input(toy_gpkg: Path) -> None:
    result = planner.analyze(toy_gpkg)
    before = toy_gpkg.read_bytes()
    # the input is named toy.gpkg, not an output name, so point --out at a clash explicitly
    clash = toy_gpkg.parent / "communities.gpkg"
    clash.write_bytes(before)
    study = planner.load_study(toy_gpkg, communities=clash)
    with pytest.raises(planner.PlannerError, match="refusing to overwrite"):
        planner.write_results(planner.analyze(study), toy_gpkg.parent)
    assert clash.read_bytes() == before
    assert result.summary["district"]["communities"] == 2


def test_cli_analyze_writes_results_and_prints_summary(toy_gpkg: Path, tmp_path: Path, capsys) -> None:
    code = main(["analyze", str(toy_gpkg), "--out", str(tmp_path / "r"), "--mode", "walk"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Kindergarten" in printed and "幼儿园" in printed
    assert "Community-service complex floor area" in printed and "0 of 2" in printed
    assert (tmp_path / "r" / "summary.json").exists()


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--mode", "euclidean", "--input-crs", "nonsense"], "nonsense"),
        (["--rules", "/nonexistent.toml"], "does not exist"),
        (["--cell-size", "-5"], "positive"),
        (["--workers", "0"], "at least 1"),
    ],
)
def test_cli_bad_input_gives_one_clear_message_and_exit_code_2(
    toy_gpkg: Path, tmp_path: Path, capsys, args: list[str], match: str
) -> None:
    code = main(["analyze", str(toy_gpkg), "--out", str(tmp_path / "r"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert match in err and "Traceback" not in err
    assert err.startswith("planner: error:")


def test_cli_walk_without_streets_says_what_to_do(tmp_path: Path, capsys) -> None:
    layers = toy_layers()
    del layers["streets"]
    path = write_gpkg(tmp_path / "nostreets.gpkg", layers)
    assert main(["analyze", str(path), "--out", str(tmp_path / "r")]) == 2
    assert "--mode euclidean" in capsys.readouterr().err


def test_cli_help_explains_every_option(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    text = capsys.readouterr().out
    for option in (
        "--streets",
        "--mode",
        "--out",
        "--rules",
        "--input-crs",
        "--cell-size",
        "--cell-shape",
        "--max-snap",
        "--workers",
    ):
        assert option in text
    assert "gcj02" in text


def test_the_summary_time_stamp_is_the_one_given(toy_gpkg: Path) -> None:
    stamp = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    result = planner.analyze(toy_gpkg, generated=stamp)
    assert dt.datetime.fromisoformat(result.summary["generated"]) == stamp
    # by default it is the time of the run, with its offset
    assert dt.datetime.fromisoformat(planner.analyze(toy_gpkg).summary["generated"]).tzinfo is not None


@pytest.mark.parametrize("mode", ["walk", "euclidean"])
def test_what_if_removing_every_facility_leaves_nobody_covered(toy_gpkg: Path, mode: str) -> None:
    base = planner.analyze(toy_gpkg, mode=mode)
    fac = base.study.facilities
    for kept in (fac[fac["type"] != "kindergarten"], fac.iloc[:0]):
        after = planner.with_facilities(base, kept)
        gone = sorted(set(fac["type"]) - set(kept["type"]))
        for key in gone:
            assert after.cells[naming.dist(key)].isna().all()
            assert after.cells[naming.nearest(key)].isna().all()
            assert after.summary["coverage"][key]["residents_covered"] == 0


# ---------------------------------------------------------------------------- a street network in pieces


def _split_layers() -> dict[str, gpd.GeoDataFrame]:
    """The toy district with its streets cut in two between x = 300 and x = 500::

        left piece (A): a 100 m grid x 0-300, y 0-400      20 nodes, service station F1 (100,100)
        right piece (B): a 100 m grid x 500-800, y 0-300   16 nodes, kindergarten F2 (500,200)

    Every generated 100 m cell of A (centres x 50-350) is 50 m from the left piece and at
    least 150 m from the right one; every cell of B (x 450-750, y up to 350) is at most
    hypot(50, 50) = 70.7 m from the right piece. So A's 9,000 residents reach no kindergarten
    and B's 8,000 no service station; nobody is farther than 300 m from a street.
    """
    layers = toy_layers()
    lines = [shapely.LineString([(X0 + x, Y0 + y) for y in range(0, 401, 100)]) for x in range(0, 301, 100)]
    lines += [shapely.LineString([(X0 + x, Y0 + y) for x in range(0, 301, 100)]) for y in range(0, 401, 100)]
    lines += [shapely.LineString([(X0 + x, Y0 + y) for y in range(0, 301, 100)]) for x in range(500, 801, 100)]
    lines += [shapely.LineString([(X0 + x, Y0 + y) for x in range(500, 801, 100)]) for y in range(0, 301, 100)]
    layers["streets"] = gpd.GeoDataFrame({"highway": ["residential"] * len(lines)}, geometry=lines, crs=TOY_CRS)
    return layers


@pytest.fixture
def split_gpkg(tmp_path: Path) -> Path:
    return write_gpkg(tmp_path / "split.gpkg", _split_layers())


def test_residents_on_a_piece_without_a_facility_are_counted_unreachable(split_gpkg: Path) -> None:
    result = planner.analyze(split_gpkg)
    net, cov = result.summary["network"], result.summary["coverage"]
    assert net["pieces"] == 2 and net["main_piece_nodes"] == 20 and net["nodes"] == 36
    assert net["pieces_with_residents"] == 2
    assert net["residents_far_from_street"] == 0 and net["cells_not_snapped"] == 0
    assert net["residents_off_main_piece"] == 8000
    assert net["residents_reaching_nothing"] == 0  # A reaches the station, B the kindergarten
    cs, kg, day = cov["community_service"], cov["kindergarten"], cov["elderly_day_care"]
    assert cs["residents_unreachable"] == cs["residents_on_pieces_without_facility"] == 8000
    assert cs["share_unreachable"] == pytest.approx(8000 / 17000)
    assert kg["residents_unreachable"] == kg["residents_on_pieces_without_facility"] == 9000
    assert np.isnan(kg["median_distance_m"])  # 9,000 of 17,000 reach none: more than half
    assert day["residents_unreachable"] == 17000  # none in the district at all
    for c in cov.values():  # every share counts the unreachable in its denominator
        assert c["residents"] == 17000
        assert c["residents_unreachable"] == c["residents_far_from_street"] + c["residents_on_pieces_without_facility"]
    # the cells agree: NaN distance exactly for B's cells (service station) and A's (kindergarten)
    cells = result.cells
    assert cells.loc[cells[naming.dist("community_service")].isna(), "community_id"].unique().tolist() == ["B"]
    assert cells.loc[cells[naming.dist("kindergarten")].isna(), "community_id"].unique().tolist() == ["A"]


def test_validation_lists_each_cut_off_piece_once(split_gpkg: Path) -> None:
    """One record per piece (not per cell), naming only the types found on another piece."""
    v = planner.analyze(split_gpkg).validation
    cut = v.loc[v["reason"] == "street_piece_cut_off"].set_index("id")
    assert cut.index.tolist() == ["piece-0", "piece-1"]
    assert (cut["layer"] == "streets").all() and (cut["action"] == "flagged").all()
    main_piece, small = cut.loc["piece-0", "message_en"], cut.loc["piece-1", "message_en"]
    assert "9,000 residents and no kindergarten;" in main_piece and "(20 nodes)" in main_piece
    assert "8,000 residents and no community_service;" in small and "(16 nodes)" in small
    assert "missing link" in small and "缺失的连接道路" in cut.loc["piece-1", "message_zh"]
    assert "elderly_day_care" not in small  # none anywhere: not a street problem


def test_cli_prints_who_reaches_nothing_and_what_to_do(split_gpkg: Path, tmp_path: Path, capsys) -> None:
    assert main(["analyze", str(split_gpkg), "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    summary = json.loads((tmp_path / "r" / "summary.json").read_text("utf-8"))
    covered = summary["coverage"]["community_service"]["residents_covered"]
    assert next(x for x in lines if "Community service complex" in x).endswith(
        f"({covered:,} of 17,000)  47.1% reach none"
    )
    assert next(x for x in lines if "Elderly day-care" in x).endswith("(0 of 17,000)")  # none to reach
    assert "9,000 residents (52.9%) reach no kindergarten over the streets" in out
    assert (
        "the street network is in 2 pieces (the largest has 20 of 36 nodes); 8,000 residents live on the smaller" in out
    )
    assert "wider than the district" in out and "--max-snap" in out and "missing links" in out
    assert summary["coverage"]["kindergarten"]["residents_unreachable"] == 9000
    assert summary["coverage"]["kindergarten"]["median_distance_m"] is None  # NaN written as null
    assert summary["network"]["pieces"] == 2


def test_app_and_report_show_the_unreachable(split_gpkg: Path) -> None:
    from planner.app.dashboard import kpis
    from planner.report.content import build_content

    result = planner.analyze(split_gpkg)
    card = kpis(result, "kindergarten", "en")[3]
    assert card.label == "Reach no kindergarten" and card.value == "53%"
    assert "9,000 residents reach no kindergarten" in card.sentence and "2 piece(s)" in card.sentence
    assert kpis(result, "kindergarten", "zh")[3].label == "无法到达幼儿园"
    assert len(kpis(result, "elderly_day_care", "en")) == len(kpis(result, "kindergarten", "en")) - 1  # none at all
    en = build_content(result, "en").headlines
    assert any("53% reach no kindergarten at all over the streets" in h for h in en)
    assert not any("reach no elderly" in h for h in en)
    assert any("无法到达任何幼儿园" in h for h in build_content(result, "zh").headlines)


def test_a_connected_network_adds_nothing(toy_gpkg: Path, tmp_path: Path, capsys) -> None:
    """The toy grid is one piece: no cut-off records, no extra KPI, the CLI says nothing more."""
    from planner.app.dashboard import kpis

    result = planner.analyze(toy_gpkg)
    assert result.summary["network"]["pieces"] == 1
    assert result.summary["network"]["residents_off_main_piece"] == 0
    assert "street_piece_cut_off" not in set(result.validation["reason"])
    assert [k.label for k in kpis(result, "kindergarten", "en")][3] != "Reach no kindergarten"
    assert main(["analyze", str(toy_gpkg), "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "What to do" not in out and "pieces" not in out


def test_sample_network_is_one_piece_and_everybody_reaches_every_type() -> None:
    """The bundled sample's figures do not change: its street network is connected."""
    s = planner.analyze().summary
    assert s["network"]["pieces"] == 1 and s["network"]["residents_off_main_piece"] == 0
    assert all(c["residents_unreachable"] == 0 for c in s["coverage"].values())


def test_streets_450_km_from_the_communities_are_refused(tmp_path: Path, capsys) -> None:
    """The toy streets moved 450,350 m north: the nearest cell centre (y = 350) is then exactly
    450 km from the nearest street (y = 450,350), so no cell snaps: a refusal naming the file."""
    layers = toy_layers()
    layers["streets"] = layers["streets"].set_geometry(layers["streets"].geometry.translate(0, 450_350))
    path = write_gpkg(tmp_path / "far.gpkg", layers)
    with pytest.raises(CRSError, match=r"the streets lie 450\.0 km from the communities") as info:
        planner.analyze(path)
    assert info.value.file == str(path) and info.value.layer == "streets"
    assert main(["analyze", str(path), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "coordinate system" in err and f"file {path}; layer 'streets'" in err


# ---------------------------------------------------------------------------- real data: Shanghai


@pytest.fixture(scope="module")
def shanghai(tmp_path_factory: pytest.TempPathFactory) -> planner.Analysis:
    """The sample's communities and facilities, shrunk to 45 % and moved onto the Shanghai Jing'an
    drive extract (``../shared/data/real/shanghai_jingan_drive_osmnx.osm``, OpenStreetMap, ODbL),
    whose streets fall apart into many pieces."""
    from planner.ingest.study import sample_path
    from planner.reach.network import read_osm_streets

    streets = real_file(SHANGHAI)
    box = read_osm_streets(streets).total_bounds
    folder = tmp_path_factory.mktemp("shanghai")
    layers = {n: gpd.read_file(sample_path(), layer=n) for n in ("communities", "facilities")}
    cb = layers["communities"].total_bounds
    origin = ((cb[0] + cb[2]) / 2, (cb[1] + cb[3]) / 2)
    shift = ((box[0] + box[2]) / 2 - origin[0], (box[1] + box[3]) / 2 - origin[1])
    files = {}
    for name, gdf in layers.items():
        moved = gdf.geometry.scale(0.45, 0.45, origin=origin).translate(*shift)
        files[name] = folder / f"{name}.gpkg"
        gdf.set_geometry(moved).to_file(files[name], layer=name)
    return planner.analyze(planner.load_study(streets=streets, **files))


def _components_by_networkx(result: planner.Analysis) -> tuple[nx.Graph, np.ndarray, np.ndarray]:
    """Pieces of the streets by networkx, and the piece of each cell and facility.

    Independent of planner's CSR graph and snapping: nodes are the lines' vertices rounded to
    the millimetre, points go to the nearest street LINE (not segment) within max_snap_m.
    """
    from planner.reach.network import NODE_DECIMALS

    lines = shapely.get_parts(result.study.streets.geometry.values)
    graph = nx.Graph()
    for geom in lines:
        xy = [tuple(p) for p in np.round(shapely.get_coordinates(geom), NODE_DECIMALS)]
        graph.add_edges_from((a, b) for a, b in itertools.pairwise(xy) if a != b)
    comp = {node: i for i, nodes in enumerate(nx.connected_components(graph)) for node in nodes}
    tree = shapely.STRtree(lines)

    def piece(points: np.ndarray) -> np.ndarray:
        out = np.full(len(points), -1)
        pt, ln = tree.query_nearest(points, max_distance=result.options.max_snap_m, all_matches=False)
        out[pt] = [comp[tuple(np.round(shapely.get_coordinates(lines[i])[0], NODE_DECIMALS))] for i in ln]
        return out

    return graph, piece(result.engine.demand), piece(result.facilities.geometry.values)


@pytest.mark.slow
@pytest.mark.real
def test_shanghai_pieces_and_unreachable_residents_match_networkx(shanghai: planner.Analysis) -> None:
    result = shanghai
    graph, cell_piece, fac_piece = _components_by_networkx(result)
    net = result.summary["network"]
    sizes = sorted((len(c) for c in nx.connected_components(graph)), reverse=True)
    assert net["pieces"] == len(sizes) > 1
    assert net["main_piece_nodes"] == sizes[0] and net["nodes"] == graph.number_of_nodes()
    pop = result.cells["population"].to_numpy(dtype=float)
    ftype = result.facilities["type"].to_numpy()
    assert net["residents_far_from_street"] == round(pop[cell_piece < 0].sum())
    assert net["pieces_with_residents"] == len(set(cell_piece[cell_piece >= 0]))
    cut_off = set()
    for key, c in result.summary["coverage"].items():
        with_one = set(fac_piece[(ftype == key) & (fac_piece >= 0)])
        none = (cell_piece < 0) | ~np.isin(cell_piece, list(with_one))
        assert c["residents_unreachable"] == round(pop[none].sum()), key
        assert result.cells[naming.dist(key)].isna().to_numpy().tolist() == none.tolist(), key
        if with_one:
            cut_off |= set(cell_piece[(cell_piece >= 0) & none])
    assert any(c["residents_unreachable"] for c in result.summary["coverage"].values())
    nothing = np.ones(len(pop), dtype=bool)
    for key in result.summary["coverage"]:
        with_one = set(fac_piece[(ftype == key) & (fac_piece >= 0)])
        nothing &= (cell_piece < 0) | ~np.isin(cell_piece, list(with_one))
    assert net["residents_reaching_nothing"] == round(pop[nothing].sum()) > 0
    assert (result.validation["reason"] == "street_piece_cut_off").sum() == len(cut_off)

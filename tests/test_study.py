"""Reading a study: formats, Chinese columns, encodings, coordinate systems, bad input."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import toy_layers, write_gpkg

from planner import CRSError, InputError, load_study
from planner.ingest.crs import transform_geometries, wgs84_to_bd09, wgs84_to_gcj02


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_toy_gpkg_maps_chinese_columns_and_drops_unknown_types(toy_gpkg: Path) -> None:
    before = _digest(toy_gpkg)
    study = load_study(toy_gpkg)
    assert _digest(toy_gpkg) == before  # the input file is never modified
    assert study.crs.to_epsg() == 32648
    comm = study.communities
    assert comm["community_id"].tolist() == ["A", "B"]
    assert comm["name"].tolist() == ["甲社区", "乙社区"]
    assert comm["households"].tolist() == [3334, 3000]
    assert comm["staff"].tolist() == [18, 10]
    assert comm["grid_count"].tolist() == [8, 5]
    assert comm["sub_district"].tolist() == ["东街道", "东街道"]
    fac = study.facilities
    assert fac["type"].tolist() == ["community_service", "kindergarten"]
    assert fac["type_raw"].tolist() == ["社区服务站", "幼儿园"]
    assert fac["community_id"].tolist() == ["A", "B"]
    log = study.validation
    assert log.loc[log["reason"] == "unknown_facility_type", "id"].tolist() == ["F3"]
    assert "菜市场" in log["message_en"].iloc[0]


def _reference(toy_gpkg: Path) -> gpd.GeoDataFrame:
    return load_study(toy_gpkg).facilities


def _write_all(folder: Path, suffix: str, layers: dict[str, gpd.GeoDataFrame]) -> None:
    folder.mkdir()
    for name, gdf in layers.items():
        path = folder / f"{name}{suffix}"
        if suffix == ".parquet":
            gdf.to_parquet(path)
        else:
            gdf.to_file(path)


@pytest.mark.parametrize("suffix", [".geojson", ".shp", ".parquet", ".fgb"])
def test_folder_of_files_in_each_vector_format(tmp_path: Path, toy_gpkg: Path, suffix: str) -> None:
    layers = toy_layers()
    if suffix == ".shp":  # shapefile field names are limited to 10 bytes: use English aliases
        layers["communities"] = layers["communities"].rename(
            columns={
                "社区编码": "code",
                "社区名称": "name",
                "户数": "households",
                "人口": "population",
                "工作人员数": "staff",
                "网格数": "grids",
                "所属街道": "street",
            }
        )
        layers["facilities"] = layers["facilities"].rename(
            columns={"设施编码": "code", "设施名称": "name", "设施类型": "type", "建筑面积": "floor_area"}
        )
    _write_all(tmp_path / "study", suffix, layers)
    study = load_study(tmp_path / "study")
    ref = _reference(toy_gpkg)
    got = study.facilities.sort_values("facility_id")  # FlatGeobuf's spatial index reorders rows
    assert got["type"].tolist() == ref["type"].tolist()
    assert np.allclose(
        shapely.get_coordinates(got.geometry.values), shapely.get_coordinates(ref.geometry.values), atol=1e-6
    )
    assert sorted(study.communities["households"].tolist()) == [3000, 3334]


def test_zipped_shapefile(tmp_path: Path, toy_gpkg: Path) -> None:
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    fac = toy_layers()["facilities"].rename(
        columns={"设施编码": "id", "设施名称": "name", "设施类型": "type", "建筑面积": "area_m2"}
    )
    fac.to_file(shp_dir / "facilities.shp", encoding="utf-8")
    archive = tmp_path / "facilities.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    study = load_study(toy_gpkg, facilities=archive)
    assert study.facilities["name"].tolist() == ["甲社区服务站", "乙幼儿园"]
    assert study.facilities["floor_area_m2"].tolist() == [1000.0, 1800.0]


def _facility_table(fac_wgs84: gpd.GeoDataFrame) -> pd.DataFrame:
    xy = shapely.get_coordinates(fac_wgs84.geometry.values)
    table = pd.DataFrame(fac_wgs84.drop(columns="geometry"))
    table["经度"], table["纬度"] = xy[:, 0], xy[:, 1]
    return table


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_with_lon_lat_in_utf8_and_gbk(tmp_path: Path, toy_gpkg: Path, encoding: str) -> None:
    table = _facility_table(toy_layers()["facilities"].to_crs(4326))
    path = tmp_path / "facilities.csv"
    table.to_csv(path, index=False, encoding=encoding)
    study = load_study(toy_gpkg, facilities=path, input_crs="wgs84")
    ref = _reference(toy_gpkg)
    assert study.facilities["name"].tolist() == ["甲社区服务站", "乙幼儿园"]
    assert np.allclose(
        shapely.get_coordinates(study.facilities.geometry.values),
        shapely.get_coordinates(ref.geometry.values),
        atol=1e-3,
    )


def test_xlsx_with_lon_lat(tmp_path: Path, toy_gpkg: Path) -> None:
    table = _facility_table(toy_layers()["facilities"].to_crs(4326))
    path = tmp_path / "facilities.xlsx"
    table.to_excel(path, index=False)
    study = load_study(toy_gpkg, facilities=path, input_crs="cgcs2000")
    assert study.facilities["floor_area_m2"].tolist() == [1000.0, 1800.0]


def test_csv_without_declared_crs_is_an_error_not_a_guess(tmp_path: Path, toy_gpkg: Path) -> None:
    path = tmp_path / "facilities.csv"
    _facility_table(toy_layers()["facilities"].to_crs(4326)).to_csv(path, index=False)
    with pytest.raises(CRSError, match="input-crs"):
        load_study(toy_gpkg, facilities=path)


@pytest.mark.parametrize(("system", "forward"), [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_offset_coordinates_are_converted_back_to_true_positions(
    tmp_path: Path, toy_gpkg: Path, system: str, forward
) -> None:
    """Every layer exported from AMap (GCJ-02) or Baidu (BD-09) lands where the WGS84 data is.

    The layers are tagged EPSG:4326, so the offset is stated per layer: a bare value only
    fills in missing CRSs (issue 14, point 1).
    """
    shifted = {}
    for name, gdf in toy_layers().items():
        wgs = gdf.to_crs(4326)
        moved = transform_geometries(wgs.geometry.values, forward)
        shifted[name] = gpd.GeoDataFrame(wgs.drop(columns="geometry"), geometry=moved, crs=4326)
    path = write_gpkg(tmp_path / f"{system}.gpkg", shifted)
    study = load_study(path, input_crs=[f"{name}={system}" for name in shifted])
    ref = load_study(toy_gpkg)
    got = shapely.get_coordinates(study.facilities.geometry.values)
    want = shapely.get_coordinates(ref.facilities.geometry.values)
    assert np.abs(got - want).max() < 0.05  # metres
    # and without declaring the offset the positions are hundreds of metres off
    wrong = load_study(path)
    off = np.hypot(*(shapely.get_coordinates(wrong.facilities.geometry.values) - want).T)
    assert off.min() > 100


@pytest.mark.parametrize("epsg", [4490, 4544, 4524])
def test_cgcs2000_geographic_and_gauss_kruger_zones(tmp_path: Path, toy_gpkg: Path, epsg: int) -> None:
    """EPSG:4490, 4544 (3° GK CM 105E, no zone prefix) and 4524 (3° GK zone 35 with prefix)."""
    layers = {k: v.to_crs(epsg) for k, v in toy_layers().items()}
    study = load_study(write_gpkg(tmp_path / f"gk{epsg}.gpkg", layers))
    ref = load_study(toy_gpkg)
    assert study.crs.to_epsg() == 32648
    got = shapely.get_coordinates(study.communities.geometry.values)
    want = shapely.get_coordinates(ref.communities.geometry.values)
    assert np.abs(got - want).max() < 0.01


def test_explicit_analysis_crs(toy_gpkg: Path) -> None:
    assert load_study(toy_gpkg, crs="EPSG:4544").crs.to_epsg() == 4544
    with pytest.raises(InputError, match="metric"):
        load_study(toy_gpkg, crs="EPSG:4490")


def test_layer_without_crs_is_an_error(tmp_path: Path) -> None:
    layers = toy_layers()
    layers["communities"] = (
        layers["communities"]
        .rename(columns={"社区编码": "code", "社区名称": "name", "户数": "hh", "人口": "pop", "工作人员数": "staff"})
        .drop(columns=["网格数", "所属街道"])
        .set_crs(None, allow_override=True)
    )
    folder = tmp_path / "nocrs"
    folder.mkdir()
    for name, gdf in layers.items():
        gdf.to_file(folder / f"{name}.geojson") if gdf.crs else gdf.to_file(folder / f"{name}.shp")
    with pytest.raises(CRSError, match="communities"):
        load_study(folder)


def _bad(tmp_path: Path, layer: str, change) -> Path:
    layers = toy_layers()
    layers[layer] = change(layers[layer].copy())
    return write_gpkg(tmp_path / "bad.gpkg", layers)


@pytest.mark.parametrize(
    ("layer", "change", "match"),
    [
        ("communities", lambda g: g.drop(columns="人口"), "required column 'population'"),
        ("communities", lambda g: g.assign(人口=["9000", "很多"]), r"population.*1 row\(s\): B"),
        ("communities", lambda g: g.assign(户数=[-1, 3000]), r"households.*A"),
        ("communities", lambda g: g.assign(社区编码=["A", "A"]), r"A: ids must be unique"),
        ("facilities", lambda g: g.drop(columns="设施类型"), "type column"),
        ("facilities", lambda g: g.assign(建筑面积=[1000, "大", 3]), r"floor_area_m2.*F2"),
        ("facilities", lambda g: g.assign(设施编码=["F1", "F1", "F3"]), r"F1: ids must be unique"),
    ],
)
def test_bad_values_name_file_layer_column_and_rows(tmp_path: Path, layer: str, change, match: str) -> None:
    path = _bad(tmp_path, layer, change)
    with pytest.raises(InputError, match=match) as info:
        load_study(path)
    assert "bad.gpkg" in str(info.value) and f"layer '{layer}'" in str(info.value)


def test_null_and_invalid_geometries_are_dropped_or_repaired_and_logged(tmp_path: Path) -> None:
    layers = toy_layers()
    bowtie = shapely.Polygon([(0, 0), (400, 400), (400, 0), (0, 400), (0, 0)])
    comm = layers["communities"]
    comm.loc[1, "geometry"] = shapely.affinity.translate(bowtie, 400_400, 3_390_000)
    fac = layers["facilities"]
    fac.loc[0, "geometry"] = None
    study = load_study(write_gpkg(tmp_path / "geom.gpkg", layers))
    log = study.validation.set_index("reason")
    assert log.loc["invalid_geometry_repaired", "id"] == "B"
    assert log.loc["null_geometry", "id"] == "F1"
    assert study.communities.geometry.is_valid.all()
    assert "F1" not in study.facilities["facility_id"].tolist()


def test_facility_on_a_shared_boundary_belongs_to_a_community(tmp_path: Path) -> None:
    layers = toy_layers()
    layers["facilities"].loc[0, "geometry"] = shapely.Point(400_400, 3_390_200)  # on the A|B edge
    study = load_study(write_gpkg(tmp_path / "edge.gpkg", layers))
    assert study.facilities["community_id"].iloc[0] == "A"
    assert "facility_outside_communities" not in set(study.validation["reason"])


def test_missing_layers_files_and_formats(tmp_path: Path, toy_gpkg: Path) -> None:
    only = write_gpkg(tmp_path / "only.gpkg", {"communities": toy_layers()["communities"]})
    with pytest.raises(InputError, match="no 'facilities' layer"):
        load_study(only)
    with pytest.raises(InputError, match="not found"):
        load_study(tmp_path / "nope.gpkg")
    odd = tmp_path / "facilities.dwg"
    odd.write_bytes(b"AC1032")
    with pytest.raises(InputError, match="unsupported file type"):
        load_study(toy_gpkg, facilities=odd)
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a geopackage")
    with pytest.raises(InputError, match=r"broken\.gpkg"):
        load_study(broken)


def test_zip_with_path_traversal_is_refused(tmp_path: Path, toy_gpkg: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../etc/facilities.shp", b"x")
    with pytest.raises(InputError, match="unsafe path"):
        load_study(toy_gpkg, facilities=archive)


def test_zip_bomb_is_refused(tmp_path: Path, toy_gpkg: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("facilities.shp", b"\0" * 50_000_000)
    assert archive.stat().st_size < 200_000
    with pytest.raises(InputError, match="zip bomb"):
        load_study(toy_gpkg, facilities=archive)


def test_csv_with_bad_coordinates_names_the_spreadsheet_rows(tmp_path: Path, toy_gpkg: Path) -> None:
    path = tmp_path / "facilities.csv"
    path.write_text(
        "设施名称,设施类型,建筑面积,经度,纬度\n甲,幼儿园,2500,103.9,30.6\n乙,幼儿园,2500,,30.6\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"1 row\(s\): 3"):
        load_study(toy_gpkg, facilities=path, input_crs="wgs84")


# --------------------------------------------------------------------------------------
# Per-layer --input-crs and offset checks on the sample district (issue 14, point 1)
# --------------------------------------------------------------------------------------

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample" / "district.gpkg"


def _sample_wgs84(layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE, layer=layer).to_crs(4326)


def _write_osm(path: Path, streets: gpd.GeoDataFrame) -> Path:
    """Write WGS84 street lines as an OSM XML file (one way per line, shared nodes merged)."""
    node_ids: dict[tuple[float, float], int] = {}
    ways = []
    for line, highway, name in zip(streets.geometry, streets["highway"], streets["name"], strict=True):
        refs = []
        for x, y in shapely.get_coordinates(line):
            key = (round(float(x), 7), round(float(y), 7))
            refs.append(node_ids.setdefault(key, len(node_ids) + 1))
        ways.append((refs, highway, name))
    out = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6' generator='test'>"]
    out += [f"<node id='{i}' lat='{lat:.7f}' lon='{lon:.7f}' version='1'/>" for (lon, lat), i in node_ids.items()]
    for k, (refs, highway, name) in enumerate(ways, start=1):
        out.append(f"<way id='{k}' version='1'>")
        out += [f"<nd ref='{r}'/>" for r in refs]
        out.append(f"<tag k='highway' v='{highway}'/><tag k='name' v='{name or ''}'/></way>")
    out.append("</osm>")
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def _facility_csv(path: Path, forward=None) -> Path:
    """The sample's facilities as a lon/lat table (经度/纬度), optionally offset by ``forward``."""
    fac = _sample_wgs84("facilities")
    geoms = fac.geometry.values if forward is None else transform_geometries(fac.geometry.values, forward)
    xy = shapely.get_coordinates(geoms)
    table = pd.DataFrame(fac.drop(columns="geometry"))
    table["经度"], table["纬度"] = xy[:, 0], xy[:, 1]
    table.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def mixed_study(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The reported set-up: communities tagged EPSG:4326, an OSM street file, GCJ-02 facilities."""
    folder = tmp_path_factory.mktemp("mixed")
    comm = folder / "communities.gpkg"
    _sample_wgs84("communities").to_file(comm, layer="communities", driver="GPKG")
    return {
        "communities": comm,
        "streets": _write_osm(folder / "streets.osm", _sample_wgs84("streets")),
        "facilities": _facility_csv(folder / "facilities_gcj02.csv", wgs84_to_gcj02),
        "facilities_wgs84": _facility_csv(folder / "facilities_wgs84.csv"),
        "facilities_bd09": _facility_csv(folder / "facilities_bd09.csv", wgs84_to_bd09),
    }


def _lonlat(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.get_coordinates(gdf.to_crs(4326).geometry.values)


def test_bare_gcj02_converts_only_the_layer_without_a_crs(mixed_study: dict[str, Path]) -> None:
    """Issue 14: bare --input-crs gcj02 moved the EPSG:4326 communities and the OSM streets too."""
    from planner.reach.network import read_osm_streets

    files = mixed_study
    study = load_study(
        communities=files["communities"], facilities=files["facilities"], streets=files["streets"], input_crs="gcj02"
    )
    ref = load_study(SAMPLE)
    # streets and communities untouched: exactly the coordinates of their files
    osm = read_osm_streets(files["streets"])
    np.testing.assert_allclose(study.streets.to_crs(4326).total_bounds, osm.total_bounds, rtol=0, atol=1e-9)
    comm = gpd.read_file(files["communities"])
    np.testing.assert_allclose(_lonlat(study.communities), _lonlat(comm), rtol=0, atol=1e-9)
    # only the facilities were converted, back to their true positions
    got = shapely.get_coordinates(study.facilities.geometry.values)
    want = shapely.get_coordinates(ref.facilities.to_crs(study.crs).geometry.values)
    assert np.hypot(*(got - want).T).max() < 0.05  # metres
    assert study.facilities["community_id"].tolist() == ref.facilities["community_id"].tolist()
    assert "offset_suspected" not in set(study.validation["reason"])


def test_stated_offset_for_an_osm_file_is_refused(mixed_study: dict[str, Path]) -> None:
    with pytest.raises(CRSError, match="WGS84 by definition") as info:
        load_study(
            communities=mixed_study["communities"],
            facilities=mixed_study["facilities"],
            streets=mixed_study["streets"],
            input_crs=["gcj02", "streets=gcj02"],
        )
    assert "streets.osm" in str(info.value) and "--input-crs streets=gcj02" in str(info.value)


def test_per_layer_offset_converts_a_layer_tagged_epsg4326(tmp_path: Path, mixed_study: dict[str, Path]) -> None:
    """facilities=gcj02 on a layer tagged EPSG:4326: the user says the numbers are GCJ-02."""
    fac = _sample_wgs84("facilities")
    tagged = fac.set_geometry(transform_geometries(fac.geometry.values, wgs84_to_gcj02), crs=4326)
    path = tmp_path / "facilities.gpkg"
    tagged.to_file(path, layer="facilities", driver="GPKG")
    kwargs = dict(communities=mixed_study["communities"], facilities=path, streets=mixed_study["streets"])
    study = load_study(**kwargs, input_crs="facilities=gcj02")
    kept_ids = study.facilities["facility_id"].tolist()
    want = shapely.get_coordinates(fac.set_index("设施编码").loc[kept_ids].geometry.values)
    assert np.abs(_lonlat(study.facilities) - want).max() < 1e-6  # degrees
    # the bare value leaves the tagged layer alone
    kept = load_study(**kwargs, input_crs="gcj02")
    as_tagged = shapely.get_coordinates(tagged.set_index("设施编码").loc[kept_ids].geometry.values)
    np.testing.assert_allclose(_lonlat(kept.facilities), as_tagged, rtol=0, atol=1e-9)
    # ...and the offset check sees it and says which option to pass
    flagged = kept.validation.loc[kept.validation["reason"] == "offset_suspected", "message_en"].tolist()
    assert len(flagged) == 1 and "--input-crs facilities=gcj02" in flagged[0], flagged


@pytest.mark.parametrize(
    ("table", "declared", "offset", "option"),
    [
        ("facilities", "wgs84", "gcj02", "--input-crs facilities=gcj02"),
        ("facilities_bd09", "wgs84", "bd09", "--input-crs facilities=bd09"),
        ("facilities_wgs84", "facilities=gcj02", "gcj02", "drop --input-crs facilities=gcj02"),
    ],
)
def test_layers_that_disagree_by_an_offset_are_flagged(
    mixed_study: dict[str, Path], caplog: pytest.LogCaptureFixture, table: str, declared: str, offset: str, option: str
) -> None:
    """Real offsets of the sample's facilities: undeclared GCJ-02, undeclared BD-09, wrongly declared."""
    with caplog.at_level("WARNING", logger="planner.ingest.layer_crs"):
        study = load_study(
            communities=mixed_study["communities"],
            facilities=mixed_study[table],
            streets=mixed_study["streets"],
            input_crs=declared,
        )
    flagged = study.validation.loc[study.validation["reason"] == "offset_suspected"]
    assert flagged[["layer", "id", "action"]].values.tolist() == [["facilities", "facilities", "flagged"]]
    assert option in flagged["message_en"].iloc[0] and option in caplog.text


def test_offset_streets_layer_is_named_as_the_culprit(tmp_path: Path, mixed_study: dict[str, Path]) -> None:
    streets = _sample_wgs84("streets")
    shifted = streets.set_geometry(transform_geometries(streets.geometry.values, wgs84_to_gcj02), crs=4326)
    path = tmp_path / "streets.gpkg"
    shifted.to_file(path, layer="streets", driver="GPKG")
    study = load_study(
        communities=mixed_study["communities"],
        facilities=mixed_study["facilities_wgs84"],
        streets=path,
        input_crs="wgs84",
    )
    messages = study.validation.loc[study.validation["reason"] == "offset_suspected", "message_en"].tolist()
    assert len(messages) == 1 and "--input-crs streets=gcj02" in messages[0], messages


def test_aligned_sample_is_not_flagged() -> None:
    study = load_study(SAMPLE)
    assert "offset_suspected" not in set(study.validation["reason"])


@pytest.mark.parametrize(
    ("values", "match"),
    [
        (["gcj02", "wgs84"], "given twice"),
        (["facilities=gcj02", "facilities=bd09"], "given twice"),
        (["shops=gcj02"], "unknown layer 'shops'; layers are communities, facilities"),
        (["facilities=nonsense"], "unknown input CRS 'nonsense'"),
    ],
)
def test_bad_per_layer_input_crs(toy_gpkg: Path, values: list[str], match: str) -> None:
    with pytest.raises(CRSError, match=match):
        load_study(toy_gpkg, input_crs=values)


def test_cli_takes_repeated_per_layer_input_crs(mixed_study: dict[str, Path], tmp_path: Path) -> None:
    """``--input-crs facilities=gcj02 --input-crs wgs84`` reaches load_study as two values."""
    from planner.cli import main

    out = tmp_path / "r"
    args = ["analyze", "--communities", str(mixed_study["communities"]), "--facilities", str(mixed_study["facilities"])]
    args += ["--streets", str(mixed_study["streets"]), "--mode", "euclidean", "--quiet", "--out", str(out)]
    assert main([*args, "--input-crs", "facilities=gcj02", "--input-crs", "wgs84"]) == 0
    reasons = set(pd.read_csv(out / "validation.csv")["reason"])
    assert "offset_suspected" not in reasons and "facility_outside_communities" not in reasons
    # without the declaration the GCJ-02 table is read as WGS84, and the run says so
    assert main([*args, "--input-crs", "wgs84", "--out", str(tmp_path / "r2")]) == 0
    log = pd.read_csv(tmp_path / "r2" / "validation.csv")
    assert "--input-crs facilities=gcj02" in log.loc[log["reason"] == "offset_suspected", "message_en"].iloc[0]


def test_uploaded_layers_take_their_own_crs(mixed_study: dict[str, Path], tmp_path: Path) -> None:
    """The app states the CRS per uploaded layer: ("facilities=gcj02",)."""
    from planner.app.uploads import Upload, load_uploaded_study

    ups = {
        k: Upload(mixed_study[k].name, mixed_study[k].read_bytes()) for k in ("communities", "facilities", "streets")
    }
    study = load_uploaded_study(ups, input_crs=("facilities=gcj02",), root=tmp_path)
    ref = load_study(SAMPLE)
    assert study.facilities["community_id"].tolist() == ref.facilities["community_id"].tolist()
    assert "offset_suspected" not in set(study.validation["reason"])


# --------------------------------------------------------------------------------------
# Messages that say what to do (issue 14, point 10)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "drop", "names"),
    [
        ("communities", "人口", ["population", "pop", "residents", "人口", "常住人口", "总人口"]),
        ("facilities", "设施类型", ["type", "facility_type", "设施类型", "类型", "类别"]),
    ],
)
def test_missing_column_lists_the_accepted_names(tmp_path: Path, layer: str, drop: str, names: list[str]) -> None:
    path = _bad(tmp_path, layer, lambda g: g.drop(columns=drop))
    with pytest.raises(InputError) as info:
        load_study(path)
    message = str(info.value)
    assert "planner.ingest.files" not in message and "ALIASES" not in message
    assert all(name in message for name in names), message
    assert "bad.gpkg" in message and f"layer '{layer}'" in message


def test_missing_community_id_and_name_lists_the_accepted_names(tmp_path: Path) -> None:
    path = _bad(tmp_path, "communities", lambda g: g.drop(columns=["社区编码", "社区名称"]))
    with pytest.raises(InputError) as info:
        load_study(path)
    assert all(n in str(info.value) for n in ("community_id", "社区编码", "居委会编码", "社区名称", "居委会名称"))


def _swapped_csv(path: Path, rows: list[int] | None) -> Path:
    """The toy facilities as a 经度/纬度 table with the two values exchanged (in ``rows``, or all)."""
    table = _facility_table(toy_layers()["facilities"].to_crs(4326))
    which = table.index if rows is None else rows
    table.loc[which, ["经度", "纬度"]] = table.loc[which, ["纬度", "经度"]].to_numpy()
    table.to_csv(path, index=False)
    return path


def test_swapped_lon_lat_columns_are_named_not_blamed_on_the_crs(tmp_path: Path, toy_gpkg: Path) -> None:
    path = _swapped_csv(tmp_path / "设施.csv", None)
    with pytest.raises(InputError) as info:
        load_study(toy_gpkg, facilities=path, input_crs="wgs84")
    message = str(info.value)
    assert not isinstance(info.value, CRSError) and "CRS" not in message
    assert "设施.csv" in message and "column '经度/纬度'" in message
    assert "look swapped" in message and "swap the names of the columns '经度' and '纬度'" in message
    assert "3 row(s): 2, 3, 4" in message  # spreadsheet rows (header is row 1)


def test_some_swapped_rows_are_listed(tmp_path: Path, toy_gpkg: Path) -> None:
    path = _swapped_csv(tmp_path / "facilities.csv", [1])
    with pytest.raises(InputError, match=r"1 row\(s\): 3: longitude and latitude look swapped.*in these rows"):
        load_study(toy_gpkg, facilities=path, input_crs="wgs84")


def test_table_without_lon_lat_lists_every_accepted_name(tmp_path: Path, toy_gpkg: Path) -> None:
    path = tmp_path / "facilities.csv"
    _facility_table(toy_layers()["facilities"].to_crs(4326)).rename(columns={"经度": "东经"}).to_csv(path, index=False)
    with pytest.raises(InputError) as info:
        load_study(toy_gpkg, facilities=path, input_crs="wgs84")
    message = str(info.value)
    assert all(n in message for n in ("lng", "longitude", "经度", "gcj02_lng", "纬度", "bd09_lat", "东经")), message
    assert "(" not in message.split("columns:")[1].split("Found")[0]  # plain names, not a Python tuple

"""planner import-osm: counts against an independent xml.etree / osmium pass, the tag rules, the study.

Real data: the Chengdu extract (XML and a PBF made from it here) and the Shanghai drive
network (../shared/data/real/). Synthetic: a hand-written OSM XML whose every object is
described where it is written.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import geopandas as gpd
import osmium
import pandas as pd
import pytest
from conftest import CHENGDU, SHANGHAI, real_file

from planner.cli import main
from planner.errors import InputError
from planner.ingest.osm_study import LOG_TABLE, TAGS_TABLE, import_osm
from planner.ingest.study import load_study


def _etree_tags(path: Path) -> list[tuple[str, dict[str, str]]]:
    """(element kind, tags) of every node, way and relation: the independent pass."""
    out = []
    for _, el in ET.iterparse(path):
        if el.tag in ("node", "way", "relation"):
            out.append((el.tag, {t.get("k"): t.get("v") for t in el.findall("tag")}))
            el.clear()
    return out


class _BuildingAreas(osmium.SimpleHandler):
    """Counts building areas as osmium's classic handler assembles them."""

    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    def area(self, a: osmium.osm.Area) -> None:
        if a.tags.get("building", "no") != "no":
            self.n += 1


@pytest.fixture(scope="module")
def chengdu_pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Chengdu extract as PBF, with its header (the declared box) copied."""
    src = str(real_file(CHENGDU))
    out = tmp_path_factory.mktemp("pbf") / "chengdu.osm.pbf"
    header = osmium.io.Reader(src, osmium.osm.osm_entity_bits.NOTHING).header()
    with osmium.SimpleWriter(str(out), header=header) as writer:
        for obj in osmium.FileProcessor(src):
            writer.add(obj)
    return out


@pytest.fixture(scope="module")
def chengdu(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("import") / "chengdu.gpkg"
    return import_osm(real_file(CHENGDU), out), out


@pytest.fixture(scope="module")
def chengdu_tags() -> list[tuple[str, dict[str, str]]]:
    return _etree_tags(real_file(CHENGDU))


def test_streets_and_buildings_match_an_independent_pass(chengdu, chengdu_tags) -> None:
    result, _ = chengdu
    highway_ways = sum(1 for kind, t in chengdu_tags if kind == "way" and "highway" in t)
    assert len(result.layers["streets"]) == highway_ways == 2278
    handler = _BuildingAreas()
    handler.apply_file(str(CHENGDU), locations=True)
    assert len(result.layers["buildings"]) == handler.n == 800
    assert (result.layers["buildings"]["floor_area_m2"] > 0).all()


def test_every_amenity_is_counted_in_the_tag_report(chengdu, chengdu_tags) -> None:
    result, _ = chengdu
    amenity = Counter(t["amenity"] for _, t in chengdu_tags if "amenity" in t)
    report = result.tags.loc[result.tags["key"] == "amenity"].groupby("value")["objects"].sum()
    assert report.to_dict() == dict(amenity)
    assert report.sum() == 413  # SOURCES.md


def test_facilities_are_one_per_tagged_object(chengdu, chengdu_tags) -> None:
    result, _ = chengdu
    fac = result.layers["facilities"]
    merged = (result.log["reason"] == "facility_merged").sum()
    kindergartens = sum(1 for _, t in chengdu_tags if t.get("amenity") == "kindergarten")
    health = sum(1 for _, t in chengdu_tags if t.get("amenity") in ("clinic", "doctors"))
    assert kindergartens == 5
    assert (fac["type"] == "kindergarten").sum() + merged_of(result, "kindergarten") == kindergartens
    assert (fac["type"] == "health_station").sum() + merged_of(result, "health_station") == health == 3
    mapped = result.tags.loc[result.tags["status"] == "mapped", "objects"].sum()
    assert len(fac) + merged == mapped
    assert fac["facility_id"].is_unique


def merged_of(result, type_key: str) -> int:
    log = result.log.loc[result.log["reason"] == "facility_merged"]
    return int(log["message_en"].str.contains(f"({type_key})", regex=False).sum())


def test_childcare_is_not_a_kindergarten(chengdu) -> None:
    result, _ = chengdu
    row = result.tags.loc[(result.tags["key"] == "amenity") & (result.tags["value"] == "childcare")]
    assert row["status"].tolist() == ["skipped"] and row["objects"].tolist() == [1]
    assert "0-3" in row["reason"].iloc[0]


def test_pbf_gives_the_same_study_as_xml(chengdu, chengdu_pbf: Path, tmp_path: Path) -> None:
    result, _ = chengdu
    pbf = import_osm(chengdu_pbf, tmp_path / "pbf.gpkg")
    assert pbf.counts() == result.counts()
    pd.testing.assert_frame_equal(pbf.tags, result.tags)
    assert sorted(pbf.layers["facilities"]["facility_id"]) == sorted(result.layers["facilities"]["facility_id"])


def test_shanghai_drive_network_has_streets_and_nothing_else(tmp_path: Path) -> None:
    path = real_file(SHANGHAI)
    ways = sum(1 for kind, t in _etree_tags(path) if kind == "way" and "highway" in t)
    result = import_osm(path, tmp_path / "sh.gpkg")
    assert len(result.layers["streets"]) == ways == 796
    assert len(result.layers["facilities"]) == 0 and len(result.layers["buildings"]) == 0
    assert result.layers["communities"]["provisional"].all()


def test_provisional_communities_are_marked(chengdu) -> None:
    result, out = chengdu
    comm = result.layers["communities"]
    assert comm["provisional"].all() and len(comm) > 10
    logged = result.log.loc[result.log["reason"] == "provisional_community", "id"]
    assert set(logged) == set(comm["community_id"])
    assert (out.parent / "chengdu_validation.csv").exists()
    tags = pd.read_csv(out.parent / "chengdu_osm_tags.csv", encoding="utf-8-sig")
    assert tags["objects"].sum() == result.tags["objects"].sum()
    assert {LOG_TABLE, TAGS_TABLE} <= set(gpd.list_layers(out)["name"])


def test_analyze_accepts_the_imported_study(chengdu, tmp_path: Path, capsys) -> None:
    _, out = chengdu
    study = load_study(out)
    assert len(study.facilities) == 44 and study.streets_from_osm is False
    assert main(["analyze", str(out), "--out", str(tmp_path / "res")]) == 0
    assert "Residents within the service radius" in capsys.readouterr().out
    comm = pd.read_csv(tmp_path / "res" / "communities.csv", encoding="utf-8-sig")
    assert comm["provisional"].all()


# --- synthetic: the tag rules ----------------------------------------------------------------------------------
#
# A 200 m square campus (way 10, amenity=school isced:level=1) with a gate node (node 100, amenity=school
# isced:level=1) inside it; a building (way 11, building=kindergarten, 4 storeys, no amenity) inside the campus;
# a childcare node (101); a school node without level but named 某某中学 (102); a high school (103, 高级中学);
# a street along the south edge (way 12) and one along the north edge (way 13): their extent is the campus,
# which becomes the one provisional community.

_D = 0.0018  # degrees, about 200 m north-south at 30.6 N


def _synthetic(tmp_path: Path) -> Path:
    lon0, lat0 = 104.06, 30.66
    nodes = {
        1: (lon0, lat0),
        2: (lon0 + _D, lat0),
        3: (lon0 + _D, lat0 + _D),
        4: (lon0, lat0 + _D),
        5: (lon0 + 0.0005, lat0 + 0.0005),
        6: (lon0 + 0.0008, lat0 + 0.0005),
        7: (lon0 + 0.0008, lat0 + 0.0008),
        8: (lon0 + 0.0005, lat0 + 0.0008),
    }
    tagged = {
        100: (lon0 + 0.001, lat0 + 0.001, {"amenity": "school", "isced:level": "1", "name": "某小学东门"}),
        101: (lon0 + 0.003, lat0 + 0.001, {"amenity": "childcare", "name": "某托育中心"}),
        102: (lon0 + 0.004, lat0 + 0.001, {"amenity": "school", "name": "某某中学"}),
        103: (lon0 + 0.005, lat0 + 0.001, {"amenity": "school", "name": "某某高级中学"}),
    }
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    parts += [f'<node id="{i}" lat="{la}" lon="{lo}"/>' for i, (lo, la) in nodes.items()]
    for i, (lo, la, tags) in tagged.items():
        parts.append(f'<node id="{i}" lat="{la}" lon="{lo}">' + _tags(tags) + "</node>")
    parts.append(_way(10, [1, 2, 3, 4, 1], {"amenity": "school", "isced:level": "1", "name": ""}))
    parts.append(_way(11, [5, 6, 7, 8, 5], {"building": "kindergarten", "building:levels": "4"}))
    parts.append(_way(12, [1, 2], {"highway": "residential"}))
    parts.append(_way(13, [4, 3], {"highway": "tertiary"}))
    parts.append("</osm>")
    path = tmp_path / "toy.osm"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _tags(tags: dict[str, str]) -> str:
    return "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items() if v)


def _way(wid: int, refs: list[int], tags: dict[str, str]) -> str:
    return f'<way id="{wid}">' + "".join(f'<nd ref="{r}"/>' for r in refs) + _tags(tags) + "</way>"


@pytest.fixture
def toy(tmp_path: Path):
    return import_osm(_synthetic(tmp_path), tmp_path / "toy.gpkg")


def test_gate_inside_campus_is_merged_and_logged(toy) -> None:
    fac = toy.layers["facilities"].set_index("facility_id")
    assert "node/100" not in fac.index
    assert fac.loc["way/10", "type"] == "primary_school"
    assert fac.loc["way/10", "name"] == "某小学东门"  # the campus had no name: the gate's
    merged = toy.log.loc[toy.log["reason"] == "facility_merged"]
    assert merged["id"].tolist() == ["node/100"] and "way/10" in merged["message_en"].iloc[0]


def test_building_tag_alone_is_no_facility_but_floor_area(toy) -> None:
    fac = toy.layers["facilities"].set_index("facility_id")
    assert "way/11" not in fac.index and (fac["type"] != "kindergarten").all()
    b = toy.layers["buildings"].set_index("building_id").loc["way/11"]
    assert b["levels"] == 4 and b["levels_source"] == "building:levels"
    assert b["floor_area_m2"] == pytest.approx(4 * b["footprint_m2"])
    assert b["footprint_m2"] == pytest.approx(0.0003 * 111_320 * 0.0003 * 110_900 * 0.86, rel=0.05)
    # the campus's floor area is that of the building inside it
    assert fac.loc["way/10", "floor_area_m2"] == pytest.approx(b["floor_area_m2"])
    assert fac.loc["way/10", "floor_area_source"] == "buildings inside"


def test_school_levels_from_name_and_childcare_skipped(toy) -> None:
    fac = toy.layers["facilities"].set_index("facility_id")
    assert fac.loc["node/102", "type"] == "junior_school"
    assert "node/103" not in fac.index and "node/101" not in fac.index
    status = toy.tags.set_index(["key", "value", "status"])["objects"]
    assert status[("amenity", "childcare", "skipped")] == 1
    assert status[("amenity", "school", "unmapped")] == 1  # the high school


def test_user_mapping_is_tried_first(tmp_path: Path) -> None:
    user = tmp_path / "city.toml"
    user.write_text('[[facility]]\ntype = "cultural_station"\ntags = { amenity = "childcare" }\n', encoding="utf-8")
    result = import_osm(_synthetic(tmp_path), tmp_path / "u.gpkg", mapping=user)
    fac = result.layers["facilities"].set_index("facility_id")
    assert fac.loc["node/101", "type"] == "cultural_station"


def test_mapping_with_an_unknown_type_is_refused(tmp_path: Path) -> None:
    user = tmp_path / "bad.toml"
    user.write_text('[[facility]]\ntype = "spa"\ntags = { amenity = "spa" }\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.toml.*'spa'.*rulebook"):
        import_osm(_synthetic(tmp_path), tmp_path / "u.gpkg", mapping=user)


def test_output_onto_the_input_is_refused(tmp_path: Path) -> None:
    src = _synthetic(tmp_path)
    with pytest.raises(InputError, match="overwrite an input"):
        import_osm(src, src)


def test_cli_import_osm(tmp_path: Path, capsys) -> None:
    out = tmp_path / "cli.gpkg"
    assert main(["import-osm", str(_synthetic(tmp_path)), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "PROVISIONAL" in text and out.exists()
    assert main(["import-osm", "--out", str(out)]) == 2


def test_levels_are_read_as_the_largest_number() -> None:
    from planner.ingest.osm_study import _levels

    got = _levels(pd.Series(["6", "6;7", "3.5", "", None, "0", "abc"]))
    assert got.tolist()[:3] == [6.0, 7.0, 3.5]
    assert got.iloc[3:].isna().all()  # empty, missing, zero and unreadable: the default applies


def test_mappings_ship_in_the_wheel() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[1]
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert "*.toml" in data["tool"]["setuptools"]["package-data"]["planner.ingest.mappings"]
    assert {p.name for p in (root / "planner" / "ingest" / "mappings").glob("*.toml")} == {"osm.toml", "poi.toml"}


def test_the_import_log_reaches_the_analysis_validation_csv(chengdu, tmp_path: Path) -> None:
    result, out = chengdu
    study = load_study(out)
    provisional = study.validation.loc[study.validation["reason"] == "provisional_community", "id"]
    assert set(provisional) == set(result.layers["communities"]["community_id"])


def test_given_communities_are_kept_and_not_provisional(tmp_path: Path) -> None:
    import shapely

    comm = tmp_path / "communities.geojson"
    box = shapely.box(104.059, 30.659, 104.062, 30.662)
    gpd.GeoDataFrame({"社区名称": ["某社区"], "人口": [4000]}, geometry=[box], crs=4326).to_file(comm)
    result = import_osm(_synthetic(tmp_path), tmp_path / "c.gpkg", communities=comm)
    layer = result.layers["communities"]
    assert layer["name"].tolist() == ["某社区"] and layer["population"].tolist() == [4000]
    assert not layer["provisional"].any()
    assert not (result.log["reason"] == "provisional_community").any()

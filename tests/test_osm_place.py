"""planner import-osm --place through osmnx, replaying recorded responses (no test touches the network).

The "recorded" Overpass responses are made here from the Chengdu extract: its elements as
Overpass JSON, saved to a file and served to osmnx's download functions (Nominatim answers
with a box in central Chengdu). The study from the place must equal the study from the file
clipped to the same box, for what both define the same way.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from conftest import CHENGDU, real_file

from planner.cli import main
from planner.ingest.osm_study import import_osm

BOX = (104.07, 30.66, 104.09, 30.68)  # lon/lat, about 1.9 km x 2.2 km


def _overpass_json(path: Path) -> dict:
    elements = []
    for _, el in ET.iterparse(path):
        tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
        if el.tag == "node":
            elements.append(
                {
                    "type": "node",
                    "id": int(el.get("id")),
                    "lat": float(el.get("lat")),
                    "lon": float(el.get("lon")),
                    **({"tags": tags} if tags else {}),
                }
            )
        elif el.tag == "way":
            elements.append(
                {
                    "type": "way",
                    "id": int(el.get("id")),
                    "nodes": [int(n.get("ref")) for n in el.findall("nd")],
                    "tags": tags,
                }
            )
        elif el.tag == "relation":
            members = [
                {"type": m.get("type"), "ref": int(m.get("ref")), "role": m.get("role")} for m in el.findall("member")
            ]
            elements.append({"type": "relation", "id": int(el.get("id")), "members": members, "tags": tags})
        if el.tag in ("node", "way", "relation"):
            el.clear()
    return {"version": 0.6, "elements": elements}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("recorded") / "chengdu_overpass.json"
    path.write_text(json.dumps(_overpass_json(real_file(CHENGDU))), encoding="utf-8")
    return path


@pytest.fixture
def offline_osmnx(monkeypatch: pytest.MonkeyPatch, recorded: Path):
    from osmnx import _nominatim, _overpass

    data = json.loads(recorded.read_text(encoding="utf-8"))
    used = {
        n["id"]
        for e in data["elements"]
        if e["type"] == "way" and "highway" in e["tags"]
        for n in [{"id": i} for i in e["nodes"]]
    }
    network = {
        "elements": [
            e
            for e in data["elements"]
            if (e["type"] == "way" and "highway" in e["tags"]) or (e["type"] == "node" and e["id"] in used)
        ]
    }
    west, south, east, north = BOX
    place = [
        {
            "importance": 1.0,
            "class": "boundary",
            "type": "administrative",
            "osm_type": "relation",
            "osm_id": 1,
            "display_name": "test box, Chengdu",
            "lat": str((south + north) / 2),
            "lon": str((west + east) / 2),
            "boundingbox": [str(south), str(north), str(west), str(east)],
            "geojson": shapely.geometry.mapping(shapely.box(*BOX)),
        }
    ]
    calls = []

    def nominatim(query, **kwargs):
        calls.append(("nominatim", query))
        return place

    def network_download(polygon, network_type, custom_filter):
        calls.append(("network", network_type))
        yield network

    def features_download(polygon, tags):
        calls.append(("features", tuple(sorted(tags))))
        yield data

    monkeypatch.setattr(_nominatim, "_download_nominatim_element", nominatim)
    monkeypatch.setattr(_overpass, "_download_overpass_network", network_download)
    monkeypatch.setattr(_overpass, "_download_overpass_features", features_download)
    return calls


def test_place_gives_the_file_study_of_the_same_box(offline_osmnx, tmp_path: Path, capsys) -> None:
    out = tmp_path / "place.gpkg"
    assert main(["import-osm", "--place", "测试区, 成都市", "--out", str(out), "--quiet"]) == 0
    assert [c[0] for c in offline_osmnx][:1] == ["nominatim"] and ("network", "walk") in offline_osmnx
    clip = tmp_path / "box.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(*BOX)], crs=4326).to_file(clip)
    from_file = import_osm(real_file(CHENGDU), tmp_path / "file.gpkg", clip=clip)
    place = {k: gpd.read_file(out, layer=k) for k in ("facilities", "buildings", "streets", "communities")}
    assert sorted(place["facilities"]["facility_id"]) == sorted(from_file.layers["facilities"]["facility_id"])
    assert sorted(place["buildings"]["building_id"]) == sorted(from_file.layers["buildings"]["building_id"])
    assert place["communities"]["provisional"].all()
    # osmnx keeps the walkable ways (not motorways), cut at the box; the file keeps every highway way touching it
    walk_ids = set(place["streets"]["osm_id"])
    assert walk_ids <= set(from_file.layers["streets"]["osm_id"])
    assert len(walk_ids) > 0.8 * len(from_file.layers["streets"])

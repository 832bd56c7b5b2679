"""Reading streets from OSM XML (osmnx) and PBF (pyosmium) on the real Chengdu extract."""

from __future__ import annotations

from pathlib import Path

import osmium
import pytest
from conftest import CHENGDU, real_file

from planner.reach.network import NOT_WALKABLE, read_osm_streets


@pytest.fixture(scope="module")
def chengdu_pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Chengdu XML extract converted to PBF with pyosmium (same content, other format)."""
    src = real_file(CHENGDU)
    out = tmp_path_factory.mktemp("osm") / "chengdu.osm.pbf"
    with osmium.SimpleWriter(str(out)) as writer:
        for obj in osmium.FileProcessor(str(src)):
            writer.add(obj)
    return out


@pytest.fixture(scope="module")
def chengdu_xml_streets():
    return read_osm_streets(real_file(CHENGDU))


def test_xml_keeps_only_highways_not_buildings_or_landuse(chengdu_xml_streets) -> None:
    """osmnx's graph_from_xml makes edges of every way; 804 buildings must not become streets."""
    streets = chengdu_xml_streets
    assert streets.crs.to_epsg() == 4326
    assert streets["highway"].notna().all()
    assert "nan" not in set(streets["highway"])
    assert {"residential", "primary", "footway", "motorway"} <= set(streets["highway"])


def test_pbf_and_xml_give_the_same_street_length(chengdu_pbf: Path, chengdu_xml_streets) -> None:
    pbf = read_osm_streets(chengdu_pbf)
    assert len(pbf) == 2278  # highway ways counted in ../shared/data/real/SOURCES.md
    utm = pbf.estimate_utm_crs()
    length_pbf = pbf.to_crs(utm).length.sum()
    length_xml = chengdu_xml_streets.to_crs(utm).length.sum()
    assert length_pbf == pytest.approx(922_803, rel=1e-3)
    # osmnx splits ways at intersections; the total stays within 0.5 %
    assert length_xml == pytest.approx(length_pbf, rel=5e-3)


def test_motorways_are_dropped_when_loading_a_study(chengdu_xml_streets) -> None:
    from planner.ingest import validate
    from planner.ingest.study import _streets

    log = validate.ValidationLog()
    walkable = _streets(chengdu_xml_streets.to_crs(32648), ("chengdu.osm", "streets"), log)
    assert not walkable["highway"].isin(NOT_WALKABLE).any()
    dropped = log.frame()
    assert (dropped["reason"] == "street_excluded").sum() == chengdu_xml_streets["highway"].isin(NOT_WALKABLE).sum() > 0


def test_broken_osm_file_is_a_clear_error(tmp_path: Path) -> None:
    from planner import InputError

    bad = tmp_path / "broken.osm"
    bad.write_text("<osm><way", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.osm"):
        read_osm_streets(bad)

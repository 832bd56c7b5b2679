"""The bundled sample district is what the README promises: realistic, with visible gaps."""

from __future__ import annotations

import pytest

import planner
from planner import naming
from planner.outputs import json_ready


@pytest.fixture(scope="module")
def sample() -> planner.Analysis:
    return planner.analyze()


def test_sample_is_a_believable_chinese_district(sample: planner.Analysis) -> None:
    assert sample.study.name == "锦城示范区"
    comm = sample.study.communities
    assert 20 <= len(comm) <= 30
    assert comm["households"].between(3000, 6000).all()
    assert comm["staff"].between(7, 10).all()
    assert comm["name"].str.endswith("社区").all()
    assert comm["sub_district"].nunique() >= 3
    # every facility type of the rulebook is present, named as real data names them
    fac = sample.study.facilities
    assert set(fac["type"]) == set(sample.study.rulebook.types)
    assert fac["type_raw"].nunique() > len(sample.study.rulebook.types)
    assert sample.study.crs.to_epsg() == 32648  # CGCS2000 input reprojected to UTM 48N


def test_sample_has_realistic_gaps(sample: planner.Analysis) -> None:
    rules = sample.summary["rules"]
    complex_share = rules["complex_floor_area"]["share_passing"]
    assert 0.1 <= complex_share <= 0.4  # a minority meets the complex standard
    assert rules["facility_floor_area"]["communities_failing"] > 0
    cov = sample.summary["coverage"]
    shares = [cov[t]["share_covered"] for t in cov]
    assert min(shares) < 0.9 and max(shares) > 0.2  # gaps are visible, but not everywhere
    # exactly one facility of an unknown type is reported, never guessed
    log = sample.validation
    assert (log["reason"] == "unknown_facility_type").sum() == 1


def test_sample_walking_is_longer_than_straight_line(sample: planner.Analysis) -> None:
    again = planner.with_facilities(sample, sample.study.facilities)  # same engine, same result
    assert json_ready(again.summary["coverage"]) == json_ready(sample.summary["coverage"])
    euclid = planner.analyze(sample.study, mode="euclidean")
    for key in sample.study.rulebook.types:
        walk = sample.cells[naming.dist(key)].to_numpy()
        straight = euclid.cells[naming.dist(key)].to_numpy()
        assert (walk >= straight - 1e-6).all()


def test_sub_district_roll_up_equals_a_recomputation_from_cells(sample: planner.Analysis) -> None:
    subs = sample.sub_districts.set_index("sub_district")
    cells = sample.cells.merge(sample.communities[["community_id", "sub_district"]], on="community_id")
    assert set(subs.index) == set(cells["sub_district"]) and len(subs) >= 3
    assert subs["communities"].sum() == len(sample.communities)
    for name, g in cells.groupby("sub_district"):
        assert subs.loc[name, "population"] == g["population"].sum()
        for key in sample.study.rulebook.types:
            share = (g["population"] * g[naming.covered(key)]).sum() / g["population"].sum()
            assert subs.loc[name, naming.share_covered(key)] == pytest.approx(share, abs=1e-12)
        passing = sample.communities.loc[sample.communities["sub_district"] == name, naming.rule_pass("staff_ratio")]
        assert subs.loc[name, "communities_passing_staff_ratio"] == int(passing.fillna(False).sum())

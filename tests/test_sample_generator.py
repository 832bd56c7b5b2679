"""The sample generator (data/sample_district) reproduces the committed district.gpkg exactly.

Run through its entry point, ``python data/make_sample.py``, as data/README.md documents it,
with this checkout's ``planner`` on the path (the siting uses planner's walking engine).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely

import planner

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "data" / "make_sample.py"
SAMPLE = ROOT / "data" / "sample" / "district.gpkg"

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="data/sample/district.gpkg is not generated")


def _run(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("OGR_CURRENT_DATE", None)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def assert_same_layers(new: Path, old: Path) -> None:
    """Same layers, geometry types, CRS, columns, dtypes, values, exact geometries and row order."""
    assert [tuple(x) for x in pyogrio.list_layers(new)] == [tuple(x) for x in pyogrio.list_layers(old)]
    for name, _ in pyogrio.list_layers(old):
        a = pyogrio.read_dataframe(new, layer=name)
        b = pyogrio.read_dataframe(old, layer=name)
        assert a.crs == b.crs, name
        assert list(a.columns) == list(b.columns), name
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"), check_exact=True)
        wkb_a, wkb_b = shapely.to_wkb(a.geometry.values), shapely.to_wkb(b.geometry.values)
        assert len(wkb_a) == len(wkb_b), name
        differ = [i for i, (x, y) in enumerate(zip(wkb_a, wkb_b, strict=True)) if x != y]
        assert not differ, f"layer {name}: {len(differ)} geometries differ, first rows {differ[:5]}"


@pytest.mark.slow
def test_regenerating_reproduces_the_committed_sample(tmp_path: Path) -> None:
    out = tmp_path / "district.gpkg"
    log = _run("--out", str(out))
    assert "communities=27 facilities=256" in log
    assert_same_layers(out, SAMPLE)
    # with the fixed GeoPackage timestamp the file itself is the same, byte for byte
    assert out.read_bytes() == SAMPLE.read_bytes()


def test_layer_comparison_sees_a_changed_value(tmp_path: Path) -> None:
    changed = tmp_path / "changed.gpkg"
    for i, (name, _) in enumerate(pyogrio.list_layers(SAMPLE)):
        frame = pyogrio.read_dataframe(SAMPLE, layer=name)
        if name == "facilities":
            frame.loc[3, "建筑面积"] += 0.1
        pyogrio.write_dataframe(frame, changed, layer=name, append=i > 0)
    with pytest.raises(AssertionError):
        assert_same_layers(changed, SAMPLE)


@pytest.mark.slow
def test_independent_checks_agree_with_planner() -> None:
    """``--check`` measures walking coverage with networkx, not planner: the two agree."""
    log = _run("--no-write", "--check")
    assert "graph on exact vertices: 3240 nodes, 1 component(s)" in log
    assert "meeting points that are not a shared vertex of both lines: 0" in log
    assert "buildings crossed by a street line: 0" in log
    walking = {
        m["type"]: float(m["share"]) / 100
        for m in re.finditer(r"^\s+(?P<type>[a-z_]+)\s+r=\s*\d+ m\s+walking\s+(?P<share>[\d.]+)%", log, re.M)
    }
    result = planner.analyze()
    assert set(walking) == set(result.study.rulebook.types)
    for key, share in walking.items():
        # planner rounds each cell to whole residents, the checks keep fractions: 0.1 % apart at most
        assert result.summary["coverage"][key]["share_covered"] == pytest.approx(share, abs=0.0015), key

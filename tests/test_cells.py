"""Tests for planner.reach.cells: generated analysis cells and their population.

Two hand-built communities in EPSG:32648 (UTM zone 48N, metres), local origin (X0, Y0) in
central Chengdu on a multiple of 100 m so that the 100 m square grid has lines at local
x, y = 0, 100, 200, ...::

    y=250            +-----------------+ (520,250)
                   / |                 |
    y=180  (10,180)  |                 |
           |   A     |        B        |
    y=20   (10,20)---+(330,20)---------+ (520,20)

A is a trapezoid (10,20)-(330,20)-(330,250)-(10,180) (area 320 * (160 + 230) / 2 = 62,400 m²)
with 1,234 residents; B is the rectangle (330,20)-(520,250) (190 * 230 = 43,700 m²) with 567.
Neither edge lies on the grid, so cells are clipped on every side.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Polygon, box

from planner.errors import PlannerError
from planner.reach.cells import make_cells

CRS = "EPSG:32648"
X0, Y0 = 404_000.0, 3_396_000.0
AREA = {"A": 62_400.0, "B": 43_700.0}
POPULATION = {"A": 1234, "B": 567}


def poly(*xy: tuple[float, float]) -> Polygon:
    return Polygon([(X0 + x, Y0 + y) for x, y in xy])


def local_box(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


@pytest.fixture
def communities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"community_id": ["A", "B"], "population": [POPULATION["A"], POPULATION["B"]]},
        geometry=[poly((10, 20), (330, 20), (330, 250), (10, 180)), poly((330, 20), (520, 20), (520, 250), (330, 250))],
        crs=CRS,
    )


def buildings(*rows: tuple[Polygon, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"residential_floor_area_m2": [area for _, area in rows]}, geometry=[g for g, _ in rows], crs=CRS
    )


def cell_at(cells: gpd.GeoDataFrame, x: float, y: float) -> gpd.GeoSeries:
    """The one cell containing local (x, y)."""
    hit = cells.loc[cells.geometry.contains(shapely.Point(X0 + x, Y0 + y))]
    assert len(hit) == 1, f"expected one cell at ({x}, {y}), found {len(hit)}"
    return hit.iloc[0]


def assert_partition(cells: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, *, rel: float) -> None:
    """Every cell lies inside exactly one community, its own; cells tile each community."""
    comm = communities.set_index("community_id").geometry
    own = shapely.area(shapely.intersection(cells.geometry.values, comm.loc[cells["community_id"]].values))
    np.testing.assert_allclose(own, cells.area, rtol=rel)  # inside its own community
    for cid, geom in comm.items():
        other = cells["community_id"] != cid
        assert shapely.area(shapely.intersection(cells.geometry.values[other.to_numpy()], geom)).sum() < 1e-6
    # no two cells overlap, and together they cover each community
    for cid, geom in comm.items():
        mine = cells.loc[cells["community_id"] == cid]
        assert mine.area.sum() == pytest.approx(geom.area, rel=rel)
        assert shapely.union_all(mine.geometry.values).symmetric_difference(geom).area < rel * geom.area
    assert cells["cell_id"].is_unique


def assert_largest_remainder(cells: gpd.GeoDataFrame, weight: np.ndarray, totals: dict[str, int]) -> None:
    """Whole people, each community's total exact, and an allocation by largest remainder of
    the weights: every cell within one person of its exact share, and every cell that was
    rounded up has a remainder at least as large as every cell rounded down."""
    pop = cells["population"].to_numpy()
    assert np.issubdtype(pop.dtype, np.integer)
    assert (pop >= 0).all()
    for cid, total in totals.items():
        mine = (cells["community_id"] == cid).to_numpy()
        assert pop[mine].sum() == total
        exact = total * weight[mine] / weight[mine].sum()
        assert np.all(np.abs(pop[mine] - exact) < 1)
        up = pop[mine] > np.floor(exact)
        rem = exact - np.floor(exact)
        if up.any() and (~up).any():
            assert rem[up].min() >= rem[~up].max() - 1e-9


def test_square_cells_partition_communities_and_keep_population(communities):
    """100 m squares clipped to A and B: a partition of each, residents spread by area."""
    before = communities.copy(deep=True)
    cells = make_cells(communities, size_m=100)
    assert set(cells.columns) >= {"cell_id", "community_id", "population", "population_basis", "geometry"}
    assert cells.crs == communities.crs
    assert (cells["population_basis"] == "area").all()
    assert_partition(cells, communities, rel=1e-9)
    assert {cid: cells.loc[cells["community_id"] == cid].area.sum() for cid in AREA} == pytest.approx(AREA)
    assert_largest_remainder(cells, cells.area.to_numpy(), POPULATION)
    # every piece is at most one 100 m square
    assert cells.area.max() <= 10_000 + 1e-6
    # the square (100..200, 100..200) loses its top-left corner to A's top edge
    # y = 180 + 70 (x - 10) / 320, which meets x = 100 at y = 199.6875 and y = 200 at
    # x = 10 + 20 * 320 / 70: a triangle with legs 0.3125 and 1.428571...
    corner = 0.5 * (200 - 199.6875) * (10 + 20 * 320 / 70 - 100)
    assert cell_at(cells, 150, 150).geometry.area == pytest.approx(10_000 - corner, rel=1e-12)
    assert_geodataframe_equal(communities, before)


def test_largest_remainder_by_hand():
    """One 200 m x 100 m community on the grid with 7 residents: two equal cells of 3.5 each
    take 3 and 4 (7 in total), never 3 and 3 or 4 and 4."""
    comm = gpd.GeoDataFrame({"community_id": ["C"], "population": [7]}, geometry=[local_box(0, 0, 200, 100)], crs=CRS)
    cells = make_cells(comm, size_m=100)
    assert len(cells) == 2
    assert sorted(cells["population"]) == [3, 4]


def test_population_follows_residential_floor_area(communities):
    """Buildings (local metres, residential floor area):

    - B's only building (410,110)-(440,140), 900 m², lies in cell (400..500, 100..200):
      all 567 of B's residents go there;
    - in A, (50,120)-(70,140) with 3,000 m² in cell (0..100, 100..200), and (180,50)-(220,70)
      with 1,000 m² straddling x = 200, half in each neighbouring cell. A's shares are
      1234 * (3000, 500, 500) / 4000 = (925.5, 154.25, 154.25): floors 925 + 154 + 154 = 1233,
      the one left over goes to the largest remainder (0.5), so (926, 154, 154); other cells 0.
    """
    bld = buildings(
        (local_box(410, 110, 440, 140), 900.0),
        (local_box(50, 120, 70, 140), 3000.0),
        (local_box(180, 50, 220, 70), 1000.0),
    )
    before = bld.copy(deep=True)
    cells = make_cells(communities, size_m=100, buildings=bld)
    assert (cells["population_basis"] == "buildings").all()
    assert cell_at(cells, 450, 150)["population"] == 567
    assert cell_at(cells, 50, 150)["population"] == 926
    assert cell_at(cells, 150, 50)["population"] == 154
    assert cell_at(cells, 250, 50)["population"] == 154
    assert cells["population"].sum() == 1234 + 567
    assert (cells["population"] > 0).sum() == 4
    assert_partition(cells, communities, rel=1e-9)
    assert_geodataframe_equal(bld, before)


def test_community_without_residential_buildings_falls_back_to_area(communities):
    """Only B has a residential building; A's one building has no residential floor area.
    A is spread by area, B puts everyone in the building's cell."""
    bld = buildings((local_box(410, 110, 440, 140), 900.0), (local_box(50, 120, 70, 140), 0.0))
    cells = make_cells(communities, size_m=100, buildings=bld)
    a = cells["community_id"] == "A"
    assert (cells.loc[a, "population_basis"] == "area").all()
    assert (cells.loc[~a, "population_basis"] == "buildings").all()
    assert cell_at(cells, 450, 150)["population"] == 567
    assert_largest_remainder(cells.loc[a], cells.loc[a].area.to_numpy(), {"A": 1234})


def test_h3_cells(communities):
    """H3 hexagons (resolution chosen from size_m, about 15,000 m² at 100 m) clipped to A and
    B: still a partition with populations preserved exactly; a finer resolution gives more,
    smaller cells."""
    cells = make_cells(communities, size_m=100, shape="h3")
    assert_partition(cells, communities, rel=1e-6)
    assert_largest_remainder(cells, cells.area.to_numpy(), POPULATION)
    assert cells.area.max() < 20_000  # no whole community in one hexagon
    fine = make_cells(communities, shape="h3", h3_resolution=11)
    assert len(fine) > len(cells)
    assert_partition(fine, communities, rel=1e-6)
    assert fine.groupby("community_id")["population"].sum().to_dict() == POPULATION


@pytest.mark.parametrize("size", [0, -100])
def test_bad_size_raises(communities, size):
    with pytest.raises(PlannerError, match="cell size must be a positive number"):
        make_cells(communities, size_m=size)


def test_bad_shape_raises(communities):
    with pytest.raises(PlannerError, match="cell shape must be one of"):
        make_cells(communities, shape="hexagon")


def test_too_many_cells_raises(communities):
    with pytest.raises(PlannerError, match="too many; choose a larger cell size"):
        make_cells(communities, size_m=0.01)


@pytest.mark.parametrize("size", [math.nan, math.inf], ids=["nan", "inf"])
def test_non_finite_size_raises_planner_error(communities, size):
    with pytest.raises(PlannerError, match="cell size must be a positive number"):
        make_cells(communities, size_m=size)


def test_coarse_h3_cells_still_cover_every_community(communities):
    """size_m=1000 picks H3 resolution 8 (~0.74 km² hexagons): B's cells cover only ~35 % of
    its 43,700 m²; they must tile it."""
    cells = make_cells(communities, size_m=1000, shape="h3")
    for cid, area in AREA.items():
        assert cells.loc[cells["community_id"] == cid].area.sum() == pytest.approx(area, rel=1e-6)


def test_coarse_h3_cells_keep_a_small_communitys_residents():
    """A 50 m x 50 m community at local (300,0)-(350,50) with 100 residents and size_m=2000
    (H3 resolution 7): no hexagon centre lies within 200 m, so make_cells returns no cell and
    the 100 residents vanish without an error."""
    comm = gpd.GeoDataFrame(
        {"community_id": ["S"], "population": [100]}, geometry=[local_box(300, 0, 350, 50)], crs=CRS
    )
    cells = make_cells(comm, size_m=2000, shape="h3")
    assert cells["population"].sum() == 100
    assert cells.area.sum() == pytest.approx(2500, rel=1e-6)

"""Generate the bundled sample district ``data/sample/district.gpkg``.

锦城示范区 (Jincheng Sample District) is SYNTHETIC: a fictional district laid out like an
urban Chengdu neighbourhood (arterial grid, branch roads, gated residential compounds).
No OpenStreetMap or other third-party data is used; every coordinate and attribute comes
from this package and a fixed random seed, so the output is the same on every run.

    python data/make_sample.py                      # write data/sample/district.gpkg
    python data/make_sample.py --check              # write, then run the quality checks
    python data/make_sample.py --check --preview /tmp/sample_preview.png

Layers (EPSG:4490, CGCS2000 geographic, Chinese column names as real government data has):
communities, facilities, streets, buildings. See data/README.md.

The pipeline, one module per stage:

==================  ==========================================================================
``config``          seed, placement, street grid, names, service levels (the design's inputs)
``streets``         arterials and branch roads, noded by construction (``Net``)
``layout``          blocks, compound cells, public passages; ``build_district``
``compounds``       public lots, lane rings, central lanes, gates (``buildings``: footprints)
``communities``     blocks grouped into communities per sub-district; households, staff, grids
``cells``           demand: residents of 100 m cells, spread by residential floor area
``walking``         walking reach through planner's own engine
``schools``         the design (model and old-town communities) and the school sites
``siting``          candidate sites and the 5-minute facilities chosen per type
``facilities``      ``build_facilities`` (``facility_names``: names, raw types, floor areas)
``write``           the GeoPackage, each shared vertex converted once
``build``           ``generate``: two builds, then write
``checks``          ``run_checks``: independent quality checks of the written file
``preview``         ``render_preview``: a PNG map
==================  ==========================================================================

What uses planner and what does not, and why:

- **Siting uses planner's engine** (:mod:`.walking`): the walking network
  (``planner.reach.network.build_network``), snapping and bounded per-site searches
  (``planner.reach.engine.ReachEngine.within``), with its rule for a site and a demand point on the
  same segment. The design is meant to be what ``planner analyze`` reports, so it is measured
  with planner rather than with a second implementation.
- **The demand cells are the generator's own** (:mod:`.cells`): planner's cells round to
  whole residents and order cells by id; the committed design was fixed with fractional
  residents in this order, and rounding them picks other sites.
- **The quality checks are independent of planner** (:mod:`.checks`): they re-read the
  GeoPackage and measure with their own code (networkx graphs and Dijkstra, their own
  snapping and same-segment walk, shapely predicates), so that a bug in planner's network,
  snapping or searches shows up as a disagreement with the figures planner prints.

Geometry is built in a local metric frame (metres, x east, y north), rotated and placed in
UTM 48N (EPSG:32648), and converted to EPSG:4490 once at the end. Street lines are noded
by construction: wherever two lines connect they share one exact coordinate tuple, and
every distinct coordinate is converted exactly once, so shared vertices stay identical.

The mix of good and poor service is designed, and measured the way ``planner analyze``
measures it (residents of 100 m cells within a walking radius, through the compound
gates): the district is built once without schools, which fixes the communities and
where the schools go (site_schools); it is built again with the school grounds, and the
5-minute facilities are sited community by community (site_facilities, LEVELS), so that
three model communities (示范社区) meet nearly every standard, three old-town communities
(老旧小区) meet almost none, one sub-district is short of elderly care and a new-build area
in the north-east has no primary school yet.
"""

from __future__ import annotations

from .build import generate
from .cli import main

__all__ = ["generate", "main"]

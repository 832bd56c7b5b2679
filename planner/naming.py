"""The one place that names output columns.

Every output column that depends on a facility type or a rule is named here, so that the
CLI, the app, the reports and the tests agree: ``dist_kindergarten_m``,
``nearest_kindergarten_id``, ``covered_kindergarten``, ``share_covered_kindergarten``,
``pass_staff_ratio``.
"""

from __future__ import annotations

import unicodedata


def fold(text: object) -> str:
    """A name as compared for matching: NFKC, trimmed, case-folded, spaces and hyphens as ``_``.

    Column names (``Floor Area`` = ``floor_area``) and type aliases (``Day-care`` = ``day care``)
    are matched through this one function, so the two sides of every comparison agree.
    """
    text = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    return "_".join(text.replace("-", " ").replace("_", " ").split())


def dist(type_key: str) -> str:
    """Distance in metres to the nearest facility of a type (NaN when none is reachable)."""
    return f"dist_{type_key}_m"


def nearest(type_key: str) -> str:
    """Id of the nearest facility of a type (missing when none is reachable)."""
    return f"nearest_{type_key}_id"


def covered(type_key: str) -> str:
    """Whether the distance is within the type's radius (inclusive)."""
    return f"covered_{type_key}"


def share_covered(type_key: str) -> str:
    """Population share (0-1) within the type's radius."""
    return f"share_covered_{type_key}"


def pop_covered(type_key: str) -> str:
    """Residents within the type's radius."""
    return f"pop_covered_{type_key}"


def rule_pass(rule_id: str) -> str:
    """Pass (True), fail (False) or not assessed (missing) for a community rule."""
    return f"pass_{rule_id}"


def rule_value(rule_id: str) -> str:
    """The measured value a community rule compared."""
    return f"value_{rule_id}"


def rule_threshold(rule_id: str) -> str:
    """The threshold a community rule compared against."""
    return f"threshold_{rule_id}"


def coverage_rule(type_key: str) -> str:
    """The id of the coverage rule of a facility type."""
    return f"coverage_{type_key}"


#: the community columns of the rule kinds (:mod:`planner.rules.kinds`), in ``communities.csv``
#: community-service floor area (m²) of the community's complex facilities
COMPLEX_FLOOR_AREA = "complex_floor_area_m2"
#: that floor area per 100 households (m²)
COMPLEX_PER_100_HOUSEHOLDS = "complex_m2_per_100_households"
#: residents per community worker
RESIDENTS_PER_STAFF = "residents_per_staff"
#: community workers needed in addition to the staff to meet the staff ratio (0 when met)
STAFF_NEEDED = "staff_needed"
#: the fewest and the most governance grids that keep households per grid within the standard
GRID_FIT_MIN = "grid_fit_min"
GRID_FIT_MAX = "grid_fit_max"
#: the level-3 governance grids ``planner grids`` aims for (the feasible count nearest the bounds' middle)
GRIDS_PROPOSED = "grids_proposed"
#: grid workers (网格员) those grids need (``organisation.grid_workers_per_grid`` each)
GRID_WORKERS_NEEDED = "grid_workers_needed"
#: staff minus the grid workers needed (negative: a shortfall)
GRID_STAFF_GAP = "grid_staff_gap"


def group_covered(type_key: str) -> str:
    """Residents of the group a type serves (:mod:`planner.assess.groups`) within its radius."""
    return f"group_covered_{type_key}"


def share_group_covered(type_key: str) -> str:
    """Share (0-1) of the group a type serves within its radius."""
    return f"share_group_covered_{type_key}"


def _tier_slug(tier: str) -> str:
    return fold(tier)


def tier_complete(tier: str) -> str:
    """Whether every facility type of a life circle is within its walking distance (per cell)."""
    return f"complete_{_tier_slug(tier)}"


def tier_share_types(tier: str) -> str:
    """Share (0-1) of a life circle's facility types within its walking distance."""
    return f"share_types_{_tier_slug(tier)}"


def tier_pop_complete(tier: str) -> str:
    """Residents living in a complete life circle (per community)."""
    return f"pop_complete_{_tier_slug(tier)}"


def tier_share_complete(tier: str) -> str:
    """Share (0-1) of residents living in a complete life circle (per community)."""
    return f"share_complete_{_tier_slug(tier)}"

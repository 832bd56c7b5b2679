"""planner: service coverage and standards compliance for urban community services.

The three public steps, each usable on its own::

    import planner
    study = planner.load_study("district.gpkg", streets="district.osm.pbf")
    result = planner.analyze(study, mode="walk")
    planner.write_results(result, "results/")
"""

from __future__ import annotations

__version__ = "0.1.0"

from planner.analysis import Analysis, Options, analyze, with_facilities
from planner.errors import CRSError, InputError, NetworkError, PlannerError, RulebookError
from planner.ingest.study import Study, load_study, sample_path
from planner.outputs import write_results
from planner.rules.model import Rulebook, load_rulebook

__all__ = [
    "Analysis",
    "CRSError",
    "InputError",
    "NetworkError",
    "Options",
    "PlannerError",
    "Rulebook",
    "RulebookError",
    "Study",
    "__version__",
    "analyze",
    "load_rulebook",
    "load_study",
    "sample_path",
    "with_facilities",
    "write_results",
]

"""Scale: the same analysis per partition of a study on a Dask cluster, merged into the whole run.

- :mod:`planner.scale.partition`: pieces by a communities' column, their halos, a piece's work;
- :mod:`planner.scale.merge`: the pieces' cells back into one :class:`~planner.analysis.Analysis`;
- :mod:`planner.scale.run`: the Dask runner (local cluster or a scheduler, retries, resumable);
- :mod:`planner.scale.many`: many studies at once, one output folder each and a merged summary.
"""

from planner.scale.run import PieceFailed, RunInfo, analyze_partitioned, client_for

__all__ = ["PieceFailed", "RunInfo", "analyze_partitioned", "client_for"]

"""Ingest: read the user's layers, check them, convert their coordinates, and build a Study.

``files`` reads GIS files and tables (column aliases in English and Chinese); ``crs`` and
``layer_crs`` convert coordinates (CGCS2000, GCJ-02, BD-09) and choose the metric CRS;
``validate`` records every repaired, dropped or flagged feature; ``study`` is the one funnel.
"""

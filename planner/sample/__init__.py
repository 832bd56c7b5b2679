"""The bundled synthetic sample district, as package data of an installed planner.

A wheel carries ``district.gpkg`` here, copied at build time from the repository's
``data/sample/`` (setup.py); in a clone this folder holds only this file and planner reads
the sample from ``data/sample/``. Use :func:`planner.sample_path`, not this package.
"""

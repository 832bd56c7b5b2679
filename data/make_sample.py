#!/usr/bin/env python
"""Generate the bundled sample district ``data/sample/district.gpkg``: the entry point.

The generator is the package ``data/sample_district`` (see its docstring and data/README.md):

    python data/make_sample.py                      # write data/sample/district.gpkg
    python data/make_sample.py --check              # write, then run the quality checks
    python data/make_sample.py --check --preview /tmp/sample_preview.png
    python data/make_sample.py --no-write --check   # check the committed file
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample_district import main

if __name__ == "__main__":
    sys.exit(main())

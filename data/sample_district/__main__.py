"""``python -m sample_district`` (from data/) or ``python -m data.sample_district`` (from the repository root)."""

import sys

from .cli import main

sys.exit(main())

#!/usr/bin/env bash
# Install planner and everything it needs on Debian/Ubuntu:
#   - system packages: a CJK font (Chinese in maps, charts, PDFs), pango/harfbuzz (WeasyPrint PDF
#     rendering), poppler-utils (PDF pages to PNG), chromium (the real-browser app test),
#     PostgreSQL 15 with PostGIS and pgRouting (the tests start their own server on a free
#     localhost port, see tests/conftest_postgis.py; the package's own cluster is not used);
#   - Python packages (requirements.txt, which installs planner itself in editable mode);
#   - Leaflet for the app's offline map, from the npm registry or PyPI, checked by SHA-256.
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
APT_PACKAGES="fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils chromium"
APT_PACKAGES="$APT_PACKAGES postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting"
if command -v apt-get >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $APT_PACKAGES >/dev/null
else
  echo "setup.sh: no apt-get here; install with your package manager: $APT_PACKAGES" >&2
fi
"$PYTHON" -m pip install -q --disable-pip-version-check -r requirements.txt
"$PYTHON" -m planner.app.assets install

"""Leaflet served by the app itself, so maps work offline and behind intranets.

folium loads Leaflet (and jQuery, Bootstrap, Font Awesome...) from public CDNs, which are
blocked or slow in many Chinese government networks, and absent offline. planner's maps use
Leaflet alone (no plugins, no icon fonts), and this module puts Leaflet's release files into
the app's ``static/vendor/leaflet/`` folder at install time (the clone's ``static/``, or for
an installed package the app's folder in the user's data folder: :mod:`planner.app.shell`),
from a package registry:

* the npm registry (``npm install leaflet@1.9.4``; the official release), or
* PyPI (``django-js-lib-leaflet==1.9.4.1``, which ships the same release files unchanged).

Either way the files are checked against the SHA-256 of Leaflet 1.9.4's release files before
they are used. Run ``python -m planner.app.assets install`` once after ``pip install``; the
folder is git-ignored. :func:`use_assets` then points a folium map at the local copies.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import logging
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import folium

from planner.app import shell
from planner.errors import PlannerError

log = logging.getLogger(__name__)

LEAFLET_VERSION = "1.9.4"
PYPI_PACKAGE = "django-js-lib-leaflet==1.9.4.1"
#: SHA-256 of the Leaflet 1.9.4 release files (dist/), identical on npm and in the PyPI package
SHA256 = {
    "leaflet.js": "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a",
    "leaflet.css": "a7837102824184820dfa198d1ebcd109ff6d0ff9a2672a074b9a1b4d147d04c6",
}
IMAGES = ("layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png")
SUBDIR = Path("vendor") / "leaflet"
#: the app's static folder (Streamlit serves it at /app/static/ with enableStaticServing): the
#: clone's static/, or for an installed package the one in the user's data folder (planner.app.shell)
APP_STATIC = shell.static_dir()
#: the static folder seen from the streamlit-folium iframe (/component/<name>/index.html)
IFRAME_URL_PREFIX = "../../app/static/"


@dataclass(frozen=True)
class MapAssets:
    """The script and style sheet URLs a map loads."""

    js: tuple[tuple[str, str], ...]
    css: tuple[tuple[str, str], ...]

    @property
    def local(self) -> bool:
        """True when nothing is loaded from another host."""
        return not any(url.startswith(("http:", "https:", "//")) for _, url in (*self.js, *self.css))


#: folium's own CDN URLs for Leaflet, the fallback when no local copy is installed
CDN_ASSETS = MapAssets(
    js=(("leaflet", f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"),),
    css=(("leaflet_css", f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"),),
)


def leaflet_dir(static_dir: Path = APP_STATIC) -> Path:
    """Where the Leaflet files live inside a static folder."""
    return Path(static_dir) / SUBDIR


def is_installed(static_dir: Path = APP_STATIC) -> bool:
    """Whether verified Leaflet files are in the static folder."""
    folder = leaflet_dir(static_dir)
    return all((folder / name).is_file() and _sha256(folder / name) == digest for name, digest in SHA256.items())


def local_assets(url_prefix: str = IFRAME_URL_PREFIX) -> MapAssets:
    """Asset URLs for the copy in the static folder, relative to the map's page."""
    base = url_prefix + SUBDIR.as_posix()
    return MapAssets(js=(("leaflet", f"{base}/leaflet.js"),), css=(("leaflet_css", f"{base}/leaflet.css"),))


def use_assets(m: folium.Map, assets: MapAssets) -> folium.Map:
    """Make ``m`` load only ``assets`` (Leaflet), instead of folium's CDN list. Returns ``m``."""
    m.default_js = list(assets.js)
    m.default_css = list(assets.css)
    return m


def standalone_html(
    m: folium.Map,
    static_dir: Path = APP_STATIC,
    *,
    title: str | None = None,
    date: str | None = None,
    lang: str = "en",
) -> str:
    """The map as one HTML file with Leaflet inlined, for downloading and opening offline.

    ``title`` (district and figure) and ``date`` (the analysis date) are shown in a box over
    the map and ``title`` as the page title; :func:`planner.app.maps_style.export_heading` gives
    both for an analysis and the map's options.
    """
    import html as html_lib

    from planner.app.maps_style import export_heading_html

    folder = leaflet_dir(static_dir)
    if not is_installed(static_dir):
        raise PlannerError(
            "Leaflet is not installed in the app's static folder; run: python -m planner.app.assets install"
        )
    html = m.get_root().render()
    if title:
        html = html.replace("<head>", f"<head>\n    <title>{html_lib.escape(title)}</title>", 1)
        heading = export_heading_html(title, date or "", lang)
        html = html.replace("<body>", f"<body>\n{heading}", 1)
    js = (folder / "leaflet.js").read_text("utf-8")
    css = (folder / "leaflet.css").read_text("utf-8")
    for name in ("layers.png", "layers-2x.png"):
        data = base64.b64encode((folder / "images" / name).read_bytes()).decode()
        css = css.replace(f"url(images/{name})", f"url(data:image/png;base64,{data})")
    for _, url in m.default_js:
        html = html.replace(f'<script src="{url}"></script>', f"<script>{js}</script>")
    for _, url in m.default_css:
        html = html.replace(f'<link rel="stylesheet" href="{url}"/>', f"<style>{css}</style>")
    return html


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_release(dist: Path, static_dir: Path) -> Path:
    """Check a Leaflet dist folder and copy what the maps need into the static folder."""
    for name, digest in SHA256.items():
        f = dist / name
        if not f.is_file():
            raise PlannerError(f"{f} is missing: not a Leaflet {LEAFLET_VERSION} release folder")
        if _sha256(f) != digest:
            raise PlannerError(f"{f} is not Leaflet {LEAFLET_VERSION}'s release file (SHA-256 differs); not used")
    target = leaflet_dir(static_dir)
    tmp = Path(tempfile.mkdtemp(prefix=".leaflet-", dir=_mkdir(target.parent)))
    for name in SHA256:
        shutil.copy2(dist / name, tmp / name)
    (tmp / "images").mkdir()
    for name in IMAGES:
        if (dist / "images" / name).is_file():
            shutil.copy2(dist / "images" / name, tmp / "images" / name)
    licence = next((p for p in (dist.parent / "LICENSE", dist / "LICENSE") if p.is_file()), None)
    if licence is not None:
        shutil.copy2(licence, tmp / "LICENSE")
    (tmp / "VERSION").write_text(f"leaflet {LEAFLET_VERSION} (BSD-2-Clause), copied from {dist}\n", "utf-8")
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    return target


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _local_sources() -> list[Path]:
    """Leaflet dist folders already on this machine (no network): the PyPI package, node_modules."""
    found = []
    spec = importlib.util.find_spec("js_lib_leaflet")
    if spec is not None and spec.origin:
        found.append(Path(spec.origin).parent / "static" / "js_lib_leaflet")
    root = shell.checkout_root()
    if root is not None:
        found.append(root / "node_modules" / "leaflet" / "dist")
    return [p for p in found if (p / "leaflet.js").is_file()]


def ensure_installed(static_dir: Path = APP_STATIC) -> bool:
    """Copy Leaflet into the static folder from a local source if needed; never uses the network.

    Returns whether verified files are in place afterwards.
    """
    if is_installed(static_dir):
        return True
    for source in _local_sources():
        try:
            _copy_release(source, static_dir)
            return True
        except (PlannerError, OSError) as exc:
            log.warning("Leaflet from %s not used: %s", source, exc)
    return False


def install(static_dir: Path = APP_STATIC, *, use_npm: bool = True) -> Path:
    """Install Leaflet into the static folder: from a local source, else npm, else pip.

    Network use is limited to the package registries (npm, PyPI) through their own clients.
    """
    if ensure_installed(static_dir):
        return leaflet_dir(static_dir)
    errors = []
    npm = shutil.which("npm") if use_npm else None
    if npm:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [npm, "install", "--prefix", tmp, "--no-save", "--no-audit", "--no-fund", "--ignore-scripts"]
            run = subprocess.run([*cmd, f"leaflet@{LEAFLET_VERSION}"], capture_output=True, text=True, check=False)
            if run.returncode == 0:
                return _copy_release(Path(tmp) / "node_modules" / "leaflet" / "dist", static_dir)
            errors.append(f"npm: {run.stderr.strip()[-300:]}")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--target", tmp, PYPI_PACKAGE]
        run = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if run.returncode == 0:
            return _copy_release(Path(tmp) / "js_lib_leaflet" / "static" / "js_lib_leaflet", static_dir)
        errors.append(f"pip: {run.stderr.strip()[-300:]}")
    raise PlannerError("could not install Leaflet: " + " | ".join(errors))


def main(argv: list[str] | None = None) -> int:
    """``python -m planner.app.assets install|check [--static DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m planner.app.assets", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["install", "check"])
    parser.add_argument("--static", type=Path, default=APP_STATIC, help="the app's static folder")
    parser.add_argument("--no-npm", action="store_true", help="install from PyPI only")
    args = parser.parse_args(argv)
    if args.action == "check":
        ok = is_installed(args.static)
        print(f"Leaflet {LEAFLET_VERSION} in {leaflet_dir(args.static)}: {'ok' if ok else 'missing'}")
        return 0 if ok else 1
    try:
        where = install(args.static, use_npm=not args.no_npm)
    except PlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Leaflet {LEAFLET_VERSION} installed in {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

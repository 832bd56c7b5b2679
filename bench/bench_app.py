"""The app's waits as a person sees them, against their targets: first load and a what-if edit.

For each run, a fresh ``streamlit run app.py`` serves the bundled sample on a free local
port and Debian's Chromium (driven by playwright, headless, offline) opens it. Timed:

- **first load**: from opening the page on a server just started (imports and the sample's
  analysis included) until the Leaflet map is painted; target :data:`FIRST_LOAD_TARGET_S`;
- **what-if add**: from pressing "Add facility" at the district's worst-served spot until the
  map shows the new facility; target :data:`WHATIF_TARGET_S`;
- **next visitor**: a new browser on the server now running, until the map is painted.

These targets are measured here, not asserted by the test suite: on a machine shared with
other work a first load can take twice as long without anything being wrong
(``tests/test_browser.py`` records its timings and asserts only bounds that no healthy
machine misses). Needs ``apt-get install chromium fonts-noto-cjk``, ``pip install
playwright`` and ``python -m planner.app.assets install``.

Run ``python bench/bench_app.py`` (``--repeat N``: best of N fresh servers, default 3).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _common import REPO, Table, log, print_header

FIRST_LOAD_TARGET_S = 5.0
WHATIF_TARGET_S = 1.0
CHROMIUM = os.environ.get("PLANNER_CHROMIUM", "/usr/bin/chromium")
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(*, repo: Path = REPO, lang: str = "en", study: Path | None = None) -> tuple[subprocess.Popen, str]:
    """A fresh app server (the sample, or ``study``); returns it and its URL once it answers.

    ``repo`` is the code tree served (another checkout, to compare before and after).
    """
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(repo / "app.py"), "--server.headless", "true"]
    cmd += ["--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    cmd += ["--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    env = {**os.environ, "PLANNER_LANG": lang, "PYTHONPATH": str(repo)}
    env.pop("PLANNER_STUDY", None)
    if study is not None:
        env["PLANNER_STUDY"] = str(study)
    proc = subprocess.Popen(cmd, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the app's server did not start within 90 s")


def worst_served_point() -> tuple[float, float]:
    """WGS84 position of the sample's populated cell farthest from a community service complex."""
    import planner

    result = planner.analyze(planner.load_study(None), mode="walk")
    cells = result.cells.loc[result.cells["population"] > 0]
    worst = cells.loc[cells["dist_community_service_m"].fillna(1e9).idxmax()]
    point = cells.loc[[worst.name]].to_crs("EPSG:4326").geometry.representative_point().iloc[0]
    return point.x, point.y


def map_painted(page, timeout_ms: int = 90_000) -> None:
    page.frame_locator(MAP_FRAME).locator(".leaflet-interactive").first.wait_for(timeout=timeout_ms)
    frame = next(f for f in page.frames if "st_folium" in f.url)
    frame.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def one_run(browser, where: tuple[float, float]) -> dict[str, float]:
    proc, url = start_server()
    try:
        page = browser.new_page(viewport={"width": 1600, "height": 2400})
        start = time.monotonic()
        page.goto(url)
        map_painted(page)
        first = time.monotonic() - start
        for label, value in (("Longitude (WGS84)", where[0]), ("Latitude (WGS84)", where[1])):
            box = page.get_by_label(label)
            box.fill(f"{value:.6f}")
            box.press("Enter")
            page.wait_for_timeout(600)
        add = page.locator("button:not([disabled])", has_text="Add facility").first
        add.wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        start = time.monotonic()
        add.click()
        page.frame_locator(MAP_FRAME).locator(".planner-fac.changed").first.wait_for(timeout=30_000)
        whatif = time.monotonic() - start
        page.close()
        second = browser.new_page(viewport={"width": 1600, "height": 2400})
        start = time.monotonic()
        second.goto(url)
        map_painted(second)
        nxt = time.monotonic() - start
        second.close()
        return {"first": first, "whatif": whatif, "next": nxt}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


#: elements of the first screen whose text must not be cut: KPI values and labels, buttons
CUT_CHECK = """() => Array.from(document.querySelectorAll(
  '[data-testid="stMetricValue"], [data-testid="stMetricValue"] *, [data-testid="stMetricLabel"] *, button, button *'))
  .filter(e => e.offsetParent !== null && e.clientWidth > 0)
  .filter(e => e.scrollWidth > e.clientWidth + 1
          || (e.closest('[data-testid="stMetric"]') && e.getBoundingClientRect().right
              > e.closest('[data-testid="stMetric"]').getBoundingClientRect().right + 1))
  .map(e => e.innerText.trim()).filter(t => t)"""
#: the map's and the KPIs' bottom edges, px from the top of the page
FOLD_CHECK = """() => {
  const map = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const kpis = Array.from(document.querySelectorAll('[data-testid="stMetric"]'));
  return {map_top: map ? map.getBoundingClientRect().top : null,
          kpi_bottom: Math.max(0, ...kpis.map(k => k.getBoundingClientRect().bottom))};
}"""


def screens(
    browser, out: Path, *, repo: Path, study: Path | None, tag: str, langs: tuple[str, ...] = ("en", "zh")
) -> list[dict]:
    """The first screen at 1440x900 in both languages: a PNG each, the text cut off, bytes received."""
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for lang in langs:
        proc, url = start_server(repo=repo, lang=lang, study=study)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            received = _bytes_received(page)
            start = time.monotonic()
            page.goto(url)
            map_painted(page, timeout_ms=300_000)
            seconds = time.monotonic() - start
            page.wait_for_timeout(1500)
            path = out / f"{tag}-{lang}.png"
            page.screenshot(path=str(path))
            one = _rss_mb(proc.pid)
            others = []
            for _ in range(2):  # two more visitors, each its own session (and scenario)
                other = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
                other.goto(url)
                map_painted(other, timeout_ms=300_000)
                others.append(other)
            per_session = (_rss_mb(proc.pid) - one) / len(others)
            for other in others:
                other.context.close()
            rows.append(
                {
                    "lang": lang,
                    "png": path,
                    "seconds": seconds,
                    "mb": received[0] / 1e6,
                    "cut": page.evaluate(CUT_CHECK),
                    "server_mb": one,
                    "per_session_mb": per_session,
                    **page.evaluate(FOLD_CHECK),
                }
            )
            page.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return rows


def _rss_mb(pid: int) -> float:
    """Resident memory of the server process, MB."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def _bytes_received(page) -> list[int]:
    """A counter of the bytes the page receives: HTTP bodies and WebSocket frames (Streamlit's
    page content, the map included, arrives over its WebSocket), from Chromium's DevTools."""
    received = [0]
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")

    def add(n: float) -> None:
        received[0] += int(n)

    cdp.on("Network.loadingFinished", lambda e: add(e.get("encodedDataLength", 0)))
    cdp.on("Network.webSocketFrameReceived", lambda e: add(len(e["response"].get("payloadData", ""))))
    return received


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh servers to time (best of N)")
    parser.add_argument("--markdown", action="store_true", help="tables as markdown")
    parser.add_argument("--screens", type=Path, help="write first-screen PNGs (1440x900, en and zh) to DIR")
    parser.add_argument("--repo", type=Path, default=REPO, help="code tree to serve for --screens")
    parser.add_argument("--study", type=Path, help="study for --screens (default: the sample)")
    parser.add_argument("--tag", default="after", help="file name prefix of the screenshots")
    parser.add_argument("--langs", default="en,zh", help="languages for --screens, comma-separated")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set PLANNER_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    print_header("python bench/bench_app.py " + " ".join(sys.argv[1:]), markdown=args.markdown)
    if args.screens:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            langs = tuple(args.langs.split(","))
            rows = screens(browser, args.screens, repo=args.repo.resolve(), study=args.study, tag=args.tag, langs=langs)
            browser.close()
        table = Table(f"first screen at 1440x900 ({args.tag})", ["lang", "to map s", "MB received", "cut text", "png"])
        for r in rows:
            cut = "; ".join(r["cut"]) or "none"
            table.add(r["lang"], r["seconds"], r["mb"], cut, str(r["png"]))
            table.notes.append(
                f"{r['lang']}: KPIs end at {r['kpi_bottom']:.0f} px, the map starts at {r['map_top']:.0f} px; "
                f"server RSS {r['server_mb']:.0f} MB with one visitor, +{r['per_session_mb']:.0f} MB per extra visitor"
            )
        print(table.render(markdown=args.markdown))
        return 0
    where = worst_served_point()
    runs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for i in range(args.repeat):
            log(f"run {i + 1} of {args.repeat}")
            runs.append(one_run(browser, where))
        browser.close()
    table = Table("the app in headless Chromium, bundled sample", ["step", "best s", "all runs s", "target s"])
    targets = {"first": FIRST_LOAD_TARGET_S, "whatif": WHATIF_TARGET_S, "next": None}
    names = {"first": "first load (server just started)", "whatif": "what-if add until drawn", "next": "next visitor"}
    for key, name in names.items():
        values = [r[key] for r in runs]
        target = targets[key]
        verdict = "" if target is None else f"{target:g} ({'met' if min(values) < target else 'NOT met'})"
        table.add(name, min(values), ", ".join(f"{v:.2f}" for v in values), verdict)
    table.notes.append(f"1-minute load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(table.render(markdown=args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Screenshots of the MLflow UI over real gensim runs: the README's pictures.

    .venv/bin/python scripts/ui_screenshots.py                 # writes docs/images/mlflow-*.png
    .venv/bin/python scripts/ui_screenshots.py --out /tmp/shots --keep-home

It makes a fresh gensim home holding small real runs (a top-down chain-of-thought campaign toward
build-car and a bottom-up campaign, both with the offline composer, and one demos run), starts
`gensim ui --port 0`, drives Debian's headless Chromium (`apt-get install chromium`; no browser
download) with Playwright and saves the pages. The browser test (tests/ui/test_mlflow_ui.py)
imports this file and drives the same flow; the helpers here are what it shares.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# MLflow UI preferences (its localStorage keys): the "Model training" view of runs, and the
# assistant side panel closed so that it does not cover the pages. Unknown keys are harmless.
UI_PREFERENCES = (
    "localStorage.setItem('mlflow.workflowType_v1', JSON.stringify('machine_learning'));"
    "localStorage.setItem('mlflow.assistant.panelOpen_v1', 'false');"
    "localStorage.setItem('mlflow.assistant.fab.autoOpenedOnFirstLoad_v1', 'true');"
)
VIEWPORT: Any = {"width": 1400, "height": 900}  # CSS pixels
# One row of MLflow's virtualized compare grids: the cells level with the metric's name cell.
_ROW_JS = """name => {
  const link = [...document.querySelectorAll('[role=grid] a')].find(a => a.textContent.trim() === name);
  if (!link) return null;
  const cell = link.closest('[role=grid] [style*="top"]');
  let box = cell.closest('[role=grid]');
  while (box && box.querySelectorAll('[role=grid]').length < 2) box = box.parentElement;
  if (!box) return null;
  return [...box.querySelectorAll('[role=grid] [style*="top"]')]
    .filter(c => c.style.top === cell.style.top && !c.contains(link))
    .map(c => c.textContent.trim());
}"""


def find_chromium() -> str | None:
    """Debian's Chromium (or `GENSIM_CHROMIUM`), or None when it is not installed."""
    for candidate in (os.environ.get("GENSIM_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def gensim_env(home: Path) -> dict[str, str]:
    """The environment of gensim commands over `home` only: its own DB and MLflow store, the
    offline composer, nothing of the caller's GENSIM_* or OpenAI settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GENSIM_", "OPENAI_", "AZURE_OPENAI_", "MLFLOW_TRACKING"))}
    env.update(GENSIM_HOME=str(home), GENSIM_LLM_PROVIDER="offline", MLFLOW_DISABLE_TELEMETRY="true",
               MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    return env


def run_gensim(args: list[str], env: dict[str, str], timeout_s: float = 900) -> Any:
    """Run `gensim ARGS --json` and return its JSON document; raise with stderr's tail on failure."""
    cmd = [sys.executable, "-m", "gensim.cli.main", *args, "--json"]
    done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"gensim {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


@dataclass
class Runs:
    """The JSON documents of the commands that made the runs."""

    topdown: dict[str, Any]  # gensim generate --mode topdown-cot --target build-car
    bottomup: dict[str, Any]  # gensim generate --mode bottomup
    demos: dict[str, Any]  # gensim demos block-insertion


def make_campaigns(env: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two small generation campaigns by the real CLI: (top-down chain-of-thought toward
    build-car with media, bottom-up without). Their runs are logged in the foreground
    (`GENSIM_TRACKING_SYNC=1`), so each JSON document names its run: the views compared here
    need the run ids, which a deferred campaign learns only once the outbox writer has run."""
    env = {**env, "GENSIM_TRACKING_SYNC": "1"}
    topdown = run_gensim(["generate", "--mode", "topdown-cot", "--target", "build-car",
                          "--trials", "3", "--seeds", "2", "--llm", "offline"], env)
    bottomup = run_gensim(["generate", "--mode", "bottomup", "--trials", "2", "--seeds", "2",
                           "--llm", "offline", "--no-media"], env)
    return topdown, bottomup


def make_demos(env: dict[str, str]) -> dict[str, Any]:
    """A small demos run by the real CLI."""
    return dict(run_gensim(["demos", "block-insertion", "-n", "2"], env))


class UiServer:
    """`gensim ui --port 0 --json` as a subprocess: `url` once it answers, `stop()` at the end."""

    def __init__(self, env: dict[str, str], log_dir: Path, timeout_s: float = 180) -> None:
        """Start it; `ready()` waits for its URL (other work can run meanwhile)."""
        self.log_dir = log_dir
        self.timeout_s = timeout_s
        log_dir.mkdir(parents=True, exist_ok=True)
        self._stdout = log_dir / "gensim-ui.stdout"
        with open(self._stdout, "wb") as out, open(log_dir / "gensim-ui.log", "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gensim.cli.main", "ui", "--port", "0", "--json",
                 "--timeout", str(timeout_s)], env=env, cwd=REPO, stdout=out, stderr=err)
        self.url = ""
        self.server_pid = 0  # the `mlflow server` process, leader of its process group

    def ready(self) -> UiServer:
        """Wait until `gensim ui` announces its URL (it does once the server answers)."""
        doc = self._read_announcement(self.timeout_s + 15)
        self.url = str(doc["url"])
        self.server_pid = int(doc["pid"])
        return self

    def _read_announcement(self, timeout_s: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            text = self._stdout.read_text().strip()
            if text:
                try:
                    doc, _ = json.JSONDecoder().raw_decode(text)
                    return dict(doc)
                except ValueError:
                    pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"gensim ui exited {self.proc.returncode}: "
                                   f"{(self.log_dir / 'gensim-ui.log').read_text()[-2000:]}")
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"gensim ui did not announce a URL within {timeout_s:g} s")

    def stop(self) -> float:
        """Ctrl-C (SIGINT) to `gensim ui`; seconds until it exited (SIGKILL after 60 s)."""
        start = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return time.monotonic() - start

    def leftovers(self) -> bool:
        """Whether any process of the server's group is still alive."""
        if not self.server_pid:
            return False
        try:
            os.killpg(self.server_pid, 0)
        except ProcessLookupError:
            return False
        return True


def api(url: str, endpoint: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """One MLflow REST call (`endpoint` after /api/2.0/mlflow/): GET with query or POST JSON."""
    full = f"{url}/api/2.0/mlflow/{endpoint}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(full, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as reply:
        return dict(json.loads(reply.read() or b"{}"))


def experiment_id(url: str, name: str) -> str:
    query = urllib.parse.urlencode({"experiment_name": name})
    return str(api(url, f"experiments/get-by-name?{query}")["experiment"]["experiment_id"])


def admitted_child_with_png(url: str, experiment: str, parent_run: str) -> tuple[str, str]:
    """(run id, artifact path) of an admitted candidate of `parent_run` that logged media/*.png."""
    found = api(url, "runs/search", {
        "experiment_ids": [experiment],
        "filter": f"tags.mlflow.parentRunId = '{parent_run}' and metrics.admitted = 1",
    })
    for run in found.get("runs", []):
        run_id = run["info"]["run_id"]
        listing = api(url, f"artifacts/list?{urllib.parse.urlencode({'run_id': run_id, 'path': 'media'})}")
        for item in listing.get("files", []):
            if item["path"].endswith(".png"):
                return run_id, item["path"]
    raise LookupError(f"no admitted candidate of run {parent_run} has a media PNG")


def run_url(url: str, experiment: str, run_id: str, artifact: str | None = None) -> str:
    page = f"{url}/#/experiments/{experiment}/runs/{run_id}"
    return page if artifact is None else f"{page}/artifacts/{artifact}"


def compare_url(url: str, experiment: str, run_ids: list[str]) -> str:
    runs = urllib.parse.quote(json.dumps(run_ids))
    return f"{url}/#/compare-runs?runs={runs}&experiments={urllib.parse.quote(json.dumps([experiment]))}"


@contextmanager
def browser(chromium: str, profile: Path) -> Iterator[Any]:
    """A Playwright browser context on `chromium` with a fresh user-data-dir at `profile`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport=VIEWPORT, accept_downloads=False)
        context.add_init_script(UI_PREFERENCES)
        context.set_default_timeout(60_000)
        try:
            yield context
        finally:
            context.close()


def shown_image_width(page: Any) -> int:
    """The natural width of the artifact image the page previews, once it has loaded."""
    image = page.locator("img[src^='blob:'], img[src*='get-artifact']").first
    image.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    return int(image.evaluate("img => img.naturalWidth"))


def compare_rows(page: Any, names: list[str], max_scrolls: int = 40) -> dict[str, list[str]]:
    """The value cells of metric rows `names` in the compare view (its grids render only the
    visible rows, so this scrolls them)."""
    rows: dict[str, list[str]] = {}
    grid = page.get_by_role("grid").last
    grid.scroll_into_view_if_needed()
    for _ in range(max_scrolls):
        for name in names:
            if name not in rows:
                cells = page.evaluate(_ROW_JS, name)
                if cells:
                    rows[name] = cells
        if len(rows) == len(names):
            break
        grid.hover()
        page.mouse.wheel(0, 90)
        page.wait_for_timeout(150)
    # For the screenshot: the last rows (the stage pass rates). MLflow 3.17's name column
    # follows the value columns one scroll event late (the rows above are matched by grid
    # position, not by what is level on screen); a last 1 px scroll brings it level.
    page.mouse.wheel(0, 5000)
    page.wait_for_timeout(300)
    page.mouse.wheel(0, -1)
    page.wait_for_timeout(300)
    return rows


def settle(page: Any, ms: int = 1200) -> None:
    """Let charts finish their animation before a screenshot (the UI polls: never network-idle)."""
    page.wait_for_timeout(ms)


def take_screenshots(url: str, runs: Runs, out: Path, chromium: str, profile: Path) -> list[Path]:
    """The README's pictures: compare view of the two campaigns, a campaign's funnel chart, a
    candidate's top-down PNG."""
    generate = experiment_id(url, "gensim/generate")
    parents = [runs.topdown["mlflow_run_id"], runs.bottomup["mlflow_run_id"]]
    child, png = admitted_child_with_png(url, generate, parents[0])
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with browser(chromium, profile) as context:
        page = context.new_page()
        page.goto(compare_url(url, generate, parents))
        page.get_by_text("Comparing 2 Runs").wait_for()
        _show_stage_rates(page)
        settle(page)
        shots.append(out / "mlflow-compare.png")
        page.screenshot(path=str(shots[-1]))
        page.goto(run_url(url, generate, parents[0], "pass_rate_by_stage.png"))
        shown_image_width(page)
        settle(page, 500)
        shots.append(out / "mlflow-campaign-funnel.png")
        page.screenshot(path=str(shots[-1]))
        page.goto(run_url(url, generate, child, png))
        shown_image_width(page)
        settle(page, 500)
        shots.append(out / "mlflow-candidate-png.png")
        page.screenshot(path=str(shots[-1]))
    return shots


def _show_stage_rates(page: Any) -> None:
    """Put the campaigns' stage pass rates on the compare view's parallel-coordinates plot
    (best effort: the picture keeps MLflow's default axes if the widget differs)."""
    try:
        page.get_by_role("button", name="Clear All").click(timeout=5000)
        selects = page.locator(".ant-select-selector, [role=combobox]")
        for box, names in ((0, ["mode"]), (1, ["pass_rate.success",
                                               "pass_rate.novelty", "admitted", "tokens"])):
            for name in names:
                selects.nth(box).click(timeout=5000)
                page.keyboard.type(name)
                page.keyboard.press("Enter")
            page.keyboard.press("Escape")
    except Exception as err:  # the picture is still useful with the default axes
        print(f"note: kept the default plot axes ({type(err).__name__})", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images", help="folder of the PNGs")
    parser.add_argument("--home", type=Path, help="gensim home to create (default: a temporary one)")
    parser.add_argument("--keep-home", action="store_true", help="keep the home and its runs")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("error: Chromium not found; install it with `apt-get install -y chromium`", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="gensim-ui-shots-"))
    home = args.home or work / "home"
    try:
        env = gensim_env(home)
        start = time.monotonic()
        topdown, bottomup = make_campaigns(env)
        server = UiServer(env, work / "logs")
        try:
            runs = Runs(topdown, bottomup, make_demos(env))
            print(f"runs made in {time.monotonic() - start:.0f} s (home {home})", file=sys.stderr)
            server.ready()
            shots = take_screenshots(server.url, runs, args.out, chromium, work / "profile")
        finally:
            server.stop()
        for shot in shots:
            print(f"{shot}  {shot.stat().st_size / 1024:.0f} KiB")
    finally:
        if not args.keep_home:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Check the Prefect UI of ``hoso serve`` on a non-default port in a real headless browser.

Not part of ``make test`` (needs Chromium: ``apt-get install -y chromium`` on Debian). It
starts ``hoso serve --port PORT`` in a throw-away project folder on the sample exports, waits
for the deployment, starts one run of it (as "Custom run" would, with a period), waits for the
run to finish, then takes screenshots of the UI's deployment and runs pages with Chromium.
The screenshots go to ``--shots`` (default: a temporary folder), never into the repository.

    .venv/bin/python docs/ui_check.py --port 4301

Prints what the API says (``/ui-settings``, the deployment's schedule, the run's state) and the
screenshot paths; look at them: the UI must list ``hang-dem`` with its schedule and the run,
and must not say "Can't connect to Server API".
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
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _post(url: str, body: dict) -> object:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _wait(what: str, probe, timeout: float = 240.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = probe()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(2)
    raise SystemExit(f"{what}: not seen in {timeout:.0f} s")


def _screenshot(url: str, path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        raise SystemExit("Chromium not found: apt-get install -y chromium")
    profile = tempfile.mkdtemp(prefix="hoso-ui-")
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=20000",
        f"--screenshot={path}",
        "--window-size=1400,900",
        url,
    ]
    subprocess.run(command, capture_output=True, timeout=180, check=False)
    shutil.rmtree(profile, ignore_errors=True)
    print(f"screenshot {url} -> {path} ({path.stat().st_size if path.exists() else 0} bytes)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=4301)
    parser.add_argument("--shots", type=Path, default=Path(tempfile.mkdtemp(prefix="hoso-shots-")))
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"

    work = Path(tempfile.mkdtemp(prefix="hoso-ui-project-"))
    shutil.copytree(ROOT / "sample_exports", work / "exports")
    (work / "hoso.toml").write_text(
        'exports = "exports"\ndatabase = "data/hoso.duckdb"\noutput = "out"\n'
        'unit_name = "UBND xã Xuân Giang"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PYTHONUTF8="1", PREFECT_HOME=str(work / "client-home"))
    log = (work / "serve.log").open("wb")
    hoso = Path(sys.executable).with_name("hoso")
    serve = subprocess.Popen(
        [str(hoso), "serve", "--port", str(args.port)], cwd=work, env=env, stdout=log, stderr=log
    )
    try:
        _wait("server", lambda: _get(f"{base}/api/health"))
        print("ui-settings:", _get(f"{base}/ui-settings"))
        deployment = _wait(
            "deployment",
            lambda: _get(f"{base}/api/deployments/name/hoso/hang-dem"),
        )
        print(
            "deployment:",
            deployment["name"],
            [s["schedule"] for s in deployment["schedules"]],
        )
        run = _post(
            f"{base}/api/deployments/{deployment['id']}/create_flow_run",
            {"parameters": {"period_from": "2026-03-15", "period_to": "2026-04-14"}},
        )

        def finished():
            state = _get(f"{base}/api/flow_runs/{run['id']}")["state"]
            return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED") else None

        print("run:", run["name"], _wait("run", finished, timeout=300)["name"])
        args.shots.mkdir(parents=True, exist_ok=True)
        _screenshot(
            f"{base}/deployments/deployment/{deployment['id']}", args.shots / "deployment.png"
        )
        _screenshot(f"{base}/runs", args.shots / "runs.png")
        _screenshot(f"{base}/runs/flow-run/{run['id']}", args.shots / "run.png")
    finally:
        serve.send_signal(signal.SIGINT)
        try:
            serve.wait(60)
        except subprocess.TimeoutExpired:
            serve.kill()
        log.close()
        print("serve log:", work / "serve.log")
    return 0


if __name__ == "__main__":
    sys.exit(main())

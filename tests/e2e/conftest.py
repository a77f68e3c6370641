"""Browser tests (`make e2e`): Debian's chromium driven by pytest-playwright; never a browser download.

Not part of `make test` (it ignores this folder); `.ci/run` runs them when chromium is present.
Screenshots and slider latencies go to build/e2e/.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "e2e"
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]


def pytest_configure(config):
    if not Path(CHROMIUM).exists():
        raise pytest.UsageError(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium); "
                                "they never download a browser")
    OUT.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # the server answers (e.g. 403 without a token)
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no server at {url}")


def offline(page) -> list[str]:
    """Abort every request that leaves the machine; return the list of what was attempted."""
    attempted: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:", "blob:", "http://127.0.0.1", "ws://127.0.0.1")):
            r.continue_()
        else:
            attempted.append(url)
            r.abort()

    page.route("**/*", route)
    return attempted


@pytest.fixture(scope="session")
def latencies():
    rows: list[dict] = []
    yield rows
    (OUT / "latency.json").write_text(json.dumps(rows, indent=1))


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """The course's JupyterLab (the `make lab` command line) serving a copy of the lectures."""
    work = tmp_path_factory.mktemp("lab")
    copy = work / "lectures"
    shutil.copytree(ROOT / "lectures", copy, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    from course_lib.app.lab import lab_argv

    token, port = "e2e-" + os.urandom(8).hex(), free_port()
    argv = [a for a in lab_argv() if not a.startswith("--ServerApp.root_dir=")]
    argv += [f"--ServerApp.root_dir={copy}", "--no-browser", f"--ServerApp.port={port}",
             f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
             f"--LabApp.workspaces_dir={work}"]
    env = dict(os.environ, HOME=str(work), OMP_NUM_THREADS="1")
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/api/status?token={token}", 240)
        yield base, token
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="session")
def demo_server():
    """`make demo LECTURE=04`: voila on 127.0.0.1 with a random token printed as a URL."""
    port = free_port()
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "course_lib.app.demo", "04", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        first = proc.stdout.readline()
        url = first[first.index("http://"):].split()[0]
        wait_http(f"http://127.0.0.1:{port}/", 120)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # stopping `make demo` must stop voila too (it once stayed behind as an orphan, still serving)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, f"the demo server still listens on port {port}"

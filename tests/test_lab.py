"""`make lab` serves the course: loopback only, token required, lectures open as notebooks."""
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from course_lib.app.lab import lab_argv, write_overrides

TOKEN = "course-test-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read()


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    port = _free_port()
    write_overrides()
    argv = lab_argv(["--no-browser", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                     f"--IdentityProvider.token={TOKEN}"])
    log = tmp_path_factory.mktemp("lab") / "lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                _get(f"{base}/api/status?token={TOKEN}")
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None:
                    pytest.fail(f"jupyter lab exited: {log.read_text()[-2000:]}")
                time.sleep(0.25)
        else:
            pytest.fail(f"jupyter lab did not start: {log.read_text()[-2000:]}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_argv_binds_loopback_and_keeps_token_auth():
    argv = lab_argv()
    assert "--ServerApp.ip=127.0.0.1" in argv
    # no fixed or empty token, no XSRF opt-out, no other interface: Jupyter's random token stays
    assert not any(("token" in a.lower() or "xsrf" in a.lower() or a.startswith("--ip")) for a in argv)


def test_lab_requires_token(lab_server):
    with pytest.raises(urllib.error.HTTPError) as info:
        _get(f"{lab_server}/api/contents")
    assert info.value.code == 403


def test_lab_serves_lectures_as_notebooks(lab_server):
    status, body = _get(f"{lab_server}/api/contents/01_perceptron_backprop.py?type=notebook&token={TOKEN}")
    model = json.loads(body)
    assert status == 200 and model["type"] == "notebook"
    assert len(model["content"]["cells"]) > 10
    status, page = _get(f"{lab_server}/lab?token={TOKEN}")
    assert status == 200 and b"JupyterLab" in page

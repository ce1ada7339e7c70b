"""`panorama run` — the quick start — really serves Panorama: gunicorn, whitenoise, worker and
the ingestion writer.

Runs the command as a user would, on a fresh SQLite database in a temporary directory, and
talks to it over HTTP: the login page, the static CSS, signing in with the printed demo
credentials, the demo customers, and a Segment batch sent with a key from
`panorama write-key create`, stored through the one ingestion writer.
"""

from __future__ import annotations

import base64
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

STARTUP_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"panorama run exited early with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"panorama run did not answer {url} within {STARTUP_SECONDS}s")


@pytest.fixture
def running(tmp_path: Path):
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(PANORAMA_DATA_DIR=str(tmp_path / "var"), PANORAMA_DEMO_ACCOUNTS="25")
    process = subprocess.Popen(
        [sys.executable, "-m", "panorama", "run", "--port", str(port), "--web-workers", "1"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/healthz", process)
        yield base, process, env, tmp_path
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _panorama(args: list[str], env: dict[str, str], cwd: Path) -> str:
    return subprocess.run(
        [sys.executable, "-m", "panorama", *args],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout


def _send_batch(base: str, key: str) -> int:
    batch = [
        {"type": "track", "messageId": f"qs-{n}", "userId": "qs-user", "event": "Report Built",
         "context": {"groupId": "qs-group"}, "timestamp": "2026-03-09T10:00:00Z"}
        for n in range(3)
    ]  # fmt: skip
    request = urllib.request.Request(
        f"{base}/v1/batch",
        data=json.dumps({"batch": batch}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def test_run_serves_panorama_with_demo_data(running):
    base, process, env, cwd = running
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    login_page = opener.open(f"{base}/customers/").read().decode()  # redirected to log in
    assert 'name="password"' in login_page
    css = re.search(r'href="(/static/core/panorama\.[0-9a-f]+\.css)"', login_page)
    assert css, "the stylesheet is served under a hashed name (whitenoise manifest)"
    with opener.open(base + css.group(1)) as response:
        assert response.status == 200
        assert "max-age" in response.headers["Cache-Control"]

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page)
    assert token, "the login form carries a CSRF token"
    form = urllib.parse.urlencode(
        {
            "username": "admin@panorama.demo",
            "password": "panorama-demo",
            "csrfmiddlewaretoken": token.group(1),
            "next": "/customers/",
        }
    ).encode()
    request = urllib.request.Request(
        f"{base}/login/", data=form, headers={"Referer": f"{base}/login/"}
    )
    customers = opener.open(request).read().decode()
    assert "<h1>Customers</h1>" in customers
    assert "of 25" in customers  # all 25 demo accounts are listed for the admin

    # Product events: a key from the command line, a batch through the ingestion writer.
    key = _panorama(["write-key", "create", "quick start"], env, cwd).strip().splitlines()[-1]
    assert _send_batch(base, key) == 200
    stored = _panorama(
        ["shell", "-c", "from panorama.usage.models import Event; "
         "print(Event.objects.filter(message_id__startswith='qs-').count())"],
        env,
        cwd,
    )  # fmt: skip
    assert stored.strip().splitlines()[-1] == "3"

    os.killpg(process.pid, signal.SIGTERM)
    output = process.communicate(timeout=30)[0]
    assert "Ingest writer listening on" in output
    assert "ingest writer unavailable" not in output  # the web process handed the batch over
    assert output.count("Log in as admin@panorama.demo with password panorama-demo") == 1
    assert "Loaded demo data" in output
    assert "gunicorn" in output.lower()  # the production server, not runserver

"""evreg serve: serves the built site with live reload and rebuilds when the data change."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from test_site_support import EXAMPLE, ROOT, copy_package

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode("utf-8")
    except OSError:
        return None


def _wait_for(predicate, timeout: float = 120.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_serve_rebuilds_on_data_change_and_keeps_last_good_site(tmp_path: Path) -> None:
    pkg = copy_package(EXAMPLE, tmp_path / "pkg")
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "evreg"),
            "serve",
            "--package",
            str(pkg / "datapackage.json"),
            "--dev-addr",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "1"},
    )
    try:
        assert _wait_for(lambda: _get(base) is not None), "server did not start"
        assert "livereload" in _get(base)
        csv_url = base + "data/data/estimates.csv"
        assert ",1.18,0.9,1.54," in _get(csv_url)
        est = pkg / "data" / "estimates.csv"
        est.write_text(
            est.read_text(encoding="utf-8").replace(",1.18,0.9,1.54,", ",1.19,0.9,1.54,"),
            encoding="utf-8",
        )
        assert _wait_for(lambda: ",1.19,0.9,1.54," in (_get(csv_url) or "")), "no rebuild"
        est.write_text(
            est.read_text(encoding="utf-8").replace(",1.19,0.9,1.54,", ",1.19,1.9,1.54,"),
            encoding="utf-8",
        )  # invalid: lower bound above the ratio
        time.sleep(8)
        assert ",1.19,0.9,1.54," in _get(csv_url)  # the last good build is still served
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert "data/estimates.csv:2:" in err
    assert "Traceback" not in err

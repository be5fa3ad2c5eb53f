"""evreg serve: serves the built site with live reload and rebuilds when the data change."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from fixtures.sites import EXAMPLE, copy_package

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
    err_file = tmp_path / "serve.err"
    with err_file.open("w") as err_out:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("evreg")),
                "serve",
                "--package",
                str(pkg / "datapackage.json"),
                "--dev-addr",
                f"127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=err_out,
            text=True,
            env={**os.environ, "CI": "1"},
        )
    try:
        assert _wait_for(lambda: _get(base) is not None), "server did not start"
        assert "livereload" in _get(base)
        csv_url = base + "data/data/estimates.csv"
        assert ",1.18,0.9,1.54," in _get(csv_url)
        est = pkg / "data" / "estimates.csv"
        text = est.read_text(encoding="utf-8")
        est.write_text(text.replace(",1.18,0.9,1.54,", ",1.19,0.9,1.54,"), encoding="utf-8")
        assert _wait_for(lambda: ",1.19,0.9,1.54," in (_get(csv_url) or "")), "no rebuild"
        # now make the data invalid: lower bound above the ratio
        text = est.read_text(encoding="utf-8")
        est.write_text(text.replace(",1.19,0.9,1.54,", ",1.19,1.9,1.54,"), encoding="utf-8")
        assert _wait_for(lambda: "data/estimates.csv:2:" in err_file.read_text()), "no error"
        assert ",1.19,0.9,1.54," in _get(csv_url)  # the last good build is still served
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert "Traceback" not in err_file.read_text()

"""`make lab` serves the course in JupyterLab on 127.0.0.1 (started on a free port, then stopped)."""

import os
import secrets
import subprocess
import time
import urllib.request

import pytest
from notebooks import ROOT
from servers import free_port, stop


@pytest.mark.slow(why="make lab starts JupyterLab and the test waits for it to serve")
def test_make_lab_serves_jupyterlab_at_chapters():
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_TOKEN": token}
    server = subprocess.Popen(
        ["make", "-s", "lab", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        page = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=5) as reply:
                    page = reply.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert page is not None, f"JupyterLab did not answer on port {port}"
        assert "JupyterLab" in page
        url = f"http://127.0.0.1:{port}/api/contents/backprop?token={token}"
        with urllib.request.urlopen(url, timeout=5) as reply:
            listing = reply.read().decode()
        assert "backprop.ipynb" in listing, "the server's root must be chapters/"
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token=wrong", timeout=5)
    finally:
        stop(server)

"""Starting and stopping the course's servers in tests: a free loopback port, a clean stop."""

import os
import signal
import socket
import subprocess


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(server):
    """Stop a server started with start_new_session=True, with everything it started."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def wait_until_up(server, url, what, log, timeout=120):
    """Poll `url` until it answers; fail when `server` (a Popen) exits or `timeout` s pass."""
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        assert server.poll() is None, f"{what} exited; see {log}"
        assert time.monotonic() < deadline, f"{what} did not answer at {url}; see {log}"
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            time.sleep(0.5)

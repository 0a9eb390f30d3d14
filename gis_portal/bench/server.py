"""The portal served by gunicorn the way production runs it (DEBUG off, loopback)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from gis_portal.bench.config import BASE_DIR, RESULTS_DIR, BenchConfig, django_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`with Server(config) as server:` — gunicorn on a free loopback port."""

    def __init__(self, config: BenchConfig, *, workers: int | None = None):
        self.config = config
        self.workers = workers or config.workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = Path(RESULTS_DIR) / "gunicorn.log"

    @property
    def command(self) -> list[str]:
        return [
            str(BASE_DIR / ".venv/bin/gunicorn"),
            "gis_portal.wsgi",
            "-w",
            str(self.workers),
            "--threads",
            str(self.config.threads),
            "-b",
            f"127.0.0.1:{self.port}",
            "--backlog",
            "2048",
            "--timeout",
            "120",
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "",
        ]

    def __enter__(self) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [part for part in self.command if part != ""]
        if command[-1] == "--access-logfile":
            command.pop()
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            command,
            cwd=BASE_DIR,
            env=django_env(self.config.database),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)  # polling for readiness, not a timed measurement
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()

"""Fixtures of the permitting tests. `fake_bank`: the fake bank gateway
(scripts/fake_bank.py) as a real process on a free loopback port, with the portal's
settings pointed at it."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.permitting.ports import free_port

FAKE_BANK = Path(__file__).resolve().parents[2] / "scripts" / "fake_bank.py"


@dataclass
class FakeBank:
    url: str
    process: subprocess.Popen


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the fake bank exited with {process.returncode}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).text == "ok":
                return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("the fake bank did not start in time")


@pytest.fixture(scope="session")
def fake_bank_process():
    port = free_port()
    env = {**os.environ, "FAKE_BANK_PORT": str(port), "FAKE_BANK_HOST": "127.0.0.1"}
    process = subprocess.Popen(
        [sys.executable, str(FAKE_BANK)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield FakeBank(url=url, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def fake_bank(fake_bank_process, settings) -> FakeBank:
    """The running fake bank; PAYMENTS_GATEWAY_URL points at it for this test."""
    settings.PAYMENTS_GATEWAY_URL = fake_bank_process.url
    return fake_bank_process

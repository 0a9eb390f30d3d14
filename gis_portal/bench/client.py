"""Timed HTTP on one keep-alive connection (http.client), and percentile helpers."""

from __future__ import annotations

import http.client
import json
import math
import statistics
import time


class Client:
    def __init__(self, port: int, *, headers: dict[str, str] | None = None):
        self.port = port
        self.headers = {"Host": "127.0.0.1", **(headers or {})}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes, float, http.client.HTTPResponse]:
        """(status, body, seconds, response): the time covers sending and reading it all."""
        merged = {**self.headers, **(headers or {})}
        for attempt in range(2):
            started = time.perf_counter()
            try:
                self.connection.request(method, path, body=body, headers=merged)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()  # the worker closed the idle connection: reconnect
                if attempt:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if response.will_close:
                self.connection.close()
            return response.status, data, elapsed, response
        raise AssertionError("unreachable")

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post_json(self, path: str, payload: dict, headers: dict | None = None):
        body = json.dumps(payload).encode()
        return self.request(
            "POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})}
        )

    def close(self) -> None:
        self.connection.close()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 2,000 samples is the 1,980th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50": round(percentile(ms, 0.50), 3),
        "p90": round(percentile(ms, 0.90), 3),
        "p99": round(percentile(ms, 0.99), 3),
        "mean": round(statistics.fmean(ms), 3),
        "min": round(min(ms), 3),
        "max": round(max(ms), 3),
    }

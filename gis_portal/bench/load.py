"""The load generator: a second process on loopback, threads with keep-alive connections.

    python -m gis_portal.bench.load --port P --clients 50 --seconds 30 [--rate 200] \
        --payloads payloads.json

`payloads.json` is a list of {"method", "path", "body" (JSON or null), "headers"}; the
clients take them in turn. Without --rate every client sends its next request as soon
as the previous answer is read (closed loop: the throughput the server can give). With
--rate the clients together offer that many requests per second on a fixed schedule
(open loop), and each latency counts from the request's scheduled time, so a server
that falls behind is charged for the queue it builds (no coordinated omission); at
the deadline sending stops and the requests not sent are counted (`unsent`).
Prints one JSON object: counts by status, throughput and latencies in seconds.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading
import time

from gis_portal.bench.client import Client


def run(
    *, port: int, clients: int, seconds: float, payloads: list[dict], rate: float | None
) -> dict:
    counter = itertools.count()
    start = time.perf_counter() + 0.5  # every thread connected before the clock starts
    deadline = start + seconds
    results: list[dict] = [
        {"latency": [], "service": [], "status": {}, "errors": 0} for _ in range(clients)
    ]
    bodies = [
        (
            p["method"],
            p["path"],
            json.dumps(p["body"]).encode() if p.get("body") else None,
            {"Content-Type": "application/json", **p.get("headers", {})},
        )
        for p in payloads
    ]

    def worker(index: int) -> None:
        client = Client(port)
        mine = results[index]
        sent = 0
        while True:
            if rate:
                scheduled = start + (index + sent * clients) / rate
                now = time.perf_counter()
                if scheduled >= deadline:
                    break
                if now >= deadline:  # bounded in time: what could not be sent is counted
                    mine["unsent"] = mine.get("unsent", 0) + 1
                    sent += 1
                    continue
                if scheduled > now:
                    time.sleep(scheduled - now)  # pacing the offered load
            else:
                scheduled = time.perf_counter()
                if scheduled < start:
                    time.sleep(start - scheduled)
                    scheduled = start
                if scheduled >= deadline:
                    break
            method, path, body, headers = bodies[next(counter) % len(bodies)]
            sent += 1
            try:
                status, _data, service, _response = client.request(
                    method, path, body=body, headers=headers
                )
            except OSError:
                mine["errors"] += 1
                client.close()
                continue
            done = time.perf_counter()
            mine["latency"].append(done - scheduled)
            mine["service"].append(service)
            mine["status"][str(status)] = mine["status"].get(str(status), 0) + 1
        client.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = max(time.perf_counter(), deadline) - start
    status: dict[str, int] = {}
    for result in results:
        for key, value in result["status"].items():
            status[key] = status.get(key, 0) + value
    latency = [v for r in results for v in r["latency"]]
    service = [v for r in results for v in r["service"]]
    return {
        "clients": clients,
        "seconds": round(elapsed, 3),
        "rate_offered": rate,
        "completed": len(latency),
        "errors": sum(r["errors"] for r in results),
        "unsent": sum(r.get("unsent", 0) for r in results),
        "status": status,
        "latency": latency,
        "service": service,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--payloads", required=True)
    args = parser.parse_args(argv)
    with open(args.payloads, encoding="utf-8") as handle:
        payloads = json.load(handle)
    result = run(
        port=args.port,
        clients=args.clients,
        seconds=args.seconds,
        payloads=payloads,
        rate=args.rate or None,
    )
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()

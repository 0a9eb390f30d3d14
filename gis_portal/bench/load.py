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


def _next_send(index: int, sent: int, clients: int, start: float, deadline: float, rate):
    """When client `index` sends its next request: its scheduled time (paced) or now
    (closed loop), after sleeping until then; None once the deadline has passed, and
    "unsent" for a paced request whose time came after the clients fell behind."""
    if rate:
        scheduled = start + (index + sent * clients) / rate
        now = time.perf_counter()
        if scheduled >= deadline:
            return None
        if now >= deadline:  # bounded in time: what could not be sent is counted
            return "unsent"
        if scheduled > now:
            time.sleep(scheduled - now)  # pacing the offered load
        return scheduled
    scheduled = time.perf_counter()
    if scheduled < start:
        time.sleep(start - scheduled)
        scheduled = start
    return None if scheduled >= deadline else scheduled


def _client(index: int, *, port: int, bodies: list, counter, mine: dict, plan: dict) -> None:
    """One client thread: send in turn until the deadline, recording into `mine`."""
    client = Client(port)
    sent = 0
    while True:
        scheduled = _next_send(
            index, sent, plan["clients"], plan["start"], plan["deadline"], plan["rate"]
        )
        if scheduled is None:
            break
        sent += 1
        if scheduled == "unsent":
            mine["unsent"] = mine.get("unsent", 0) + 1
            continue
        method, path, body, headers = bodies[next(counter) % len(bodies)]
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


def run(
    *, port: int, clients: int, seconds: float, payloads: list[dict], rate: float | None
) -> dict:
    counter = itertools.count()
    start = time.perf_counter() + 0.5  # every thread connected before the clock starts
    plan = {"clients": clients, "start": start, "deadline": start + seconds, "rate": rate}
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
    threads = [
        threading.Thread(
            target=_client,
            args=(i,),
            kwargs={
                "port": port,
                "bodies": bodies,
                "counter": counter,
                "mine": results[i],
                "plan": plan,
            },
            daemon=True,
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = max(time.perf_counter(), plan["deadline"]) - start
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

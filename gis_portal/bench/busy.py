"""How busy the machine was while a row ran, and whether that leaves the row inconclusive.

A row compares the portal with raw SQL measured in the same run, but both sides share
the CPUs with whatever else runs on the machine; on a loaded machine a missed target
may be noise rather than a regression. So every row records the 1-minute load average
at its start and end and the CPU time that processes which are not the bench's took
while it ran, and a row measured on a busy machine is marked inconclusive instead of
met or missed (thresholds: config.BUSY_OTHER_CPU_CORES, config.BUSY_LOAD_PER_CORE).

What counts as the bench's own ("ours"):

- the bench process and every process below it: the gunicorn server and its workers,
  the load generator, the `manage.py bench --stage` children, ogr2ogr and the portal's
  import command. Their CPU time is read from /proc/<pid>/stat as utime + stime +
  cutime + cstime: a child that ends during the row is reaped by its parent inside the
  tree, so its whole time moves into the parent's cutime/cstime and nothing is lost;
- the PostgreSQL backends serving the bench's databases (the main one and the import
  copy), recognised by their process title ("postgres: <user> <database> …",
  "postgres: autovacuum worker <database>"), and the parallel query workers of those
  backends ("postgres: parallel worker for PID <backend>"). They are children of the postmaster, not
  of the bench, so they are sampled every `interval` seconds while the row runs; a
  backend that starts and ends between two samples is missed, and the part of a
  backend's time after its last sample too (both count as "other", so the error can
  only make a row look busier, never quieter).

Everything else is "other": other users' processes, the cluster's shared background
processes (checkpointer, WAL writer), the kernel's interrupt time and the time the
hypervisor stole (steal), which a virtual machine's bench loses just the same. The
machine's busy time is the first line of /proc/stat minus idle and iowait.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from gis_portal.bench.config import BUSY_LOAD_PER_CORE, BUSY_OTHER_CPU_CORES

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

#: The verdicts a busy machine turns into "inconclusive" (ERROR and n/a stay).
JUDGED_VERDICTS = ("met", "MISSED")


@dataclass(frozen=True)
class ProcessTimes:
    """One line of /proc/<pid>/stat: its parent and CPU times in clock ticks."""

    pid: int
    ppid: int
    name: str
    own_ticks: int  # utime + stime
    children_ticks: int  # cutime + cstime: children it has reaped

    @property
    def ticks(self) -> int:
        return self.own_ticks + self.children_ticks


def parse_cpu_line(text: str) -> dict[str, int]:
    """The machine's CPU ticks from /proc/stat: `busy` (user, nice, system, irq, softirq,
    steal), `steal` on its own and `idle` (idle, iowait). Guest time is already inside
    user and nice, so it is not added again."""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            values = [int(v) for v in fields[1:]] + [0] * 10
            user, nice, system, idle, iowait, irq, softirq, steal = values[:8]
            return {
                "busy": user + nice + system + irq + softirq + steal,
                "steal": steal,
                "idle": idle + iowait,
            }
    raise ValueError("no aggregate 'cpu' line in /proc/stat")


def parse_pid_stat(text: str) -> ProcessTimes:
    """/proc/<pid>/stat. The name (field 2) is in parentheses and may itself contain
    spaces and parentheses, so the fields are counted from the last ')'."""
    open_at, close_at = text.index("("), text.rindex(")")
    rest = text[close_at + 2 :].split()
    # rest[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14-17.
    utime, stime, cutime, cstime = (int(v) for v in rest[11:15])
    return ProcessTimes(
        pid=int(text[:open_at]),
        ppid=int(rest[1]),
        name=text[open_at + 1 : close_at],
        own_ticks=utime + stime,
        children_ticks=cutime + cstime,
    )


def backend_of(cmdline: bytes) -> tuple[str, str] | None:
    """What a PostgreSQL process title says it serves: ("database", name) for a client
    backend or an autovacuum worker, ("leader", pid) for a parallel query worker, None
    for anything else (other programs, the postmaster, the background processes)."""
    words = cmdline.replace(b"\0", b" ").decode("utf-8", "replace").split()
    if len(words) < 3 or words[0] != "postgres:":
        return None
    if words[1:3] == ["autovacuum", "worker"] and len(words) > 3:
        return ("database", words[3])
    if words[1:4] == ["parallel", "worker", "for"] and len(words) > 5:
        return ("leader", words[5])
    if len(words) > 3 and ("(" in words[3] or words[3] == "[local]"):  # user db host(port)
        return ("database", words[2])
    return None


def read_processes(proc: Path = PROC) -> dict[int, ProcessTimes]:
    processes = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            processes[int(entry.name)] = parse_pid_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # ended while we looked, or not readable
    return processes


def tree_of(processes: dict[int, ProcessTimes], root: int) -> set[int]:
    """`root` and every live process below it."""
    children: dict[int, list[int]] = {}
    for process in processes.values():
        children.setdefault(process.ppid, []).append(process.pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in found or pid not in processes:
            continue
        found.add(pid)
        todo.extend(children.get(pid, ()))
    return found


def tree_ticks(processes: dict[int, ProcessTimes], root: int) -> int:
    return sum(processes[pid].ticks for pid in tree_of(processes, root))


@dataclass
class Monitor:
    """`with Monitor(databases) as monitor:` around a row; then `monitor.summary()`.

    A thread samples the bench's PostgreSQL backends every `interval` seconds; its own
    CPU time is the bench's, so it is not charged to other processes."""

    databases: tuple[str, ...]
    root: int = field(default_factory=os.getpid)
    interval: float = 0.5
    proc: Path = PROC
    _backends: dict[int, list[int]] = field(default_factory=dict)  # pid: [first, last]
    _ours: dict[int, bool] = field(default_factory=dict)  # pid: a bench backend?

    def __enter__(self) -> Monitor:
        self._stop = threading.Event()
        self.start = self._snapshot(first=True)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.end = self._snapshot(first=False)

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._track_backends(read_processes(self.proc), first=False)

    def _is_ours(self, pid: int) -> bool:
        if pid not in self._ours:
            try:
                title = backend_of((self.proc / str(pid) / "cmdline").read_bytes())
            except OSError:
                return False
            self._ours[pid] = title is not None and (
                (title[0] == "database" and title[1] in self.databases)
                or (title[0] == "leader" and self._is_ours(int(title[1])))
            )
        return self._ours[pid]

    def _track_backends(self, processes: dict[int, ProcessTimes], *, first: bool) -> None:
        """Keep each bench backend's CPU time when first and last seen; one first seen
        after the row started began during it, so all of its time counts."""
        for pid, process in processes.items():
            if self._is_ours(pid):
                seen = self._backends.setdefault(pid, [process.own_ticks if first else 0, 0])
                seen[1] = max(seen[1], process.own_ticks)

    def _snapshot(self, *, first: bool) -> dict:
        processes = read_processes(self.proc)
        self._track_backends(processes, first=first)
        return {
            "at": time.monotonic(),
            "cpu": parse_cpu_line((self.proc / "stat").read_text()),
            "tree_ticks": tree_ticks(processes, self.root),
            "load_1min": read_load_1min(self.proc),
        }

    def summary(self) -> dict:
        """The row's machine load: load averages, and CPU time in cores (seconds of CPU
        per second of the row) for the machine, the bench and everything else."""
        seconds = max(self.end["at"] - self.start["at"], 1e-6)
        busy = self.end["cpu"]["busy"] - self.start["cpu"]["busy"]
        steal = self.end["cpu"]["steal"] - self.start["cpu"]["steal"]
        tree = self.end["tree_ticks"] - self.start["tree_ticks"]
        backends = sum(max(last - first, 0) for first, last in self._backends.values())
        ours = tree + backends

        def cores(ticks: int) -> float:
            return round(ticks / CLOCK_TICKS / seconds, 3)

        return {
            "seconds": round(seconds, 1),
            "cores": os.cpu_count() or 1,
            "load_1min_start": self.start["load_1min"],
            "load_1min_end": self.end["load_1min"],
            "machine_busy_cores": cores(busy),
            "bench_cores": cores(ours),
            "bench_processes_cores": cores(tree),
            "bench_backends_cores": cores(backends),
            "bench_backends_seen": len(self._backends),
            "other_cores": cores(max(busy - ours, 0)),
            "steal_cores": cores(steal),
        }


def read_load_1min(proc: Path = PROC) -> float:
    return float((proc / "loadavg").read_text().split()[0])


def busy_reasons(
    load: dict,
    *,
    other_cpu_cores: float = BUSY_OTHER_CPU_CORES,
    load_per_core: float = BUSY_LOAD_PER_CORE,
) -> list[str]:
    """Why the machine counts as busy during a row (empty: it was quiet enough)."""
    reasons = []
    if load["other_cores"] > other_cpu_cores:
        reasons.append(
            f"other processes used {load['other_cores']:.2f} cores (limit {other_cpu_cores:g})"
        )
    limit = load_per_core * load["cores"]
    if load["load_1min_start"] > limit:
        reasons.append(f"load average {load['load_1min_start']:.2f} at start (limit {limit:g})")
    return reasons


def judge(row: dict, load: dict | None, **limits: float) -> dict:
    """Record the machine load in `row`; a met or missed row measured on a busy machine
    becomes "inconclusive" (its numbers' own verdict stays in `measured_verdict`)."""
    if load is None:
        return row
    row["machine_load"] = load
    reasons = busy_reasons(load, **limits)
    if reasons:
        row["busy"] = reasons
        if row.get("verdict") in JUDGED_VERDICTS:
            row["measured_verdict"] = row["verdict"]
            row["verdict"] = "inconclusive"
    return row


def describe(load: dict | None) -> str:
    """The table's short form: load average start→end and other processes' CPU."""
    if not load:
        return ""
    return (
        f"load {load['load_1min_start']:.1f}→{load['load_1min_end']:.1f}; "
        f"others {load['other_cores']:.2f} cores"
    )

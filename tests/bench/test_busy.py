"""The busy-machine monitor of the bench: /proc parsing, what counts as the bench's own
CPU time, and when a row's verdict becomes "inconclusive". No database, no timing."""

import os
from pathlib import Path

import pytest

from gis_portal.bench import busy, report
from gis_portal.bench.config import BUSY_LOAD_PER_CORE, BUSY_OTHER_CPU_CORES

PROC_STAT = """cpu  137766 2975 18963 1254025 1347 10 2564 4314 0 0
cpu0 70448 1331 8347 627336 223 0 1186 2203 0 0
intr 1 2 3
"""


def stat_line(pid, name, ppid, utime, stime, cutime=0, cstime=0, state="S"):
    fields = [state, ppid, pid, pid, 0, -1, 4194560] + [0] * 4
    fields += [utime, stime, cutime, cstime, 20, 0, 1, 0, 12345]
    return f"{pid} ({name}) " + " ".join(str(f) for f in fields) + "\n"


def test_the_cpu_line_counts_busy_ticks_without_idle_and_iowait():
    ticks = busy.parse_cpu_line(PROC_STAT)
    assert ticks == {
        "busy": 137766 + 2975 + 18963 + 10 + 2564 + 4314,
        "steal": 4314,
        "idle": 1254025 + 1347,
    }
    with pytest.raises(ValueError):
        busy.parse_cpu_line("cpu0 1 2 3 4\n")


def test_a_pid_stat_line_gives_its_parent_and_times_even_with_odd_names():
    line = stat_line(4487, "a (b) c", 4477, utime=2, stime=9, cutime=107, cstime=70)
    times = busy.parse_pid_stat(line)
    assert (times.pid, times.ppid, times.name) == (4487, 4477, "a (b) c")
    assert times.own_ticks == 11
    assert times.children_ticks == 177
    assert times.ticks == 188


def test_this_process_can_be_read_from_the_real_proc():
    me = busy.parse_pid_stat(Path(f"/proc/{os.getpid()}/stat").read_text())
    assert me.pid == os.getpid()
    assert me.ppid == os.getppid()
    assert busy.read_load_1min() >= 0


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (b"postgres: postgres gis_portal_bench 127.0.0.1(47190) COMMIT", "gis_portal_bench"),
        (b"postgres: postgres gis_portal_bench_import [local] idle", "gis_portal_bench_import"),
        (b"postgres: autovacuum worker gis_portal_bench", "gis_portal_bench"),
        (b"postgres: postgres other_db 127.0.0.1(5000) idle", "other_db"),
    ],
)
def test_backend_titles_name_their_database(title, expected):
    assert busy.backend_of(title) == ("database", expected)


@pytest.mark.parametrize(
    "title",
    [
        b"postgres: checkpointer ",
        b"postgres: autovacuum launcher ",
        b"postgres: logical replication launcher ",
        b"/usr/lib/postgresql/15/bin/postgres\0-D\0/data",
        b"python\0manage.py\0bench",
        b"",
    ],
)
def test_other_processes_are_no_backend(title):
    assert busy.backend_of(title) is None


def test_a_parallel_worker_names_its_leader():
    assert busy.backend_of(b"postgres: parallel worker for PID 321 ") == ("leader", "321")


def write_proc(root: Path, processes: dict, cpu_busy: int, load: float) -> None:
    """A fake /proc: {pid: (name, ppid, own ticks, children ticks, cmdline)}."""
    root.mkdir(exist_ok=True)
    for entry in root.iterdir():
        if entry.name.isdigit():
            for child in entry.iterdir():
                child.unlink()
            entry.rmdir()
    for pid, (name, ppid, own, children, cmdline) in processes.items():
        folder = root / str(pid)
        folder.mkdir()
        (folder / "stat").write_text(stat_line(pid, name, ppid, own, 0, children, 0))
        (folder / "cmdline").write_bytes(cmdline)
    (root / "stat").write_text(f"cpu  {cpu_busy} 0 0 100000 0 0 0 0 0 0\n")
    (root / "loadavg").write_text(f"{load} 0.5 0.4 2/300 999\n")


def test_the_tree_counts_reaped_children_once(tmp_path):
    """A child alive at the start and reaped during the row: its whole time moves into
    the parent's children ticks, so the tree's total grows by what it did in the row."""
    start = {1: ("bench", 0, 100, 0, b""), 2: ("gunicorn", 1, 50, 0, b""), 9: ("x", 0, 5, 0, b"")}
    write_proc(tmp_path, start, cpu_busy=0, load=0)
    before = busy.tree_ticks(busy.read_processes(tmp_path), 1)
    end = {1: ("bench", 0, 130, 80, b""), 9: ("x", 0, 500, 0, b"")}  # 2 ended at 80 ticks
    write_proc(tmp_path, end, cpu_busy=0, load=0)
    after = busy.tree_ticks(busy.read_processes(tmp_path), 1)
    assert before == 150
    assert after - before == 30 + 30  # the bench's own 30, the child's last 30


def monitored(tmp_path, start: dict, end: dict, *, busy_ticks: int, load=(0.2, 0.3)):
    """A Monitor over a fake /proc that moves from `start` to `end` during the row."""
    write_proc(tmp_path, start, cpu_busy=0, load=load[0])
    monitor = busy.Monitor(("bench_db",), root=1, interval=3600, proc=tmp_path)
    with monitor:
        write_proc(tmp_path, end, cpu_busy=busy_ticks, load=load[1])
    monitor.end["at"] = monitor.start["at"] + 10.0  # a ten-second row
    return monitor.summary()


BACKEND = b"postgres: postgres bench_db 127.0.0.1(4000) idle"
STRANGER = b"postgres: postgres their_db 127.0.0.1(4001) idle"


def test_a_quiet_row_charges_the_bench_and_its_backends(tmp_path):
    ticks = busy.CLOCK_TICKS
    start = {
        1: ("bench", 0, 0, 0, b""),
        70: ("postgres", 60, 5 * ticks, 0, BACKEND),
        71: ("postgres", 60, 0, 0, STRANGER),
    }
    end = {
        1: ("bench", 0, 4 * ticks, 0, b""),
        70: ("postgres", 60, 9 * ticks, 0, BACKEND),  # 4 s in the row
        71: ("postgres", 60, 1 * ticks, 0, STRANGER),  # 1 s: someone else's
        72: ("postgres", 60, 2 * ticks, 0, BACKEND),  # started during the row
        73: ("postgres", 60, 1 * ticks, 0, b"postgres: parallel worker for PID 70"),
    }
    load = monitored(tmp_path, start, end, busy_ticks=12 * ticks)
    assert load["seconds"] == 10.0
    assert load["bench_processes_cores"] == 0.4
    assert load["bench_backends_cores"] == 0.7
    assert load["bench_backends_seen"] == 3
    assert load["machine_busy_cores"] == 1.2
    assert load["other_cores"] == pytest.approx(0.1)
    assert (load["load_1min_start"], load["load_1min_end"]) == (0.2, 0.3)
    assert busy.busy_reasons(load) == []


def test_a_synthetic_busy_sample_makes_a_met_row_inconclusive(tmp_path):
    ticks = busy.CLOCK_TICKS
    start = {1: ("bench", 0, 0, 0, b""), 80: ("pytest", 0, 0, 0, b"pytest")}
    end = {1: ("bench", 0, 3 * ticks, 0, b""), 80: ("pytest", 0, 9 * ticks, 0, b"pytest")}
    load = monitored(tmp_path, start, end, busy_ticks=12 * ticks)  # others: 0.9 cores
    assert load["other_cores"] == pytest.approx(0.9)
    row = {"row": 1, "name": "lookup", "result": "…", "target": "…", "verdict": "met"}
    busy.judge(row, load)
    assert row["verdict"] == "inconclusive"
    assert row["measured_verdict"] == "met"
    assert "other processes used 0.90 cores" in row["busy"][0]
    assert row["machine_load"] is load
    assert "| inconclusive | load 0.2→0.3; others 0.90 cores |" in report.table([row])


def sample(other=0.0, load_start=0.0, load_end=0.0, cores=2):
    return {
        "other_cores": other,
        "load_1min_start": load_start,
        "load_1min_end": load_end,
        "cores": cores,
    }


@pytest.mark.parametrize(
    ("load", "busy_machine"),
    [
        (sample(), False),
        (sample(other=BUSY_OTHER_CPU_CORES), False),  # at the limit: still quiet
        (sample(other=BUSY_OTHER_CPU_CORES + 0.01), True),
        (sample(load_start=BUSY_LOAD_PER_CORE * 2), False),
        (sample(load_start=BUSY_LOAD_PER_CORE * 2 + 0.01), True),
        (sample(load_start=BUSY_LOAD_PER_CORE * 4 + 0.01, cores=4), True),
        (sample(load_end=50), False),  # the row's own load at its end is not judged
    ],
)
def test_busy_machine_classification(load, busy_machine):
    assert bool(busy.busy_reasons(load)) is busy_machine


@pytest.mark.parametrize("measured", ["met", "MISSED"])
def test_met_and_missed_rows_become_inconclusive_when_busy(measured):
    row = busy.judge({"verdict": measured}, sample(load_start=9))
    assert row["verdict"] == "inconclusive"
    assert row["measured_verdict"] == measured
    assert row["busy"] == [f"load average 9.00 at start (limit {BUSY_LOAD_PER_CORE * 2:g})"]


@pytest.mark.parametrize("verdict", ["ERROR", "n/a"])
def test_errors_and_rows_without_a_target_keep_their_verdict(verdict):
    row = busy.judge({"verdict": verdict}, sample(other=2.0))
    assert row["verdict"] == verdict
    assert "measured_verdict" not in row


def test_a_quiet_row_keeps_its_verdict_and_records_the_load():
    load = sample(other=0.05, load_start=0.5, load_end=1.5)
    row = busy.judge({"verdict": "MISSED"}, load)
    assert row["verdict"] == "MISSED"
    assert row["machine_load"] == load
    assert "busy" not in row
    assert busy.describe(load) == "load 0.5→1.5; others 0.05 cores"


def test_the_limits_can_be_given():
    assert busy.busy_reasons(sample(other=0.3), other_cpu_cores=0.5) == []
    assert busy.busy_reasons(sample(load_start=1.5), load_per_core=0.5)

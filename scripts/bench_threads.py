"""`bench-scan --threads`: where a scan's time goes, by phase and by thread, from one process.

A probe process (this file run as a script, with the build's package first on PYTHONPATH)
times the imports a scan needs, then runs `image-audit scan --format json ARCHIVE` through
`analyzer.cli.main` in the same process, noting the wall time and the main thread's CPU time
(time.thread_time) where the read begins and ends (`analyzer.scan.read_archive` is wrapped);
every other thread's CPU time is taken as it ends (see `_watch_threads`; wrapped before
anything starts a thread), and the worker processes' from getrusage(RUSAGE_CHILDREN)
once the scan has stopped and reaped them. It prints one JSON object. Phases:

- imports: `import analyzer.cli, analyzer.scan`, alone on one core (interpreter start-up,
  ~20 ms, is not in it);
- before the read: arguments, detectors, the secrets engine and the pool's start;
- the read: every layer decompressed, walked, hashed and examined (the main thread is the
  reading thread);
- after the read: what is left for the workers, then the per-image detectors, scrubbers, the
  document and its JSON, on the main thread.

The process's own totals (wait4) are reported beside the sum of the parts, so that work the
probe does not see (threads still running at the end, a child not yet reaped) shows as a gap.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

PHASES = ("imports", "before the read", "read", "after the read")

_THREAD_CPU: dict[str, float] = {}
_LOCK = threading.Lock()


def thread_label(thread: threading.Thread) -> str:
    """A thread's kind: its class name when it is a subclass, else its name without the
    number Python gives unnamed threads and pools give their members.

    >>> thread_label(threading.Thread(name="layer-decompress"))
    'layer-decompress'
    >>> thread_label(threading.Thread(name="Thread-7 (work)")), thread_label(threading.Thread())
    ('Thread (work)', 'Thread')
    >>> thread_label(threading.Thread(name="input-sha256_0"))
    'input-sha256'
    """
    if type(thread) is not threading.Thread:
        return type(thread).__name__
    return re.sub(r"-\d+|_\d+$", "", thread.name)


def _watch_threads() -> None:
    """Record each thread's CPU time, by label, as it ends. CPython's Thread._bootstrap_inner
    is wrapped (it calls run(), which subclasses such as the process pool's manager thread
    override); where it is missing, Thread.run is, and such subclasses go unseen."""
    name = "_bootstrap_inner" if hasattr(threading.Thread, "_bootstrap_inner") else "run"
    original: Callable[[threading.Thread], None] = getattr(threading.Thread, name)

    def watched(self: threading.Thread) -> None:
        try:
            original(self)
        finally:
            spent = time.thread_time()
            with _LOCK:
                label = thread_label(self)
                _THREAD_CPU[label] = _THREAD_CPU.get(label, 0.0) + spent

    setattr(threading.Thread, name, watched)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def probe(archive: str, jobs: int | None) -> dict[str, Any]:
    """Scan `archive` in this process and say where the time went (see the module)."""
    _watch_threads()
    marks: list[tuple[float, float]] = [(time.perf_counter(), time.thread_time())]
    import analyzer.cli  # noqa: PLC0415 - the imports are what is timed
    import analyzer.scan  # noqa: PLC0415

    marks.append((time.perf_counter(), time.thread_time()))
    read_archive = analyzer.scan.read_archive  # type: ignore[attr-defined]

    def timed_read(*args: Any, **kwargs: Any) -> Any:
        marks.append((time.perf_counter(), time.thread_time()))
        try:
            return read_archive(*args, **kwargs)
        finally:
            marks.append((time.perf_counter(), time.thread_time()))

    analyzer.scan.read_archive = timed_read  # type: ignore[attr-defined]
    children_before = _children_cpu()
    out = io.StringIO()
    argv = ["scan", "--format", "json", *([] if jobs is None else ["--jobs", str(jobs)])]
    with contextlib.redirect_stdout(out):
        code = analyzer.cli.main([*argv, archive])
    marks.append((time.perf_counter(), time.thread_time()))
    if code != 0:  # the scan printed why on stderr (a scan without --fail-on exits 0)
        raise SystemExit(code)
    if len(marks) != len(PHASES) + 1:
        raise SystemExit(f"bench-threads: the scan of {archive} did not read it once (exit {code})")
    doc = json.loads(out.getvalue())
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "exit_code": code,
        "findings": sum(len(image.get("findings", [])) for image in doc.get("images", [])),
        "wall_s": {p: marks[i + 1][0] - marks[i][0] for i, p in enumerate(PHASES)},
        "main_cpu_s": {p: marks[i + 1][1] - marks[i][1] for i, p in enumerate(PHASES)},
        "threads_cpu_s": dict(sorted(_THREAD_CPU.items())),
        "workers_cpu_s": _children_cpu() - children_before,
        "process_cpu_s": own.ru_utime + own.ru_stime,
    }


# -- the report (bench_scan.py runs the probes) --------------------------------------------------


def medians(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the runs (a thread kind missing from a run counts 0; names in
    the order the runs give them).

    >>> medians([{"wall_s": {"read": 1.0}, "threads_cpu_s": {"a": 1.0}, "workers_cpu_s": 1.0},
    ...          {"wall_s": {"read": 3.0}, "threads_cpu_s": {}, "workers_cpu_s": 2.0},
    ...          {"wall_s": {"read": 2.0}, "threads_cpu_s": {"a": 3.0}, "workers_cpu_s": 3.0}])
    {'wall_s': {'read': 2.0}, 'threads_cpu_s': {'a': 1.0}, 'workers_cpu_s': 2.0}
    """
    result: dict[str, Any] = {}
    for key, first in runs[0].items():
        if isinstance(first, dict):
            names = dict.fromkeys(name for run in runs for name in run[key])  # in run order
            result[key] = {
                n: statistics.median(run[key].get(n, 0.0) for run in runs) for n in names
            }
        elif isinstance(first, float):
            result[key] = statistics.median(run[key] for run in runs)
    return result


def table_rows(archive: str, figures: Mapping[str, Any]) -> list[list[str]]:
    """Rows of (archive, phase or thread, wall s, CPU s) for one archive's medians."""
    rows = []
    for phase in PHASES:
        wall, cpu = figures["wall_s"][phase], figures["main_cpu_s"][phase]
        rows.append([archive, f"main thread: {phase}", f"{wall:.3f}", f"{cpu:.3f}"])
    for label, cpu in figures["threads_cpu_s"].items():
        rows.append([archive, f"thread {label}", "", f"{cpu:.3f}"])
    rows.append([archive, "worker processes", "", f"{figures['workers_cpu_s']:.3f}"])
    parts = sum(figures["main_cpu_s"].values()) + sum(figures["threads_cpu_s"].values())
    parts += figures["workers_cpu_s"]
    total_wall = sum(figures["wall_s"].values())
    rows.append([archive, "sum of the above", f"{total_wall:.3f}", f"{parts:.3f}"])
    whole = figures["process_cpu_s"] + figures["workers_cpu_s"]
    rows.append([archive, "process and workers (getrusage)", "", f"{whole:.3f}"])
    return rows


HEADERS = ["archive", "phase / thread", "wall s", "CPU s"]


def main(argv: Sequence[str]) -> int:
    """`bench_threads.py ARCHIVE [JOBS]`: one probe, its JSON on stdout."""
    figures = probe(argv[0], int(argv[1]) if len(argv) > 1 else None)
    print(json.dumps(figures), flush=True)
    os._exit(0)  # as the command does: the interpreter's teardown is no part of a scan


if __name__ == "__main__":
    main(sys.argv[1:])

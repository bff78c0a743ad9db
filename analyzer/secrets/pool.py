"""Examine files for secrets in worker processes, in batches, while the layers stream.

The main process decompresses and walks the tar; workers (one per spare core) run the secrets
engine. Where the platform can fork, the workers are forked when the pool is made, before the
read starts its decompression thread (forking a threaded process is unsafe): they begin with
everything the parent has imported and compiled, in milliseconds (a spawned worker imports and
loads for most of a second, which a scan of a few seconds never won back). Elsewhere they are
spawned with the first batch and build their engine once. Files travel in batches of a few MB
so the per-file cost of crossing processes stays small.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, TypeAlias

from analyzer.secrets.hsdb import CompiledDatabase, export_databases, import_databases

if TYPE_CHECKING:
    from analyzer.secrets.sink import Counts, Examiner, SecretHit

_BATCH_BYTES = 4 << 20
_BATCH_FILES = 512
_QUEUED_PER_WORKER = 4
"""Batches queued per worker before the reading process examines files itself (bounds the
memory the queue holds: 16 MB a worker)."""
_EXAMINER: Examiner | None = None
Result: TypeAlias = "tuple[Any, tuple[SecretHit, ...], Counts, dict[str, bytes]]"
"""A file's (key, hits, counts, extra digests)."""


def _start_worker(compiled: list[CompiledDatabase]) -> None:
    global _EXAMINER  # noqa: PLW0603 - one engine per worker process, built once
    from analyzer.secrets.engine import SecretEngine  # noqa: PLC0415
    from analyzer.secrets.sink import Examiner  # noqa: PLC0415

    import_databases(compiled)  # the parent's compiled prefilter (the wide one if it had it)
    _EXAMINER = Examiner(SecretEngine())


def _forked_worker() -> None:
    """A forked worker's engine: the parent's, compiled databases and all (inherited). Ctrl-C
    is the parent's to handle (it stops the pool); other signals end the worker at once."""
    global _EXAMINER  # noqa: PLW0603
    _EXAMINER = _PARENT_EXAMINER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    if _EXAMINER is not None:
        _EXAMINER.engine.prefilter.prepare_any_text()


_PARENT_EXAMINER: Examiner | None = None
"""The examiner a forked worker inherits (set by the parent just before forking)."""


def _ready() -> None:
    """A first task: makes the executor start its workers at once."""


def _examine_batch(batch: list[tuple[Any, str, bytes]]) -> list[Result]:
    assert _EXAMINER is not None  # set by the initializer
    return [(key, *_EXAMINER.examine_with_digests(path, data)) for key, path, data in batch]


class ExaminerPool:
    """A pool of worker processes running Examiner.examine on batches of files."""

    def __init__(self, workers: int, examiner: Examiner) -> None:
        """`examiner`: the parent's. Workers are forked now with it (see the module) or,
        where the platform cannot fork, spawned with the first batch; at the end it examines
        the batches no worker has taken yet."""
        self.workers = workers
        self._examiner = examiner
        self._executor: ProcessPoolExecutor | None = None
        if _can_fork():
            self._executor = _forked(workers, examiner)
        self.ready = self._executor is not None
        """Whether the workers were started with the pool (forked): then they are worth using
        from the first file on."""
        self._batch: list[tuple[Any, str, bytes]] = []
        self._size = 0
        self._futures: list[Future[list[Result]]] = []
        self._queued: dict[Future[list[Result]], list[tuple[Any, str, bytes]]] = {}
        """The files of the batches no worker has started yet (a few): taken back at the end;
        dropped once a worker has them, so the queue alone holds files in memory."""
        self._running: list[Future[list[Result]]] = []
        """The batches not seen finished yet (a few): busy() looks at these alone."""

    def submit(self, key: Any, path: str, data: bytes) -> None:
        """Queue one file; full batches go to a worker at once."""
        self._batch.append((key, path, data))
        self._size += len(data)
        if self._size >= _BATCH_BYTES or len(self._batch) >= _BATCH_FILES:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            future = self._started().submit(_examine_batch, self._batch)
            self._futures.append(future)
            self._queued[future] = self._batch
            self._running.append(future)
            self._batch, self._size = [], 0

    def _started(self) -> ProcessPoolExecutor:
        """The worker processes, started with the first batch: a small image never starts
        them, and they get whatever this process has compiled by then."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(export_databases(),),
            )
        return self._executor

    def busy(self) -> bool:
        """True when every worker already has work queued: the caller should examine the
        next file itself rather than queue more."""
        self._running = [f for f in self._running if not f.done()]
        for future in [f for f in self._queued if f.running() or f.done()]:
            del self._queued[future]
        return len(self._running) >= _QUEUED_PER_WORKER * self.workers

    def results(self) -> Iterator[Result]:
        """Every queued file's (key, hits, counts, extra digests), waiting for the workers.
        Batches no worker has started yet (the last ones queued) are taken back and examined
        here, rather than waited for."""
        self._flush()
        futures, self._futures, self._running = self._futures, [], []
        queued, self._queued = self._queued, {}
        taken_back = [queued[f] for f in reversed(futures) if f in queued and f.cancel()]
        for batch in reversed(taken_back):
            yield from ((key, *self._examiner.examine_with_digests(p, d)) for key, p, d in batch)
        for future in futures:
            if not future.cancelled():
                yield from future.result()

    def close(self) -> None:
        """Stop the workers (cancelling queued batches)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)


def _can_fork() -> bool:
    """Fork is there and safe: this process runs one thread."""
    forking = "fork" in multiprocessing.get_all_start_methods()
    return forking and threading.active_count() == 1


def _forked(workers: int, examiner: Examiner) -> ProcessPoolExecutor:
    """An executor whose workers are forked now, each with `examiner`."""
    global _PARENT_EXAMINER  # noqa: PLW0603 - read by the forked children only
    _PARENT_EXAMINER = examiner
    executor = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_forked_worker
    )
    executor.submit(_ready)  # with "fork" every worker starts on the first submit
    return executor

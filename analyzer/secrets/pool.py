"""Examine files for secrets in worker processes, in batches, while the layers stream.

The main process decompresses and walks the tar; workers (one per spare core) run the secrets
engine. Workers are started with "spawn" (the reader already runs a decompression thread, and
forking a threaded process is unsafe) and each builds its own engine once. Files travel in
batches of a few MB so the per-file cost of crossing processes stays small.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from analyzer.secrets.hsdb import CompiledDatabase, export_databases, import_databases

if TYPE_CHECKING:
    from analyzer.secrets.sink import Counts, Examiner, SecretHit

_BATCH_BYTES = 4 << 20
_BATCH_FILES = 512
_EXAMINER: Examiner | None = None


def _start_worker(compiled: list[CompiledDatabase]) -> None:
    global _EXAMINER  # noqa: PLW0603 - one engine per worker process, built once
    from analyzer.secrets.engine import SecretEngine  # noqa: PLC0415
    from analyzer.secrets.sink import Examiner  # noqa: PLC0415

    import_databases(compiled)  # the parent's compiled prefilter (the wide one if it had it)
    _EXAMINER = Examiner(SecretEngine())


def _examine_batch(batch: list[tuple[Any, str, bytes]]) -> list[tuple[Any, Any, Any, Any]]:
    assert _EXAMINER is not None  # set by the initializer
    return [(key, *_EXAMINER.examine_with_digests(path, data)) for key, path, data in batch]


class ExaminerPool:
    """A pool of worker processes running Examiner.examine on batches of files."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._batch: list[tuple[Any, str, bytes]] = []
        self._size = 0
        self._futures: list[Future[list[tuple[Any, Any, Any, Any]]]] = []
        self._running: list[Future[list[tuple[Any, Any, Any, Any]]]] = []
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
        return len(self._running) >= 2 * self.workers

    def results(self) -> Iterator[tuple[Any, tuple[SecretHit, ...], Counts, dict[str, bytes]]]:
        """Every queued file's (key, hits, counts, extra digests), waiting for the workers."""
        self._flush()
        futures, self._futures, self._running = self._futures, [], []
        for future in futures:
            yield from future.result()

    def close(self) -> None:
        """Stop the workers (cancelling queued batches)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

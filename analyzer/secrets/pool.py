"""Examine files for secrets in worker processes, in batches, while the layers stream.

The main process decompresses and walks the tar; workers (one per spare core) run the secrets
engine. Where the platform can fork, the workers are forked when the pool is made, before the
read starts its decompression thread (forking a threaded process is unsafe): they begin with
everything the parent has imported and compiled, in milliseconds (a spawned worker imports and
loads for most of a second, which a scan of a few seconds never won back). Elsewhere they are
spawned with the first batch and build their engine once. Files travel in batches of a few MB
so the per-file cost of crossing processes stays small. Forked workers share a few batches'
worth of memory with the reading process (an "arena"): a file's bytes are written there as they
stream and only their place travels, where a pipe costs both processes a copy, a pickle and
fresh pages for every batch (on the 485 MB bench image: 0.2-0.4 s less CPU, 10 MB less memory).
"""

from __future__ import annotations

import mmap
import multiprocessing
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, TypeAlias

from analyzer.secrets.hsdb import CompiledDatabase, export_databases, import_databases

if TYPE_CHECKING:
    from analyzer.secrets.sink import Counts, Examiner, Found

_BATCH_BYTES = 4 << 20
_BATCH_FILES = 512
_QUEUED_PER_WORKER = 4
"""Batches queued per worker before the reading process examines files itself (bounds the
memory the queue holds: 16 MB a worker)."""
_MAX_SLOTS = 65
"""Batches the shared memory holds at most (260 MB: 16 workers' worth); more workers than that
get further batches through the pipe."""
_EXAMINER: Examiner | None = None
Content: TypeAlias = "bytes | tuple[int, int]"
"""A queued file's bytes, or their (offset, length) in the arena."""
BatchResult: TypeAlias = "tuple[Counts, Found]"
"""What a worker sends back for a batch: the counts of its files summed, and the files with
hits alone (nearly every file has none: 10,000 per-file results cost the pipe and both
processes ~0.1 s of CPU on the bench image)."""
Done: TypeAlias = "tuple[list[Any], Counts, Found]"
"""A batch's file keys (in batch order), with its result."""


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
_ARENA: mmap.mmap | None = None
"""The memory a forked worker shares with the reading process (set just before forking)."""


def _ready() -> None:
    """A first task: makes the executor start its workers at once."""


def _examine_batch(batch: list[tuple[str, Content]]) -> BatchResult:
    assert _EXAMINER is not None  # set by the initializer
    return examine_batch(_EXAMINER, _ARENA, batch)


def examine_batch(
    examiner: Examiner, arena: mmap.mmap | None, batch: list[tuple[str, Content]]
) -> BatchResult:
    """Examine a batch of (path, content) files: their counts summed, and the files with hits."""
    return examiner.examine_all((path, _bytes(arena, content)) for path, content in batch)


def _bytes(arena: mmap.mmap | None, content: Content) -> bytes:
    """A queued file's bytes (copied out of the arena when they are there)."""
    if isinstance(content, bytes):
        return content
    assert arena is not None  # a place in the arena is only given where there is one
    offset, length = content
    return arena[offset : offset + length]


class ExaminerPool:
    """A pool of worker processes running Examiner.examine on batches of files."""

    def __init__(self, workers: int, examiner: Examiner) -> None:
        """`examiner`: the parent's. Workers are forked now with it (see the module) or,
        where the platform cannot fork, spawned with the first batch; at the end it examines
        the batches no worker has taken yet."""
        self.workers = workers
        self._examiner = examiner
        self._executor: ProcessPoolExecutor | None = None
        self._arena: mmap.mmap | None = None
        self._free_slots: list[int] = []
        if _can_fork():
            self._arena = _arena(_QUEUED_PER_WORKER * workers + 1)  # in flight, and one filling
            if self._arena is not None:
                self._free_slots = list(reversed(range(len(self._arena) // _BATCH_BYTES)))
            self._executor = _forked(workers, examiner, self._arena)
        self.ready = self._executor is not None
        """Whether the workers were started with the pool (forked): then they are worth using
        from the first file on."""
        self._batch: list[tuple[Any, str, Content]] = []
        self._size = 0
        """Bytes of the batch's files queued as bytes (not in the arena)."""
        self._slot: int | None = None
        """The arena slot the batch's files are written to, if it has one."""
        self._filled = 0
        """Bytes of that slot in use."""
        self._slot_of: dict[Future[BatchResult], int] = {}
        """The slot each batch in flight holds (free again once the batch is done)."""
        self._futures: list[tuple[Future[BatchResult], list[Any]]] = []
        """Every batch submitted, with its files' keys (the workers get paths and bytes)."""
        self._queued: dict[Future[BatchResult], list[tuple[str, Content]]] = {}
        """The files of the batches no worker has started yet (a few): taken back at the end;
        dropped once a worker has them, so the queue alone holds files in memory."""
        self._running: list[Future[BatchResult]] = []
        """The batches not seen finished yet (a few): busy() looks at these alone."""

    def submit(self, key: Any, path: str, data: bytes) -> None:
        """Queue one file; full batches go to a worker at once."""
        self._batch.append((key, path, data))
        self._size += len(data)
        if self._size >= _BATCH_BYTES or len(self._batch) >= _BATCH_FILES:
            self._flush()

    def reserve(self, size: int) -> int | None:
        """The arena offset where a file of `size` bytes about to be read is to be written
        (`write`), then queued (`submit_reserved`) or given up (`release`); None when there
        is no arena, the file is larger than a batch, or every slot is in flight (the workers
        are busy: the caller examines the file itself)."""
        if self._arena is None or size > _BATCH_BYTES:
            return None
        if self._slot is not None and self._filled + size > _BATCH_BYTES:
            self._flush()
        if self._slot is None:
            self._slot = self._free_slot()
            self._filled = 0
            if self._slot is None:
                return None
        offset = self._slot * _BATCH_BYTES + self._filled
        self._filled += size
        return offset

    def write(self, offset: int, chunk: memoryview) -> None:
        """Write part of a reserved file."""
        assert self._arena is not None  # only reserved places are written
        self._arena[offset : offset + len(chunk)] = chunk

    def read(self, offset: int, length: int) -> bytes:
        """A reserved file's bytes, copied out."""
        return _bytes(self._arena, (offset, length))

    def release(self, offset: int) -> None:
        """Give up the last reservation (the file is known already, or examined here)."""
        assert self._slot is not None
        self._filled = offset - self._slot * _BATCH_BYTES

    def submit_reserved(self, key: Any, path: str, offset: int, length: int) -> None:
        """Queue the file written at the last reservation (`length` bytes of it)."""
        assert self._slot is not None
        self._filled = offset - self._slot * _BATCH_BYTES + length
        self._batch.append((key, path, (offset, length)))
        if len(self._batch) >= _BATCH_FILES:
            self._flush()

    def _free_slot(self) -> int | None:
        """An arena slot no batch in flight holds, if any."""
        for future in [f for f in self._slot_of if f.done()]:
            self._free_slots.append(self._slot_of.pop(future))
        return self._free_slots.pop() if self._free_slots else None

    def _flush(self) -> None:
        if self._batch:
            self._forget_finished()
            files = [(path, content) for _, path, content in self._batch]
            future = self._started().submit(_examine_batch, files)
            self._futures.append((future, [key for key, _, _ in self._batch]))
            self._queued[future] = files
            self._running.append(future)
            if self._slot is not None and self._filled:
                self._slot_of[future] = self._slot
                self._slot = None
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
        next file itself rather than queue more. Asked once a file: the futures are looked at
        only when enough are queued for the answer to depend on them."""
        limit = _QUEUED_PER_WORKER * self.workers
        if len(self._running) < limit:
            return False
        self._forget_finished()
        return len(self._running) >= limit

    def _forget_finished(self) -> None:
        """Drop the batches seen finished, and the files of those a worker has started."""
        self._running = [f for f in self._running if not f.done()]
        for future in [f for f in self._queued if f.running() or f.done()]:
            del self._queued[future]

    def results(self) -> Iterator[Done]:
        """Every queued batch's file keys, summed counts and files with hits, waiting for the
        workers. Batches no worker has started yet (the last ones queued) are taken back and
        examined here, rather than waited for."""
        self._flush()
        futures, self._futures, self._running = self._futures, [], []
        queued, self._queued = self._queued, {}
        taken_back = [
            (keys, queued[future])
            for future, keys in reversed(futures)
            if future in queued and future.cancel()
        ]
        for keys, files in reversed(taken_back):
            yield (keys, *examine_batch(self._examiner, self._arena, files))
        for future, keys in futures:
            if not future.cancelled():
                yield (keys, *future.result())

    def close(self) -> None:
        """Stop the workers (cancelling queued batches)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        if self._arena is not None:
            self._arena.close()


def _can_fork() -> bool:
    """Fork is there and safe: this process runs one thread."""
    forking = "fork" in multiprocessing.get_all_start_methods()
    return forking and threading.active_count() == 1


def _arena(slots: int) -> mmap.mmap | None:
    """Memory for `slots` batches that forked children will share (at most _MAX_SLOTS), or
    None when it cannot be had (the files then travel through the pipe)."""
    try:
        return mmap.mmap(-1, min(slots, _MAX_SLOTS) * _BATCH_BYTES)
    except OSError:
        return None


def _forked(workers: int, examiner: Examiner, arena: mmap.mmap | None) -> ProcessPoolExecutor:
    """An executor whose workers are forked now, each with `examiner` and `arena`."""
    global _PARENT_EXAMINER, _ARENA  # noqa: PLW0603 - read by the forked children only
    _PARENT_EXAMINER = examiner
    _ARENA = arena
    executor = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_forked_worker
    )
    executor.submit(_ready)  # with "fork" every worker starts on the first submit
    return executor

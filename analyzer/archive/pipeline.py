"""Run a chunk-producing iterator in a background thread, so two cores share a layer's work.

Decompression (zlib, zstd, lzma) and hashing release the GIL, so while the main thread parses
tar headers and hashes file content, a second thread can decompress and hash the next chunks.
The queue is small: memory stays bounded (a few chunks), whatever the layer size.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator

_DONE = object()


def in_background(chunks: Iterator[bytes], depth: int = 4) -> Generator[bytes, None, None]:
    """Yield what `chunks` yields, computed ahead by a worker thread.

    Exceptions raised by `chunks` are re-raised in the consumer. If the consumer stops early,
    the worker is told to stop and is joined: at once when it closes this generator.
    """
    pipe: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                pipe.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for chunk in chunks:
                if not offer(chunk):
                    return
            offer(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            offer(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:  # a generator (another stage, maybe) ends here, not in GC
                close()

    worker = threading.Thread(target=work, name="layer-decompress", daemon=True)
    worker.start()
    try:
        while True:
            item = pipe.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()

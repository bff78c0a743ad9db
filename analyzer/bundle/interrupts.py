"""While output is on disk but not in place, SIGTERM and SIGHUP stop the run as Ctrl-C does.

A `kill`, a CI job's timeout or a closed terminal ends a process at once by default: one that
came while the bundle was being written left its staging directory
(`.DIR.image-audit-partial-XXXX`) beside DIR. Around the writing (analyzer.bundle.install and
analyzer.bundle.outfile) these signals raise KeyboardInterrupt instead, so the writer's clean-up
removes what it made and the command ends as an interrupted one (exit 130). Only the first
signal interrupts: a second one, while the clean-up runs, is ignored rather than cut it short.
The handlers in place before are restored after the block, and a signal the run was started
ignoring (`nohup` ignores SIGHUP) stays ignored.

signals_held() is the other half: around a clean-up or a pair of renames that must not be cut
in two, the stopping signals wait, and one that came meanwhile is delivered after the block.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """A stopping signal came while output was being written (its clean-up has run)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def signals_held() -> Iterator[None]:
    """Inside the block, SIGINT, SIGTERM and SIGHUP wait (blocked, not lost): a signal that
    comes meanwhile is delivered, and so interrupts, when the block ends."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextmanager
def stopping_signals_interrupt() -> Iterator[None]:
    """Inside the block, the first SIGINT, SIGTERM or SIGHUP raises Terminated (a
    KeyboardInterrupt); see the module docstring. Outside the main thread, where handlers
    cannot be set, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        if not caught:
            caught.append(signum)
            raise Terminated(signum)

    previous = {}
    try:
        for signum in STOPPING:
            before = signal.getsignal(signum)
            if before is not None and before is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, stop)
        yield
    finally:
        for signum, before in previous.items():
            signal.signal(signum, before)

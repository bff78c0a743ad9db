"""The stopping signals around output that is on disk but not yet in place."""

from __future__ import annotations

import os
import signal

import pytest

from analyzer.bundle.interrupts import Terminated, signals_held, stopping_signals_interrupt


def test_a_signal_while_held_interrupts_once_the_block_ends() -> None:
    """A clean-up inside signals_held() runs to its end; the SIGTERM that came meanwhile is
    not lost: it interrupts right after."""
    done = []
    with pytest.raises(Terminated) as stopped, stopping_signals_interrupt():
        with signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            done.append("clean-up finished")
        done.append("after the block")
    assert done == ["clean-up finished"]
    assert stopped.value.signum == signal.SIGTERM


def test_the_handlers_before_are_back_after_the_block() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with stopping_signals_interrupt():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before

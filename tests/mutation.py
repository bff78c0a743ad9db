"""Mutation of real inputs for the parser fuzz tests: a seed after a few random edits (insert a
piece some times over, delete, repeat a run, overwrite, truncate), the pieces chosen from what
the format under test finds interesting plus random bytes."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

EDITS = ("insert", "delete", "repeat", "overwrite", "truncate")


@st.composite
def mutated(draw: st.DrawFn, seeds: Sequence[bytes], pieces: Sequence[bytes]) -> bytes:
    """One of `seeds` after up to six edits, with `pieces` (or random bytes) inserted."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(data)))
        end = draw(st.integers(at, min(len(data), at + 64)))
        edit = draw(st.sampled_from(EDITS))
        piece = draw(st.sampled_from(pieces) | st.binary(max_size=8))
        if edit == "insert":
            data[at:at] = piece * draw(st.integers(1, 40))
        elif edit == "delete":
            del data[at:end]
        elif edit == "repeat":
            data[at:at] = bytes(data[at:end]) * draw(st.integers(1, 20))
        elif edit == "overwrite":
            data[at : at + len(piece)] = piece
        else:
            del data[at:]
    return bytes(data)

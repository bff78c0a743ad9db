"""Run work in a child process bounded in time and memory: how a test shows that hostile input
cannot hang the reader or exhaust memory (tests never assert on time itself).

The child runs from the repository root, so it imports this worktree's `analyzer`. Its memory is
capped with RLIMIT_AS (1 GiB, the bound the adversarial campaign used); an AnalyzerError is the
expected way to fail and is reported as "<ErrorClass>: <message>" on stdout, anything else (a
traceback, MemoryError, a kill at the timeout) fails the test that called it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEMORY_BOUND = 1 << 30
_PRELUDE = """\
import resource
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
from analyzer.errors import AnalyzerError
try:
{body}
except AnalyzerError as exc:
    print(f"{{type(exc).__name__}}: {{exc}}")
else:
    print("OK")
"""


@dataclass(frozen=True)
class Outcome:
    """What the child printed: "OK" or "<ErrorClass>: <message>"."""

    line: str
    stderr: str

    @property
    def error(self) -> str:
        """The error class name, or "" when the work finished."""
        return "" if self.line == "OK" else self.line.split(":", 1)[0]


def run_bounded(code: str, *, timeout: float = 60, memory: int = MEMORY_BOUND) -> Outcome:
    """Run `code` (statements) in a child process; raise AssertionError unless it finished or
    raised an AnalyzerError within `timeout` seconds and `memory` bytes of address space."""
    body = textwrap.indent(textwrap.dedent(code), "    ")
    script = _PRELUDE.format(memory=memory, body=body)
    argv = [sys.executable, "-c", script]
    done = subprocess.run(
        argv, check=False, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise AssertionError(f"the child failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return Outcome(lines[-1], done.stderr)


def run_cli(
    *args: str, timeout: float = 60, memory: int = MEMORY_BOUND, stdout: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m analyzer ARGS` as a user would, bounded like run_bounded; its output is
    captured, or written to the file `stdout` (hundreds of MB would not fit in the test)."""

    def limit() -> None:
        import resource  # noqa: PLC0415 (only in the child)

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    argv = [sys.executable, "-m", "analyzer", *args]
    if stdout is None:
        return subprocess.run(
            argv,
            check=False,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=limit,
        )
    with stdout.open("wb") as out:
        return subprocess.run(
            argv,
            check=False,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            preexec_fn=limit,
        )

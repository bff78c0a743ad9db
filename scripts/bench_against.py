"""`bench-scan --against REV`: this build against another, by alternating whole processes.

On a machine whose speed drifts by 30% from one minute to the next (a shared VM), two medians
taken a minute apart say nothing about a 5% step. Runs of the two builds alternate instead, in
a new order every round (this, other; other, this; ...), so that a slow minute costs both
alike, and each build's median, minimum and CPU time (the process and its worker processes,
from wait4) are compared. The other build is a git revision checked out beside the work
(a detached worktree under --workdir, kept for the next comparison) or a directory holding
an `analyzer` package. Both run the same way, `python -m analyzer` with this environment's
interpreter and dependencies and their own package first on PYTHONPATH (so compare builds
whose dependencies agree), with their modules compiled beforehand (where bytecode is never
written, a process would otherwise compile ~210 modules from source) and one untimed run
each first. The other build keeps its compiled pattern databases in a cache of its own when
its rules differ from those prepared at install. The findings of every run must be the same
as this build's first run's, the other build's included: a speed step may not come from
examining less (issue 16).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

THIS, OTHER = "this", "other"


@dataclass(frozen=True, slots=True)
class Sample:
    """One whole process of one build."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    findings: tuple[str, ...]


def order(round_index: int) -> tuple[str, str]:
    """Which build runs first in a round: this one in even rounds, the other in odd ones.

    >>> [order(i) for i in range(3)]
    [('this', 'other'), ('other', 'this'), ('this', 'other')]
    """
    return (THIS, OTHER) if round_index % 2 == 0 else (OTHER, THIS)


def alternate(rounds: int, run: Callable[[str], Sample]) -> dict[str, list[Sample]]:
    """`rounds` runs of each build, alternating (see `order`)."""
    samples: dict[str, list[Sample]] = {THIS: [], OTHER: []}
    for index in range(rounds):
        for build in order(index):
            samples[build].append(run(build))
    return samples


def checkout(spec: str, workdir: Path, repo: Path) -> tuple[Path, str]:
    """The directory whose `analyzer` package is the other build, and how to name it: `spec`
    itself when it holds one, else the git revision `spec` of `repo`, checked out once as a
    detached worktree under `workdir`/against."""
    given = Path(spec)
    if (given / "analyzer" / "__init__.py").is_file():
        return given.resolve(), str(given)
    found = _run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}"])
    commit = found.stdout.strip()
    if found.returncode != 0 or not commit:
        raise SystemExit(f"bench-scan: --against {spec}: neither a checkout nor a git revision")
    place = workdir / "against" / commit[:12]
    if not (place / "analyzer" / "__init__.py").is_file():
        place.parent.mkdir(parents=True, exist_ok=True)
        git = ["git", "-C", str(repo), "worktree", "add", "--detach", "--force", str(place), commit]
        checked(_run(git), f"--against {spec}: could not check {commit[:12]} out")
    return place, f"{spec} ({commit[:12]})"


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def checked(done: subprocess.CompletedProcess[str], what: str) -> None:
    """A failed step ends the benchmark with its last line of output, not a traceback."""
    if done.returncode != 0:
        tail = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise SystemExit(f"bench-scan: {what} (exit {done.returncode}): {tail}")


def environment(place: Path, hs_cache: Path | None = None) -> dict[str, str]:
    """This environment with `place`'s `analyzer` package first on the path (and, given
    `hs_cache`, that cache for the pattern databases the installation has not prepared).

    `python -m` puts the working directory before PYTHONPATH: run from a checkout (as the
    benchmark is), every process would import that checkout's package, the other build never
    (so before 2026-12-07 every --against comparison was this build against itself).
    PYTHONSAFEPATH (3.11+) keeps the working directory off the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(place), env.get("PYTHONPATH", "")]))
    env["PYTHONSAFEPATH"] = "1"
    if hs_cache is not None:
        env["IMAGE_AUDIT_CACHE_DIR"] = str(hs_cache)
    return env


def compile_modules(place: Path) -> None:
    """Compile `place`'s package once (quick when up to date)."""
    folder = str(place / "analyzer")
    done = _run([sys.executable, "-m", "compileall", "-q", folder])
    checked(done, f"compiling {folder} failed")


COMMAND = [sys.executable, "-m", "analyzer"]
"""How either build is run: this interpreter, the build's package (see `environment`)."""


@dataclass(frozen=True, slots=True)
class Compared:
    """One archive's two builds."""

    archive: str
    this: list[Sample]
    other: list[Sample]

    @property
    def same_findings(self) -> bool:
        """Every run of either build found what this build's first run found."""
        first = self.this[0].findings
        return all(s.findings == first for s in [*self.this, *self.other])

    def row(self) -> list[Any]:
        """The table row: medians and minima of wall time, medians of CPU time and peak RSS."""
        return [
            self.archive,
            len(self.this),
            _median(self.other, "seconds"),
            _median(self.this, "seconds"),
            round(min(s.seconds for s in self.other), 2),
            round(min(s.seconds for s in self.this), 2),
            _median(self.other, "cpu_seconds"),
            _median(self.this, "cpu_seconds"),
            round(statistics.median(s.peak_rss_mb for s in self.other)),
            round(statistics.median(s.peak_rss_mb for s in self.this)),
            f"{len(self.this[0].findings)}, "
            + ("the same" if self.same_findings else "DIFFERENT (see --json)"),
        ]

    def document(self) -> dict[str, Any]:
        """The comparison as JSON: every run, and the findings that differ if any."""
        first = set(self.this[0].findings)
        differ = {
            f"{build} run {i + 1}": {
                "lost": sorted(first - set(s.findings)),
                "new": sorted(set(s.findings) - first),
            }
            for build, samples in ((THIS, self.this), (OTHER, self.other))
            for i, s in enumerate(samples)
            if s.findings != self.this[0].findings
        }
        return {
            "archive": self.archive,
            "runs": {
                build: [
                    {"seconds": s.seconds, "cpu_seconds": s.cpu_seconds, "rss_mb": s.peak_rss_mb}
                    for s in samples
                ]
                for build, samples in ((THIS, self.this), (OTHER, self.other))
            },
            "same_findings": self.same_findings,
            "differences": differ,
        }


HEADERS = [
    "archive",
    "runs each",
    "other s (median)",
    "this s (median)",
    "other s (min)",
    "this s (min)",
    "other CPU s",
    "this CPU s",
    "other RSS MB",
    "this RSS MB",
    "findings",
]


def _median(samples: Sequence[Sample], field: str) -> float:
    values: list[float] = [getattr(s, field) for s in samples]
    return round(statistics.median(values), 2)

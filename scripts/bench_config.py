"""Benchmark what a user can make big in an image config: thousands of secret labels, a history
line of megabytes of words (with passwords among them or not). Prints the CPU seconds of
`inspect --format json` and `scan --format json` on each generated image, each in a fresh
process, so that the figures can be compared across revisions (the time must grow linearly).

Run it from the repository root: `python scripts/bench_config.py [--quick] [--work DIR]`.
"""

from __future__ import annotations

import argparse
import random
import resource
import string
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fixtures.detector_cases import base, clean_image
from fixtures.formats import write_docker_archive
from fixtures.spec import FileSpec, ImageSpec, LayerSpec

_ALNUM = string.ascii_letters + string.digits


def _token(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(length))


def secret_labels(count: int) -> ImageSpec:
    """`count` labels whose key says password and whose value is a random token."""
    rng = random.Random(count)
    labels = {f"com.example.n{i}.db_password": "Pw-" + _token(rng, 20) for i in range(count)}
    return clean_image(base(), labels=labels)


def history_words(megabytes: int, password_share: float) -> ImageSpec:
    """A build step of `megabytes` MB of words, `password_share` of them --password=..."""
    rng = random.Random(megabytes)
    words: list[str] = []
    size = 0
    while size < megabytes << 20:
        word = (
            "--password=" + _token(rng, 18)
            if rng.random() < password_share
            else "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10)))
        )
        words.append(word)
        size += len(word) + 1
    step = LayerSpec(
        (FileSpec("etc/motd", b"hi\n"),), created_by="RUN /bin/sh -c app " + " ".join(words)
    )
    return clean_image(base(), step)


def images(quick: bool) -> dict[str, Callable[[], ImageSpec]]:
    """Name -> spec builder of every benchmarked image."""
    # 10,000 labels is the most a config may hold (Limits.max_config_items)
    found: dict[str, Callable[[], ImageSpec]] = {
        f"labels-{n}": (lambda n=n: secret_labels(n)) for n in (2_500, 5_000, 10_000)
    }
    for megabytes in (1,) if quick else (1, 8):
        found[f"words-{megabytes}MB"] = lambda m=megabytes: history_words(m, 0.0)
        found[f"passwords-{megabytes}MB"] = lambda m=megabytes: history_words(m, 0.05)
    return found


def cpu_seconds(command: list[str]) -> float:
    """User + system CPU seconds of one child process (output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    """Generate the images (cached in --work) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="leave out the 8 MB lines")
    parser.add_argument("--work", type=Path, default=Path("/tmp/image-audit-bench-config"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"{'image':<18} {'inspect cpu-s':>14} {'scan cpu-s':>11}")
    for name, build in images(args.quick).items():
        archive = args.work / f"{name}.tar"
        if not archive.exists():
            write_docker_archive([build()], archive)
        figures = [
            cpu_seconds(
                [sys.executable, "-m", "analyzer", command, str(archive), "--format", "json"]
            )
            for command in ("inspect", "scan")
        ]
        print(f"{name:<18} {figures[0]:>14.2f} {figures[1]:>11.2f}", flush=True)


if __name__ == "__main__":
    main()

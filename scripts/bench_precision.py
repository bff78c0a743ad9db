"""Secret findings per 100 MB of distribution content: how often image-audit cries wolf.

Builds, under --workdir (outside the repository's tracked files), single-layer docker-archives
of real content and scans each with every detector:

- `host`: this machine's /usr/lib/python3* and /usr/share, without a package database: every
  hit is judged by its content alone;
- `host+dpkg`: the same files plus /var/lib/dpkg: hits in files dpkg installed unmodified are
  vendor content (info);
- `debian`: a Debian bookworm root filesystem with build-essential, python3 and python3-pip,
  made by mmdebstrap from Debian's mirror (skipped, with the reason, when it cannot be built).

Each tree is written as one layer with the fixtures' deterministic tar writer (fixed mtime, uid
0, sorted entries) and wrapped like the bench-read images (scripts/bench_images.py). The report:
secret findings per severity and per 100 MB of file content, the medium-or-above rate against
its target, and every file with a medium-or-above finding. Run it as scripts/bench-precision.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tabulate import tabulate

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # scripts/ is not a package; fixtures/ is
from bench_common import command_line, machine_facts  # noqa: E402
from bench_images import Blob, _BlobWriter, write_docker  # noqa: E402

from fixtures.spec import FileSpec  # noqa: E402
from fixtures.tarwriter import END_OF_ARCHIVE, write_entry  # noqa: E402

MB = 1 << 20
SEVERITIES = ("critical", "high", "medium", "low", "info")
TARGETS = {"host": 1.0, "host+dpkg": 0.2, "debian": 0.0}
"""Medium-or-above secret findings per 100 MB that each image may give at most."""
DEBIAN_PACKAGES = "build-essential,python3,python3-pip"
MIRROR = "http://deb.debian.org/debian"


def log(message: str) -> None:
    """Progress on stderr (the report goes to stdout)."""
    print(f"bench-precision: {message}", file=sys.stderr, flush=True)


# -- building the images -----------------------------------------------------------------------


def tree_specs(host: Path, inside: str) -> Iterator[FileSpec]:
    """Every entry under the host directory `host`, named `inside` in the image, sorted; files,
    directories and symlinks as they are (modes kept), anything else left out."""
    info = os.lstat(host)
    yield from _spec(host, inside, info)
    if not stat.S_ISDIR(info.st_mode):
        return
    for name in sorted(os.listdir(host)):
        yield from tree_specs(host / name, f"{inside}/{name}")


def _spec(host: Path, inside: str, info: os.stat_result) -> Iterator[FileSpec]:
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISDIR(info.st_mode):
        yield FileSpec(inside, kind="dir", mode=mode)
    elif stat.S_ISLNK(info.st_mode):
        yield FileSpec(inside, kind="symlink", link=os.readlink(host))
    elif stat.S_ISREG(info.st_mode):
        try:
            yield FileSpec(inside, host.read_bytes(), mode=mode)
        except OSError as error:  # a file root may not read (e.g. /etc/shadow-)
            log(f"skipped {host}: {error.strerror}")


def parents(inside: str) -> list[FileSpec]:
    """The directories above `inside` (usr, usr/lib for usr/lib/python3)."""
    parts = inside.split("/")[:-1]
    return [FileSpec("/".join(parts[: i + 1]), kind="dir") for i in range(len(parts))]


def write_image(archive: Path, trees: list[tuple[Path, str]]) -> tuple[int, int]:
    """Write `trees` ((host directory, path in the image)) as a one-layer docker-archive;
    return (regular files, their bytes)."""
    layer = archive.with_suffix(".layer.tar")
    sink = _BlobWriter(layer)
    files = size = 0
    written: set[str] = set()
    for host, inside in trees:
        for spec in [*parents(inside), *tree_specs(host, inside)]:
            if spec.path in written:
                continue
            written.add(spec.path)
            write_entry(sink, spec)
            if spec.kind == "file":
                files, size = files + 1, size + len(spec.data)
    sink.write(END_OF_ARCHIVE)
    blob: Blob = sink.finish()
    write_docker(archive, [blob])
    layer.unlink()
    return files, size


def host_trees(with_dpkg: bool) -> list[tuple[Path, str]]:
    """/usr/lib/python3* and /usr/share of this machine, and /var/lib/dpkg when asked."""
    trees = [(p, str(p).lstrip("/")) for p in sorted(Path("/usr/lib").glob("python3*"))]
    trees.append((Path("/usr/share"), "usr/share"))
    if with_dpkg:
        trees.append((Path("/var/lib/dpkg"), "var/lib/dpkg"))
    return trees


def debian_rootfs(workdir: Path) -> tuple[Path | None, str]:
    """A bookworm root filesystem made by mmdebstrap (cached), or None and why not."""
    rootfs = workdir / "debian-rootfs"
    if (rootfs / "var/lib/dpkg/status").exists():
        return rootfs, ""
    if shutil.which("mmdebstrap") is None:
        return None, "mmdebstrap is not installed (apt-get install mmdebstrap)"
    if os.geteuid() != 0:
        return None, "mmdebstrap --mode=root needs root"
    shutil.rmtree(rootfs, ignore_errors=True)
    command = ["mmdebstrap", "--variant=apt", "--mode=root", f"--include={DEBIAN_PACKAGES}"]
    log(f"building the Debian image: {' '.join(command)} bookworm {rootfs} {MIRROR}")
    done = subprocess.run(
        [*command, "bookworm", str(rootfs), MIRROR], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        shutil.rmtree(rootfs, ignore_errors=True)
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return None, f"mmdebstrap failed ({done.returncode}): {tail[0]}"
    return rootfs, ""


# -- scanning and counting ---------------------------------------------------------------------


@dataclass(slots=True)
class Measured:
    """The secret findings of one image."""

    image: str
    files: int
    megabytes: float
    seconds: float
    counts: dict[str, int]
    vendor: int
    """Info findings that are vendor content (unmodified package files)."""
    flagged: list[dict[str, str]] = field(default_factory=list)
    """Every medium-or-above finding: path, rule, severity, package (or "")."""

    @property
    def medium_plus(self) -> int:
        """Findings at medium or above."""
        return sum(self.counts[s] for s in ("critical", "high", "medium"))

    def per_100mb(self, count: int) -> float:
        """`count` per 100 MB of file content."""
        return 100 * count / self.megabytes if self.megabytes else 0.0


def measure(name: str, archive: Path, files: int, size: int, jobs: int) -> Measured:
    """Scan `archive` with every detector and count its secret findings."""
    from analyzer.detectors.context import ScanOptions  # noqa: PLC0415
    from analyzer.scan import scan_archive  # noqa: PLC0415

    start = time.perf_counter()
    [report] = scan_archive(archive, options=ScanOptions(workers=jobs)).images
    seconds = time.perf_counter() - start
    secrets = [f for f in report.findings if f.category == "secrets"]
    counts = Counter(f.severity.value for f in secrets)
    flagged = [
        {
            "path": f.path,
            "rule": f.rule_id,
            "severity": f.severity.value,
            "package": dict(f.details).get("package", ""),
            "modified": dict(f.details).get("modified", ""),
        }
        for f in secrets
        if f.severity.value in ("critical", "high", "medium")
    ]
    vendor = sum(dict(f.details).get("vendor") == "true" for f in secrets)
    return Measured(
        name, files, size / MB, seconds, {s: counts[s] for s in SEVERITIES}, vendor, flagged
    )


# -- the report ----------------------------------------------------------------------------------


def report(results: list[Measured], skipped: dict[str, str], args: argparse.Namespace) -> str:
    """The tables and verdicts against the targets."""
    rows = [
        [
            m.image,
            m.files,
            f"{m.megabytes:.0f}",
            *(m.counts[s] for s in SEVERITIES),
            m.vendor,
            f"{m.per_100mb(m.medium_plus):.2f}",
            f"<= {TARGETS[m.image]:g}",
            "yes" if m.per_100mb(m.medium_plus) <= TARGETS[m.image] else "NO",
            f"{m.seconds:.1f}",
        ]
        for m in results
    ]
    headers = ["image", "files", "MB", *SEVERITIES, "(vendor)", "medium+/100MB", "target", "met"]
    lines = [
        f"command: {command_line('BENCH_PRECISION_ARGV0')}",
        f"machine: {json.dumps(machine_facts())}",
        "",
        tabulate(rows, [*headers, "scan s"]),
    ]
    lines += [f"{name}: skipped: {why}" for name, why in skipped.items()]
    for measured in results:
        lines += ["", f"{measured.image}: files with a finding at medium or above"]
        lines += [
            f"  {f['severity']:8} {f['rule']:32} {f['path']}"
            + (f"  [{f['package']}, modified: {f['modified']}]" if f["package"] else "")
            for f in measured.flagged
        ] or ["  (none)"]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="scripts/bench-precision", description=__doc__)
    parser.add_argument("--workdir", type=Path, default=Path("bench-work/precision"))
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--no-debian", action="store_true", help="skip the Debian image")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached archives")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser.parse_args(argv)


def build_all(args: argparse.Namespace) -> tuple[dict[str, tuple[Path, int, int]], dict[str, str]]:
    """Every image to measure: name -> (archive, files, bytes); and the skipped ones."""
    args.workdir.mkdir(parents=True, exist_ok=True)
    plans: dict[str, list[tuple[Path, str]] | None] = {
        "host": host_trees(with_dpkg=False),
        "host+dpkg": host_trees(with_dpkg=True),
    }
    skipped: dict[str, str] = {}
    if args.no_debian:
        skipped["debian"] = "--no-debian"
    else:
        rootfs, why = debian_rootfs(args.workdir)
        if rootfs is None:
            skipped["debian"] = why
        else:
            plans["debian"] = [(rootfs / name, name) for name in sorted(os.listdir(rootfs))]
    built = {}
    for name, trees in plans.items():
        archive = args.workdir / f"{name}.tar"
        meta = archive.with_suffix(".json")
        if args.rebuild or not meta.exists() or not archive.exists():
            log(f"writing {archive}")
            files, size = write_image(archive, trees or [])
            meta.write_text(json.dumps({"files": files, "bytes": size}))
        facts = json.loads(meta.read_text())
        built[name] = (archive, int(facts["files"]), int(facts["bytes"]))
    return built, skipped


def main(argv: list[str]) -> int:
    """Build, scan, report."""
    args = parse_args(argv)
    built, skipped = build_all(args)
    results = []
    for name, (archive, files, size) in built.items():
        log(f"scanning {name} ({size / MB:.0f} MB in {files} files)")
        results.append(measure(name, archive, files, size, args.jobs))
    if args.json:
        doc: dict[str, Any] = {"results": [asdict(m) for m in results], "skipped": skipped}
        print(json.dumps(doc, indent=2))
    else:
        print(report(results, skipped, args), end="")
    return 0 if all(m.per_100mb(m.medium_plus) <= TARGETS[m.image] for m in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

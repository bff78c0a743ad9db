"""Benchmark a full `read_archive()` against the raw floor, and the detectors' scan against it.

Uses the deterministic synthetic images of bench_images.py (a legacy docker-archive, an OCI layout
with gzip layers and one with zstd layers), cached in a work directory, and measures each archive
in fresh processes: the floor (`cat` of the archive plus decompressing every layer with the
libraries the reader uses), the full read (every blob, layer tar and file hashed, layers merged)
and `scan_archive()` (the same read with the detectors' content wants, then every detector).
Memory scaling separates bytes from file count. Best of --repeat wall times; peak RSS (VmHWM) of
each measuring process. Run it as scripts/bench-read.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import pstats
import shlex
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import zstandard
from tabulate import tabulate

# scripts/ is not a package: put this script's own directory first on sys.path so that the
# sibling module imports however the script is started (the children run it by file path too).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import command_line, machine_facts
from bench_images import FORMATS, MIB, ArchiveInfo, ensure_images, layer_regions, log

CHUNK = 1 << 20
SCAN_BUDGET = 0.20
"""The detectors issue: detectors may add at most 20% to the full read's time."""


# -- floors and reads, each run in a fresh child process ---------------------------------------


class _Region:
    """A bounded, optionally hashed view of one layer blob inside the archive file."""

    def __init__(self, handle: io.BufferedReader, offset: int, size: int, hashed: bool) -> None:
        handle.seek(offset)
        self._handle = handle
        self._left = size
        self.hash = hashlib.sha256() if hashed else None

    def read(self, n: int = -1) -> bytes:
        data = self._handle.read(self._left if n < 0 else min(n, self._left))
        self._left -= len(data)
        if self.hash is not None:
            self.hash.update(data)
        return data


def _inflate(region: _Region, factory: Callable[[], Any]) -> Iterator[bytes]:
    """gzip decoding exactly as the reader does it: output bounded to CHUNK per call."""
    decoder = factory()
    while data := region.read(CHUNK):
        while True:
            out = decoder.decompress(data, CHUNK)
            data = decoder.unconsumed_tail
            if out:
                yield out
            if decoder.eof or (not data and len(out) < CHUNK):
                break


def _unzstd(region: _Region) -> Iterator[bytes]:
    reader = zstandard.ZstdDecompressor().stream_reader(
        cast(IO[bytes], region), read_size=CHUNK, read_across_frames=True, closefd=False
    )
    while chunk := reader.read(CHUNK):
        yield chunk


def _raw(region: _Region) -> Iterator[bytes]:
    while chunk := region.read(CHUNK):
        yield chunk


def _zlib_gzip() -> Any:
    return zlib.decompressobj(16 + zlib.MAX_WBITS)


def _isal_gzip() -> Any:
    from isal import isal_zlib  # noqa: PLC0415 (optional dependency)

    return isal_zlib.decompressobj(16 + isal_zlib.MAX_WBITS)


def _reader_gzip() -> Any:
    """The gzip decoder the reader itself uses (ISA-L when installed), for a fair floor."""
    try:
        return _isal_gzip()
    except ImportError:
        return _zlib_gzip()


def floor_pass(archive: str, compression: str, regions: list[list[int]], **how: Any) -> float:
    """Seconds to decompress every layer blob (how: hashed=bool, gzip=decoder factory).

    hashed=True adds the sha256 passes the reader cannot avoid: the blob, the layer tar
    (diff_id) and the file contents (about as many bytes as the tar); an uncompressed blob is
    its own tar, so it is hashed once for both digests.
    """
    start = time.perf_counter()
    with open(archive, "rb") as handle:
        for offset, size in regions:
            region = _Region(handle, offset, size, how.get("hashed", False))
            if compression == "gzip":
                chunks = _inflate(region, how.get("gzip", _reader_gzip))
            elif compression == "zstd":
                chunks = _unzstd(region)
            else:
                chunks = _raw(region)
            tar_hashes = 2 if compression != "none" else 1  # diff_id (unless the blob's) + files
            _consume(chunks, tar_hashes if region.hash is not None else 0)
    return time.perf_counter() - start


def _consume(chunks: Iterator[bytes], hashes: int) -> None:
    digests = [hashlib.sha256() for _ in range(hashes)]
    for chunk in chunks:
        for digest in digests:
            digest.update(chunk)


def child_floor(archive: str, compression: str, regions: str) -> dict[str, Any]:
    """The floor measurements for one archive, run inside a child process."""
    spans = json.loads(regions)
    plain = floor_pass(archive, compression, spans) if compression != "none" else 0.0
    return {"decompress_s": plain, "hashed_s": floor_pass(archive, compression, spans, hashed=True)}


def child_gunzip(archive: str, compression: str, regions: str) -> dict[str, Any]:
    """Streaming gzip decompression of every layer with zlib and with python-isal."""
    spans = json.loads(regions)
    return {
        "zlib_s": floor_pass(archive, compression, spans, gzip=_zlib_gzip),
        "isal_s": floor_pass(archive, compression, spans, gzip=_isal_gzip),
    }


def _use_zlib_in_reader() -> None:
    """Make the reader decode gzip with plain zlib instead of ISA-L (for the comparison)."""
    from analyzer.archive import compression  # noqa: PLC0415

    setattr(compression, "_GZIP_LIB", zlib)  # noqa: B010


def child_read(archive: str, decoder: str) -> dict[str, Any]:
    """Time one full read_archive() (imports excluded) and summarise what it read."""
    from analyzer import EntryKind, read_archive  # noqa: PLC0415

    file_kind = EntryKind.FILE
    if decoder == "zlib":
        _use_zlib_in_reader()
    start = time.perf_counter()
    result = read_archive(Path(archive))
    seconds = time.perf_counter() - start
    listings = result.images[0].listings
    return {
        "seconds": seconds,
        "uncompressed": sum(listing.uncompressed_size for listing in listings),
        "compressed": sum(listing.compressed_size for listing in listings),
        "files": sum(e.kind is file_kind for ls in listings for e in ls.entries),
        "entries": sum(len(listing.entries) for listing in listings),
        "file_bytes": sum(e.size for ls in listings for e in ls.entries if e.kind is file_kind),
    }


def child_scan(archive: str) -> dict[str, Any]:
    """Time scan_archive() twice (imports excluded): with the hardening detectors only (the
    detectors issue's 20% budget) and with every detector, the secrets engine included."""
    start = time.perf_counter()
    from analyzer.detectors import default_detectors  # noqa: PLC0415
    from analyzer.detectors.secrets import SecretDetector  # noqa: PLC0415
    from analyzer.scan import scan_archive  # noqa: PLC0415

    imported = time.perf_counter()
    hardening = [d for d in default_detectors() if not isinstance(d, SecretDetector)]
    result = scan_archive(Path(archive), detectors=hardening)
    seconds = time.perf_counter() - imported
    findings = sum(len(report.findings) for report in result.images)
    begun = time.perf_counter()
    scan_archive(Path(archive))
    full_s = time.perf_counter() - begun
    return {
        "seconds": seconds,
        "full_s": full_s,
        "import_s": imported - start,
        "findings": findings,
    }


def child_idle() -> dict[str, Any]:
    """Nothing but the read child's imports: the RSS every read starts from."""
    from analyzer import EntryKind, read_archive  # noqa: F401, PLC0415

    return {}


def child_profile(archive: str) -> str:
    """cProfile of one full read: top 15 by cumulative and by own time."""
    from analyzer import read_archive  # noqa: PLC0415

    profiler = cProfile.Profile()
    profiler.enable()
    read_archive(Path(archive))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(15)
    stats.sort_stats("tottime").print_stats(15)
    return out.getvalue()


def run_child(argv: list[str]) -> None:
    """Entry point of the measuring child processes: print one JSON object (or text)."""
    mode, *args = argv
    if mode == "profile":
        print(child_profile(*args))
        return
    handlers: dict[str, Callable[..., dict[str, Any]]]
    handlers = {"floor": child_floor, "gunzip": child_gunzip, "read": child_read}
    handlers |= {"scan": child_scan, "idle": child_idle}
    print(json.dumps({**handlers[mode](*args), "peak_rss_kb": peak_rss_kb()}))


def peak_rss_kb() -> int:
    """This process's peak RSS (VmHWM).

    Not ru_maxrss: Linux carries the parent's RSS at fork over into the child's ru_maxrss
    across exec, so every child would report at least the parent's size.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


# -- the parent: orchestrate, measure, report --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """One finished child process."""

    seconds: float
    """Wall time seen by the parent, process start-up included."""
    stdout: str

    @property
    def data(self) -> dict[str, Any]:
        """The child's JSON report."""
        return dict(json.loads(self.stdout))

    @property
    def rss_mb(self) -> float:
        """Peak resident set size of that one child process, as it reported it."""
        return float(self.data["peak_rss_kb"]) / 1024


def run_measured(argv: list[str], *, discard: bool = False) -> Run:
    """Run `argv` to completion and time it."""
    start = time.perf_counter()
    out = subprocess.DEVNULL if discard else subprocess.PIPE
    proc = subprocess.Popen(argv, stdout=out)
    stdout, _ = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"bench-read: `{shlex.join(argv)}` exited with {proc.returncode}")
    return Run(seconds, (stdout or b"").decode())


def child(mode: str, *args: str) -> list[str]:
    """The command line of a measuring child."""
    return [sys.executable, str(Path(__file__).resolve()), "--child", mode, *args]


def repeat_runs(argv: list[str], times: int, *, discard: bool = False) -> list[Run]:
    """`times` fresh runs of the same command."""
    return [run_measured(argv, discard=discard) for _ in range(times)]


def best(runs: list[Run], key: str) -> float:
    """The smallest value of `key` in the children's reports."""
    return min(float(run.data[key]) for run in runs)


def warm(info: ArchiveInfo) -> None:
    """Pull the archive and the reference layer files into the page cache."""
    for path in [info.path, *info.layer_files]:
        run_measured(["cat", path], discard=True)


def cli_reference(info: ArchiveInfo, times: int) -> float | None:
    """Best total seconds of `gzip -dc` / `zstd -dc` over every layer file."""
    if info.compression == "none":
        return None
    tool = ["gzip", "-dc"] if info.compression == "gzip" else ["zstd", "-dcq"]
    totals = [
        sum(run_measured([*tool, path], discard=True).seconds for path in info.layer_files)
        for _ in range(times)
    ]
    return min(totals)


@dataclass(slots=True)
class Row:
    """The figures of one archive."""

    archive: str
    archive_mb: float
    uncompressed_mb: float
    files: int
    entries: int
    cat_s: float
    decompress_s: float
    floor_s: float
    floor_sha_s: float
    read_s: float
    read_rss_mb: float
    cli_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """Full read over the issue's floor (cat + decompression)."""
        return self.read_s / self.floor_s

    @property
    def ratio_sha(self) -> float:
        """Full read over the floor plus the mandatory sha256 passes."""
        return self.read_s / self.floor_sha_s

    @property
    def mb_per_s(self) -> float:
        """Uncompressed MB read per second."""
        return self.uncompressed_mb / self.read_s


def measure(info: ArchiveInfo, times: int) -> Row:
    """Floor, reference and full read of one archive, warm cache, best of `times`."""
    log(f"measuring {info.name} ...")
    warm(info)
    cat_s = min(run.seconds for run in repeat_runs(["cat", info.path], times, discard=True))
    regions = json.dumps(layer_regions(info))
    floors = repeat_runs(child("floor", info.path, info.compression, regions), times)
    reads = repeat_runs(child("read", info.path, "reader"), times)
    decompress_s = best(floors, "decompress_s")
    first = reads[0].data
    return Row(
        archive=info.name,
        archive_mb=info.bytes / MIB,
        uncompressed_mb=first["uncompressed"] / MIB,
        files=int(first["files"]),
        entries=int(first["entries"]),
        cat_s=cat_s,
        decompress_s=decompress_s,
        floor_s=cat_s + decompress_s,
        floor_sha_s=cat_s + best(floors, "hashed_s"),
        read_s=best(reads, "seconds"),
        read_rss_mb=max(run.rss_mb for run in reads),
        cli_s=cli_reference(info, times),
    )


def measure_isal(info: ArchiveInfo, isal_read_s: float, times: int) -> dict[str, float]:
    """zlib vs python-isal: bare streaming gzip decompression, and the read with zlib forced."""
    log("measuring python-isal on the gzip layers ...")
    regions = json.dumps(layer_regions(info))
    gunzips = repeat_runs(child("gunzip", info.path, info.compression, regions), times)
    reads = repeat_runs(child("read", info.path, "zlib"), times)
    zlib_s, isal_s, zlib_read_s = (
        best(gunzips, "zlib_s"),
        best(gunzips, "isal_s"),
        best(reads, "seconds"),
    )
    return {
        "zlib_decompress_s": zlib_s,
        "isal_decompress_s": isal_s,
        "decompress_speedup": zlib_s / isal_s,
        "read_zlib_s": zlib_read_s,
        "read_isal_s": isal_read_s,
        "read_speedup": zlib_read_s / isal_read_s,
    }


def measure_scan(info: ArchiveInfo, row: Row, times: int) -> dict[str, Any]:
    """scan_archive() against the full read of the same archive: the detectors' overhead."""
    log(f"measuring the scan of {info.name} ...")
    scans = repeat_runs(child("scan", info.path), times)
    scan_s = best(scans, "seconds")
    overhead = (scan_s - row.read_s) / row.read_s
    return {
        "archive": info.name,
        "read_s": row.read_s,
        "scan_s": scan_s,
        "overhead_pct": 100 * overhead,
        "scan_with_secrets_s": best(scans, "full_s"),
        "read_rss_mb": row.read_rss_mb,
        "scan_rss_mb": max(run.rss_mb for run in scans),
        "findings": int(scans[0].data["findings"]),
        "scan_import_s": best(scans, "import_s"),
        "within_budget": overhead <= SCAN_BUDGET,
    }


def measure_scaling(workdir: Path, size_mb: int, times: int) -> dict[str, Any]:
    """Peak RSS of the docker-archive read as bytes and file count grow separately.

    From a base image a quarter of the main size: (a) the same files, each 4x larger, and (b) the
    same bytes in files a quarter the size, so 4x as many paths; the main image grows both.
    """
    base = max(size_mb // 4, 8)
    cases = [(f"base ({base} MB)", base, 1.0), ("(a) same files, 4x bytes", base * 4, 4.0)]
    cases += [("(b) same bytes, 4x files", base, 0.25), (f"main ({size_mb} MB)", size_mb, 1.0)]
    images: list[dict[str, Any]] = []
    for label, size, scale in cases:
        info = ensure_images(workdir, size, ("docker",), scale)[0]
        log(f"measuring scaling on {label} ...")
        run_measured(["cat", info.path], discard=True)
        reads = repeat_runs(child("read", info.path, "reader"), times)
        data = reads[0].data
        images.append({
            "image": label,
            "file_data_mb": data["file_bytes"] / MIB,
            "tar_mb": data["uncompressed"] / MIB,
            "files": data["files"],
            "path_entries": data["entries"],
            "read_s": best(reads, "seconds"),
            "peak_rss_mb": max(run.rss_mb for run in reads),
        })  # fmt: skip
    idle_rss = min(run.rss_mb for run in repeat_runs(child("idle"), times))
    return {"import_rss_mb": idle_rss, "images": images}


# -- reporting ---------------------------------------------------------------------------------


def library_versions() -> dict[str, str]:
    """The decoders and hashing library the figures depend on."""
    versions = {
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
        "zstandard": zstandard.__version__,
        "openssl": __import__("ssl").OPENSSL_VERSION,
    }
    if _have_isal():
        versions["isal"] = __import__("isal").__version__
    return versions


def _have_isal() -> bool:
    try:
        import isal  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def main_table(rows: list[Row]) -> str:
    """The headline table: floor vs full read per archive."""
    head = [
        "archive", "archive MB", "uncompr. MB", "files", "cat s", "decompress s", "floor s",
        "read s", "read/floor", "floor+sha256 s", "read/(floor+sha)", "read MB/s", "peak RSS MB",
    ]  # fmt: skip
    body = [
        [r.archive, r.archive_mb, r.uncompressed_mb, r.files, r.cat_s, r.decompress_s, r.floor_s,
         r.read_s, r.ratio, r.floor_sha_s, r.ratio_sha, r.mb_per_s, r.read_rss_mb]
        for r in rows
    ]  # fmt: skip
    return tabulate(body, head, floatfmt=".2f")


def reference_table(rows: list[Row]) -> str:
    """Library decompression next to the gzip/zstd command-line tools."""
    body = [[r.archive, r.decompress_s, r.cli_s] for r in rows if r.cli_s is not None]
    head = ["archive", "python lib decompress s", "gzip -dc / zstd -dc s (reference)"]
    return tabulate(body, head, floatfmt=".2f")


def print_scan(scans: list[dict[str, Any]]) -> None:
    """The detectors' overhead over the full read, with a verdict per archive."""
    head = [
        "archive",
        "read s",
        "hardening scan s",
        "overhead %",
        "scan with secrets s",
        "read peak RSS MB",
        "scan peak RSS MB",
    ]
    keys = [
        "archive",
        "read_s",
        "scan_s",
        "overhead_pct",
        "scan_with_secrets_s",
        "read_rss_mb",
        "scan_rss_mb",
    ]
    print(
        f"\ndetectors: scan_archive() vs read_archive() (budget {SCAN_BUDGET:.0%} for the "
        "hardening detectors; the secrets engine examines every file and is timed apart):"
    )
    print(tabulate([[scan[k] for k in keys] for scan in scans], head, floatfmt=".2f"))
    for scan in scans:
        verdict = "within" if scan["within_budget"] else "over"
        print(f"{scan['archive']}: the scan adds {scan['overhead_pct']:.1f}% to the read: ", end="")
        print(f"{verdict} the {SCAN_BUDGET:.0%} budget ({scan['findings']} findings)")
    imports = max(scan["scan_import_s"] for scan in scans)
    print(f"imports excluded from both timings (analyzer.scan imports in {imports:.2f} s)")


def print_scaling(scaling: dict[str, Any]) -> None:
    """Peak RSS against bytes and against paths, and what growing each one cost."""
    print("\nmemory scaling (docker-archive read; path entries = entries of all layers):")
    images = scaling["images"]
    print(tabulate(images, "keys", floatfmt=".2f"))
    print(f"a process that only imports analyzer peaks at {scaling['import_rss_mb']:.2f} MB")
    base = images[0]
    for image in images[1:]:
        data, entries = (image[k] / base[k] for k in ("file_data_mb", "path_entries"))
        grown = image["path_entries"] - base["path_entries"]
        rss = image["peak_rss_mb"] - base["peak_rss_mb"]
        line = f"{image['image']}: x{data:.1f} file data, x{entries:.1f} path entries"
        per_entry = f" = {rss * 1024 / grown:.2f} KB per added entry" if entries > 1.5 else ""
        print(f"{line} -> peak RSS {rss:+.2f} MB over the base{per_entry}")


def print_report(report: dict[str, Any], rows: list[Row]) -> None:
    """Print the human-readable report."""
    print(f"command: {report['command']}")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in report["machine"].items()))
    print(f"best of {report['repeat']} runs each, warm page cache, every run a fresh process\n")
    print(main_table(rows))
    print("\nfloor = cat archive + decompress every layer blob with the reader's own decoders")
    print("(ISA-L gzip, zstandard; 1 MiB chunks);")
    print(
        "floor+sha256 = cat + decompress + sha256 of blob, layer tar (the blob itself when\n"
        "uncompressed) and file bytes\n"
    )
    print(reference_table(rows))
    print_scan(report["scan"])
    print_scaling(report["scaling"])
    if "isal" in report:
        print("\npython-isal vs zlib on the oci-gzip layers:")
        print(tabulate([[k, v] for k, v in report["isal"].items()], floatfmt=".2f"))
    if "profile" in report:
        print("\ncProfile of the full read of oci-zstd:")
        print(report["profile"])


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="scripts/bench-read", description=__doc__)
    parser.add_argument("--workdir", type=Path, default=Path("bench-work"))
    parser.add_argument("--size-mb", type=int, default=400, help="uncompressed image size")
    parser.add_argument("--quick", action="store_true", help="a ~50 MB smoke run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--profile", action="store_true", help="cProfile the oci-zstd read")
    parser.add_argument("--no-isal", action="store_true", help="skip the python-isal comparison")
    args = parser.parse_args(argv)
    if args.quick:
        args.size_mb = 50
    return args


def main(argv: list[str]) -> int:
    """Build or reuse the images, measure, report."""
    args = parse_args(argv)
    infos = {i.name: i for i in ensure_images(args.workdir, args.size_mb, FORMATS)}
    rows: list[Row] = []
    scans: list[dict[str, Any]] = []
    for name in FORMATS:  # the scan right after the read of the same archive: same conditions
        rows.append(measure(infos[name], args.repeat))
        scans.append(measure_scan(infos[name], rows[-1], args.repeat))
    report: dict[str, Any] = {
        "command": command_line("BENCH_READ_ARGV0"),
        "machine": machine_facts(**library_versions()),
        "repeat": args.repeat,
        "rows": [
            {**asdict(r), "ratio": r.ratio, "ratio_sha": r.ratio_sha, "mb_per_s": r.mb_per_s}
            for r in rows
        ],
        "scan": scans,
        "scaling": measure_scaling(args.workdir, args.size_mb, args.repeat),
    }
    if _have_isal() and not args.no_isal:
        report["isal"] = measure_isal(infos["oci-gzip"], rows[1].read_s, args.repeat)
    if args.profile:
        log("profiling the oci-zstd read ...")
        report["profile"] = run_measured(child("profile", infos["oci-zstd"].path)).stdout
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report, rows)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        run_child(sys.argv[2:])
    else:
        sys.exit(main(sys.argv[1:]))

"""Benchmark a full `read_archive()` against the raw floor measured in the same run.

Builds deterministic synthetic images (a legacy docker-archive, an OCI layout with gzip layers and
one with zstd layers) in a cached work directory, then measures each archive in fresh processes:
the floor (`cat` of the archive plus decompressing every layer with the libraries the reader
uses), and the full read (every blob, layer tar and file hashed, layers merged). Best of --repeat
wall times; peak RSS (VmHWM) of each measuring process. Run it as scripts/bench-read.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import platform
import pstats
import random
import shlex
import subprocess
import sys
import tarfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import zstandard
from tabulate import tabulate

GENERATOR_VERSION = 1
CHUNK = 1 << 20
MIB = 1 << 20
MTIME = 1_700_000_000
LAYER_SHARES = (0.40, 0.25, 0.15, 0.12, 0.08)
FILES_PER_MB = 110
"""Target file count per uncompressed MB: ~44k files in a 400 MB image (a distro plus an app)."""
SMALL_SHARE = 0.4
"""Share of a layer's bytes in small files; the rest is binaries of 256 KiB to 12 MiB."""
CREATED_BY = (
    "ADD rootfs.tar.xz / # buildkit",
    "RUN apt-get update && apt-get install -y python3 libssl3 ca-certificates",
    "RUN pip install --no-cache-dir -r requirements.txt",
    "COPY dist/ /opt/app/",
    "RUN rm -rf /var/lib/apt/lists/* && useradd app",
)
GZIP_MEDIA = "application/vnd.oci.image.layer.v1.tar+gzip"
ZSTD_MEDIA = "application/vnd.oci.image.layer.v1.tar+zstd"
FORMATS = ("docker", "oci-gzip", "oci-zstd")


# -- synthetic content -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    """One tar entry of a synthetic layer."""

    path: str
    kind: str
    """"dir", "text", "binary", "symlink", "hardlink" or "empty" (whiteout markers)."""
    size: int = 0
    link: str = ""


def make_corpus(rng: random.Random, size: int = 4 * MIB) -> bytes:
    """Source-code-like text: a Zipf-weighted vocabulary in indented lines."""
    letters = "etaoinshrdlucmfwypvbgkjqxz_"
    words = ["".join(rng.choices(letters, k=rng.randint(2, 10))) for _ in range(3000)]
    words[:12] = ["def", "return", "if", "else", "(", ")", "=", "self", "0", "import", "#", ":"]
    weights = [1 / (rank + 1) for rank in range(len(words))]
    lines: list[str] = []
    total = 0
    while total < size:
        line = " " * (4 * rng.randint(0, 3)) + " ".join(rng.choices(words, weights, k=9))
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines).encode()[:size]


class Content:
    """Deterministic file bodies: text slices, or binaries mixing text, noise and padding."""

    def __init__(self, rng: random.Random, corpus: bytes) -> None:
        self._rng = rng
        self._corpus = corpus

    def text(self, size: int) -> bytes:
        """`size` bytes of corpus text from a random offset."""
        start = self._rng.randrange(len(self._corpus) - size)
        return self._corpus[start : start + size]

    def binary(self, size: int) -> bytes:
        """`size` bytes in 64 KiB segments: 60% text, 15% noise, 15% zeros, 10% patterns."""
        parts: list[bytes] = []
        for done in range(0, size, 64 * 1024):
            n = min(64 * 1024, size - done)
            roll = self._rng.random()
            if roll < 0.6:
                parts.append(self.text(n))
            elif roll < 0.75:
                parts.append(self._rng.randbytes(n))
            elif roll < 0.9:
                parts.append(bytes(n))
            else:
                parts.append((self._rng.randbytes(16) * (n // 16 + 1))[:n])
        return b"".join(parts)


def small_files(rng: random.Random, layer: int, budget: int) -> list[Node]:
    """Packages of small text files (docs, configs, python modules) filling `budget` bytes."""
    nodes: list[Node] = []
    used = 0
    package = 0
    while used < budget:
        name = f"p{layer}-{package:04d}"
        package += 1
        for number in range(rng.randint(5, 60)):
            base = rng.choice(("usr/share/doc", "usr/lib/python3/dist-packages", "etc"))
            size = min(int(rng.lognormvariate(7.5, 1.2)), 256 * 1024, max(budget - used, 0))
            kind = "binary" if rng.random() < 0.1 else "text"
            nodes.append(Node(f"{base}/{name}/f{number:03d}.txt", kind, size))
            used += size
    return nodes


def binaries(rng: random.Random, layer: int, budget: int) -> list[Node]:
    """Shared libraries with their .so symlinks, and a few hardlinked executables."""
    nodes: list[Node] = []
    used = 0
    number = 0
    while used < budget:
        size = min(rng.randint(256 * 1024, 12 * MIB), budget - used)
        lib = f"usr/lib/x86_64-linux-gnu/lib{layer}x{number}.so"
        nodes += [Node(f"{lib}.1", "binary", size), Node(lib, "symlink", link=f"{lib}.1")]
        if number % 8 == 0:
            nodes.append(Node(f"{lib}.1-hardlink", "hardlink", link=f"{lib}.1"))
        used += size
        number += 1
    return nodes


def changes_to(rng: random.Random, layer: int, lower: list[str]) -> list[Node]:
    """Whiteouts, an opaque directory and rewritten configs against the layer below."""
    if not lower:
        return []
    nodes = [Node(_whiteout(path), "empty") for path in rng.sample(lower, 5)]
    nodes += [Node(path, "text", rng.randint(100, 4000)) for path in rng.sample(lower, 20)]
    if layer == 2:
        nodes.append(Node(f"{os.path.dirname(rng.choice(lower))}/.wh..wh..opq", "empty"))
    return nodes


def _whiteout(path: str) -> str:
    head, tail = os.path.split(path)
    return f"{head}/.wh.{tail}"


def plan_layer(rng: random.Random, layer: int, budget: int, lower: list[str]) -> list[Node]:
    """Every entry of one layer, parent directories included, in sorted (tar) order."""
    nodes = small_files(rng, layer, int(budget * SMALL_SHARE))
    nodes += binaries(rng, layer, budget - int(budget * SMALL_SHARE))
    nodes += changes_to(rng, layer, lower)
    by_path = {node.path: node for node in nodes}
    for node in nodes:
        parent = os.path.dirname(node.path)
        while parent and parent not in by_path:
            by_path[parent] = Node(parent, "dir")
            parent = os.path.dirname(parent)
    return [by_path[path] for path in sorted(by_path)]


# -- writing layers and archives ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Blob:
    """A file written to the work directory, with its digest and size."""

    path: str
    digest: str
    size: int


class _BlobWriter:
    """Write (optionally compressed) bytes to a file, hashing and counting what is written."""

    def __init__(self, path: Path, compressor: Any = None) -> None:
        self._path = path
        self._file = open(path, "wb")  # noqa: SIM115 (closed in finish)
        self._compressor = compressor
        self._hash = hashlib.sha256()
        self._size = 0

    def write(self, data: bytes) -> None:
        if self._compressor is not None:
            data = self._compressor.compress(data)
        self._emit(data)

    def _emit(self, data: bytes) -> None:
        self._file.write(data)
        self._hash.update(data)
        self._size += len(data)

    def finish(self) -> Blob:
        if self._compressor is not None:
            self._emit(self._compressor.flush())
        self._file.close()
        return Blob(str(self._path), f"sha256:{self._hash.hexdigest()}", self._size)


class _LayerSink:
    """The file object tarfile writes a layer to: fans out to raw, gzip and zstd blobs."""

    def __init__(self, stem: Path, compressed: bool) -> None:
        self._outs = [_BlobWriter(stem.with_suffix(".tar"))]
        if compressed:
            self._outs += [
                _BlobWriter(stem.with_suffix(".tar.gz"), zlib.compressobj(6, zlib.DEFLATED, 31)),
                _BlobWriter(stem.with_suffix(".tar.zst"), zstandard.ZstdCompressor().compressobj()),
            ]
        self._written = 0

    def write(self, data: bytes) -> int:
        for out in self._outs:
            out.write(data)
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def finish(self) -> tuple[Blob, ...]:
        return tuple(out.finish() for out in self._outs)


def write_layer(
    nodes: list[Node], stem: Path, content: Content, compressed: bool
) -> tuple[Blob, ...]:
    """Write one layer as .tar (and .tar.gz, .tar.zst) in a single pass; return the blobs."""
    sink = _LayerSink(stem, compressed)
    with tarfile.open(fileobj=sink, mode="w", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
        for node in nodes:
            info = tarfile.TarInfo(node.path)
            info.mtime, info.uname, info.gname, info.mode = MTIME, "root", "root", 0o644
            data = _node_data(node, info, content)
            tar.addfile(info, io.BytesIO(data) if data else None)
    return sink.finish()


def _node_data(node: Node, info: tarfile.TarInfo, content: Content) -> bytes:
    if node.kind == "dir":
        info.type, info.mode = tarfile.DIRTYPE, 0o755
    elif node.kind in ("symlink", "hardlink"):
        info.type = tarfile.SYMTYPE if node.kind == "symlink" else tarfile.LNKTYPE
        info.linkname = node.link
    elif node.kind in ("text", "binary"):
        data = content.text(node.size) if node.kind == "text" else content.binary(node.size)
        info.size, info.mode = len(data), 0o755 if node.kind == "binary" else 0o644
        return data
    return b""


def _json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), MTIME, 0o644
    tar.addfile(info, io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, blob: Blob) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = blob.size, MTIME, 0o644
    with open(blob.path, "rb") as handle:
        tar.addfile(info, handle)


def image_config(diff_ids: list[str]) -> bytes:
    """An image config naming the layers' diff_ids, with one history line per layer."""
    history = [{"created": "2024-01-01T00:00:00Z", "created_by": line} for line in CREATED_BY]
    return _json(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": "2024-01-01T00:00:00Z",
            "config": {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin"], "Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history[: len(diff_ids)],
        }
    )


def write_docker(path: Path, raws: list[Blob]) -> list[str]:
    """Write a legacy `docker save` archive; return the layer member names."""
    config = image_config([raw.digest for raw in raws])
    config_name = f"{_digest(config)[7:]}.json"
    names = [f"{raw.digest[7:]}/layer.tar" for raw in raws]
    manifest = [{"Config": config_name, "RepoTags": ["bench/read:latest"], "Layers": names}]
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, raw in zip(names, raws, strict=True):
            _add_bytes(tar, f"{os.path.dirname(name)}/VERSION", b"1.0")
            _add_file(tar, name, raw)
        _add_bytes(tar, config_name, config)
        _add_bytes(tar, "manifest.json", _json(manifest))
        top = os.path.dirname(names[-1])
        _add_bytes(tar, "repositories", _json({"bench/read": {"latest": top}}))
    return names


def write_oci(path: Path, blobs: list[Blob], raws: list[Blob], media_type: str) -> list[str]:
    """Write an OCI image-layout tar with `blobs` as layers; return the layer member names."""
    config = image_config([raw.digest for raw in raws])
    layers = [{"mediaType": media_type, "digest": b.digest, "size": b.size} for b in blobs]
    manifest = _json(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": _digest(config),
                "size": len(config),
            },
            "layers": layers,
        }
    )
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": _digest(manifest),
                "size": len(manifest),
                "annotations": {"org.opencontainers.image.ref.name": "latest"},
            }
        ],
    }
    names = [f"blobs/sha256/{blob.digest[7:]}" for blob in blobs]
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "oci-layout", _json({"imageLayoutVersion": "1.0.0"}))
        for name, blob in zip(names, blobs, strict=True):
            _add_file(tar, name, blob)
        _add_bytes(tar, f"blobs/sha256/{_digest(config)[7:]}", config)
        _add_bytes(tar, f"blobs/sha256/{_digest(manifest)[7:]}", manifest)
        _add_bytes(tar, "index.json", _json(index))
    return names


# -- the cached image set ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArchiveInfo:
    """One built archive and where its layer blobs are."""

    name: str
    path: str
    compression: str
    bytes: int
    layer_members: list[str]
    layer_files: list[str]
    """The same layer blobs as separate files, for the gzip -dc / zstd -dc reference."""


def ensure_images(workdir: Path, size_mb: int, formats: tuple[str, ...]) -> list[ArchiveInfo]:
    """Build the archives for `size_mb` unless the work directory already holds them."""
    home = workdir / f"{size_mb}mb"
    meta_path = home / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        infos = [ArchiveInfo(**item) for item in meta["archives"]]
        if meta["generator"] == GENERATOR_VERSION and _intact(infos, formats):
            return [info for info in infos if info.name in formats]
    infos = build_images(home, size_mb, formats)
    meta_path.write_text(
        json.dumps({"generator": GENERATOR_VERSION, "archives": [asdict(i) for i in infos]})
    )
    return infos


def _intact(infos: list[ArchiveInfo], formats: tuple[str, ...]) -> bool:
    present = {
        i.name for i in infos if os.path.exists(i.path) and os.path.getsize(i.path) == i.bytes
    }
    return set(formats) <= present


def build_images(home: Path, size_mb: int, formats: tuple[str, ...]) -> list[ArchiveInfo]:
    """Generate the layers once, then assemble each requested archive format from them."""
    (home / "blobs").mkdir(parents=True, exist_ok=True)
    log(f"building {size_mb} MB images in {home} ...")
    started = time.perf_counter()
    rng = random.Random(f"image-audit-bench-{GENERATOR_VERSION}-{size_mb}")
    content = Content(rng, make_corpus(rng))
    layers: list[tuple[Blob, ...]] = []
    lower: list[str] = []
    compressed = formats != ("docker",)
    for index, share in enumerate(LAYER_SHARES):
        nodes = plan_layer(rng, index, int(size_mb * MIB * share), lower)
        layers.append(write_layer(nodes, home / "blobs" / f"layer{index}", content, compressed))
        lower = [node.path for node in nodes if node.kind == "text"]
    raws = [layer[0] for layer in layers]
    infos = [_assemble(home, kind, layers, raws) for kind in formats]
    for raw in raws:
        os.unlink(raw.path)
    log(f"built in {time.perf_counter() - started:.1f} s")
    return infos


def _assemble(
    home: Path, kind: str, layers: list[tuple[Blob, ...]], raws: list[Blob]
) -> ArchiveInfo:
    path = home / f"{kind}.tar"
    if kind == "docker":
        members, blobs, compression = write_docker(path, raws), [], "none"
    else:
        pick, media, compression = (
            (1, GZIP_MEDIA, "gzip") if kind == "oci-gzip" else (2, ZSTD_MEDIA, "zstd")
        )
        blobs = [layer[pick] for layer in layers]
        members = write_oci(path, blobs, raws, media)
    files = [blob.path for blob in blobs]
    return ArchiveInfo(kind, str(path), compression, path.stat().st_size, members, files)


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


def floor_pass(archive: str, compression: str, regions: list[list[int]], **how: Any) -> float:
    """Seconds to decompress every layer blob (how: hashed=bool, gzip=decoder factory).

    hashed=True adds the three sha256 passes the reader cannot avoid: the blob, the layer tar
    (diff_id) and the file contents (about as many bytes as the tar).
    """
    start = time.perf_counter()
    with open(archive, "rb") as handle:
        for offset, size in regions:
            region = _Region(handle, offset, size, how.get("hashed", False))
            if compression == "gzip":
                chunks = _inflate(region, how.get("gzip", _zlib_gzip))
            elif compression == "zstd":
                chunks = _unzstd(region)
            else:
                chunks = _raw(region)
            _consume(chunks, 2 if region.hash is not None else 0)
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


def _use_isal_in_reader() -> None:
    """Swap the reader's gzip decoder for isal's without touching analyzer's code."""
    from isal import isal_zlib  # noqa: PLC0415

    from analyzer.archive import compression  # noqa: PLC0415

    setattr(compression, "_ZLIB_TYPE", type(isal_zlib.decompressobj()))  # noqa: B010
    compression._FACTORIES[compression.Compression.GZIP] = _isal_gzip


def child_read(archive: str, decoder: str) -> dict[str, Any]:
    """Time one full read_archive() (imports excluded) and summarise what it read."""
    from analyzer import EntryKind, read_archive  # noqa: PLC0415

    if decoder == "isal":
        _use_isal_in_reader()
    start = time.perf_counter()
    result = read_archive(Path(archive))
    seconds = time.perf_counter() - start
    listings = result.images[0].listings
    return {
        "seconds": seconds,
        "uncompressed": sum(listing.uncompressed_size for listing in listings),
        "compressed": sum(listing.compressed_size for listing in listings),
        "files": sum(e.kind is EntryKind.FILE for ls in listings for e in ls.entries),
    }


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


def layer_regions(info: ArchiveInfo) -> list[list[int]]:
    """(offset, size) of each layer blob inside the (uncompressed) archive tar."""
    with tarfile.open(info.path) as tar:
        spans = {m.name: [m.offset_data, m.size] for m in tar if m.name in info.layer_members}
    return [spans[name] for name in info.layer_members]


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
    reads = repeat_runs(child("read", info.path, "zlib"), times)
    decompress_s = best(floors, "decompress_s")
    first = reads[0].data
    return Row(
        archive=info.name,
        archive_mb=info.bytes / MIB,
        uncompressed_mb=first["uncompressed"] / MIB,
        files=int(first["files"]),
        cat_s=cat_s,
        decompress_s=decompress_s,
        floor_s=cat_s + decompress_s,
        floor_sha_s=cat_s + best(floors, "hashed_s"),
        read_s=best(reads, "seconds"),
        read_rss_mb=max(run.rss_mb for run in reads),
        cli_s=cli_reference(info, times),
    )


def measure_isal(info: ArchiveInfo, zlib_read_s: float, times: int) -> dict[str, float]:
    """zlib vs python-isal: bare streaming gzip decompression, and the read with isal patched in."""
    log("measuring python-isal on the gzip layers ...")
    regions = json.dumps(layer_regions(info))
    gunzips = repeat_runs(child("gunzip", info.path, info.compression, regions), times)
    reads = repeat_runs(child("read", info.path, "isal"), times)
    zlib_s, isal_s, read_s = (
        best(gunzips, "zlib_s"),
        best(gunzips, "isal_s"),
        best(reads, "seconds"),
    )
    return {
        "zlib_decompress_s": zlib_s,
        "isal_decompress_s": isal_s,
        "decompress_speedup": zlib_s / isal_s,
        "read_zlib_s": zlib_read_s,
        "read_isal_s": read_s,
        "read_speedup": zlib_read_s / read_s,
        "read_isal_rss_mb": max(run.rss_mb for run in reads),
    }


def measure_scaling(
    workdir: Path, sizes: tuple[int, int], full: Row, times: int
) -> list[dict[str, Any]]:
    """Peak RSS of the docker-archive read at two image sizes."""
    small = ensure_images(workdir, sizes[1], ("docker",))[0]
    log(f"measuring scaling at {sizes[1]} MB ...")
    run_measured(["cat", small.path], discard=True)
    reads = repeat_runs(child("read", small.path, "zlib"), times)
    data = reads[0].data
    quarter = {
        "size_mb": sizes[1],
        "uncompressed_mb": data["uncompressed"] / MIB,
        "files": data["files"],
        "read_s": best(reads, "seconds"),
        "peak_rss_mb": max(run.rss_mb for run in reads),
    }
    whole = {
        "size_mb": sizes[0],
        "uncompressed_mb": full.uncompressed_mb,
        "files": full.files,
        "read_s": full.read_s,
        "peak_rss_mb": full.read_rss_mb,
    }
    return [quarter, whole]


# -- reporting ---------------------------------------------------------------------------------


def log(message: str) -> None:
    """Progress goes to stderr so that stdout stays the report."""
    print(f"bench-read: {message}", file=sys.stderr, flush=True)


def machine_facts() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    facts: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "zlib": zlib.ZLIB_RUNTIME_VERSION,
        "zstandard": zstandard.__version__,
        "openssl": __import__("ssl").OPENSSL_VERSION,
    }
    if _have_isal():
        facts["isal"] = __import__("isal").__version__
    return facts


def _have_isal() -> bool:
    try:
        import isal  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def command_line() -> str:
    """The command as the user typed it (the bash wrapper passes its own name)."""
    argv0 = os.environ.get("BENCH_READ_ARGV0", sys.argv[0])
    return shlex.join([argv0, *sys.argv[1:]])


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


def print_report(report: dict[str, Any], rows: list[Row]) -> None:
    """Print the human-readable report."""
    print(f"command: {report['command']}")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in report["machine"].items()))
    print(f"best of {report['repeat']} runs each, warm page cache, every run a fresh process\n")
    print(main_table(rows))
    print("\nfloor = cat archive + decompress every layer blob (zlib/zstandard, 1 MiB chunks);")
    print("floor+sha256 = cat + decompress + sha256 of blob, layer tar and file bytes\n")
    print(reference_table(rows))
    print("\nmemory scaling (docker-archive read):")
    print(tabulate(report["scaling"], "keys", floatfmt=".2f"))
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
    rows = [measure(infos[name], args.repeat) for name in FORMATS]
    sizes = (args.size_mb, max(args.size_mb // 4, 8))
    report: dict[str, Any] = {
        "command": command_line(),
        "machine": machine_facts(),
        "repeat": args.repeat,
        "rows": [
            {**asdict(r), "ratio": r.ratio, "ratio_sha": r.ratio_sha, "mb_per_s": r.mb_per_s}
            for r in rows
        ],
        "scaling": measure_scaling(args.workdir, sizes, rows[0], args.repeat),
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

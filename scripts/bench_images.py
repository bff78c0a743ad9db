"""Deterministic synthetic container images for scripts/bench-read, cached in a work directory.

Each image has five layers of small text files in packages and large binaries with their .so
symlinks and hardlinks, plus whiteouts, an opaque directory and rewritten files against the layer
below. The layers are written once (raw, gzip and zstd in one pass) and assembled into a legacy
docker-archive and OCI layouts with gzip or zstd layers. `scale` multiplies every file's size,
so (size_mb, scale) picks both the bytes and, at about size_mb / scale, the file count.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import sys
import tarfile
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import zstandard

GENERATOR_VERSION = 1
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


def small_files(rng: random.Random, layer: int, budget: int, scale: float) -> list[Node]:
    """Packages of small text files (docs, configs, python modules) filling `budget` bytes."""
    nodes: list[Node] = []
    used = 0
    package = 0
    while used < budget:
        name = f"p{layer}-{package:04d}"
        package += 1
        for number in range(rng.randint(5, 60)):
            base = rng.choice(("usr/share/doc", "usr/lib/python3/dist-packages", "etc"))
            size = int(rng.lognormvariate(7.5, 1.2) * scale)
            size = min(size, int(256 * 1024 * scale), max(budget - used, 0))
            kind = "binary" if rng.random() < 0.1 else "text"
            nodes.append(Node(f"{base}/{name}/f{number:03d}.txt", kind, size))
            used += size
    return nodes


def binaries(rng: random.Random, layer: int, budget: int, scale: float) -> list[Node]:
    """Shared libraries with their .so symlinks, and a few hardlinked executables."""
    nodes: list[Node] = []
    used = 0
    number = 0
    while used < budget:
        size = min(int(rng.randint(256 * 1024, 12 * MIB) * scale), budget - used)
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


def plan_layer(
    rng: random.Random, layer: int, budget: int, lower: list[str], scale: float = 1
) -> list[Node]:
    """Every entry of one layer, parent directories included, in sorted (tar) order."""
    nodes = small_files(rng, layer, int(budget * SMALL_SHARE), scale)
    nodes += binaries(rng, layer, budget - int(budget * SMALL_SHARE), scale)
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


def ensure_images(
    workdir: Path, size_mb: int, formats: tuple[str, ...], scale: float = 1
) -> list[ArchiveInfo]:
    """Build the archives for `size_mb` (files `scale` times the usual size) unless cached."""
    home = workdir / (f"{size_mb}mb" if scale == 1 else f"{size_mb}mb-files-x{scale:g}")
    meta_path = home / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        infos = [ArchiveInfo(**item) for item in meta["archives"]]
        if meta["generator"] == GENERATOR_VERSION and _intact(infos, formats):
            return [info for info in infos if info.name in formats]
    infos = build_images(home, size_mb, formats, scale)
    meta_path.write_text(
        json.dumps({"generator": GENERATOR_VERSION, "archives": [asdict(i) for i in infos]})
    )
    return infos


def _intact(infos: list[ArchiveInfo], formats: tuple[str, ...]) -> bool:
    present = {
        i.name for i in infos if os.path.exists(i.path) and os.path.getsize(i.path) == i.bytes
    }
    return set(formats) <= present


def build_images(
    home: Path, size_mb: int, formats: tuple[str, ...], scale: float = 1
) -> list[ArchiveInfo]:
    """Generate the layers once, then assemble each requested archive format from them."""
    (home / "blobs").mkdir(parents=True, exist_ok=True)
    log(f"building {size_mb} MB images in {home} ...")
    started = time.perf_counter()
    seed = f"image-audit-bench-{GENERATOR_VERSION}-{size_mb}"
    rng = random.Random(seed if scale == 1 else f"{seed}-x{scale:g}")
    content = Content(rng, make_corpus(rng))
    layers: list[tuple[Blob, ...]] = []
    lower: list[str] = []
    compressed = formats != ("docker",)
    for index, share in enumerate(LAYER_SHARES):
        nodes = plan_layer(rng, index, int(size_mb * MIB * share), lower, scale)
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


def layer_regions(info: ArchiveInfo) -> list[list[int]]:
    """(offset, size) of each layer blob inside the (uncompressed) archive tar."""
    with tarfile.open(info.path) as tar:
        spans = {m.name: [m.offset_data, m.size] for m in tar if m.name in info.layer_members}
    return [spans[name] for name in info.layer_members]


def log(message: str) -> None:
    """Progress goes to stderr so that stdout stays the report."""
    print(f"bench-read: {message}", file=sys.stderr, flush=True)

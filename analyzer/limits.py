"""Safety limits that keep hostile archives from exhausting time, memory or trust."""

from __future__ import annotations

from dataclasses import dataclass

GiB = 1 << 30
MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds applied while reading; hitting one is a LimitExceeded error naming the limit."""

    max_total_bytes: int = 256 * GiB
    """Uncompressed bytes over all layers of the archive (decompression bombs)."""
    max_layer_bytes: int = 64 * GiB
    """Uncompressed bytes of a single layer."""
    max_entries: int = 750_000
    """Tar entries over all layers (directories a layer implies count too, an entry whose name
    and link target pass 64 characters counts 1/512 of an entry more per byte they take, and
    one with extended attributes once more per 512 bytes of them); also, separately, the members
    of the outer archive. Every entry stays in memory for the whole scan, about 1.1 KB plus 1.3
    bytes per character of its name: measured, 740,000 entries of 60-character names peak at
    0.9 GB in a scan and 0.8 GB in inspect, 550,000 of 250 characters (the most the default
    admits) at 0.8 and 0.7 GB, so the default keeps scan and inspect inside 1 GiB; ls, whose
    output is written while it is made, and a scan writing an evidence bundle too (550,000
    entries of 250 characters: 0.75 and 0.82 GiB of address space; tests/test_memory_bound.py)."""
    max_header_bytes: int = 1 * MiB
    """One PAX or GNU long-name header."""
    max_json_bytes: int = 16 * MiB
    """One index, manifest or config document."""
    max_artifact_bytes: int = 128 * MiB
    """JSON layers of artifacts (attestations, SBOMs, signatures) read in all, for the secrets
    scan (each is also a document, within `max_json_bytes`): they are held for the whole scan,
    and those past this total are left unread, with a notice."""
    max_config_items: int = 10_000
    """Items in one list or object that an image config or manifest is read into: the config's
    history steps, Env, Labels, ExposedPorts, Volumes, Cmd, Entrypoint, Healthcheck.Test and
    rootfs.diff_ids, and a manifest's layers. Real images hold a few hundred at most; a 16 MiB
    config can hold 4 million empty history steps, each of which would become a record."""
    max_index_depth: int = 8
    """Nesting of image indexes."""
    max_symlink_hops: int = 40
    """Symlinks followed while resolving one path (the Linux kernel's own limit)."""
    max_path_length: int = 4096
    """Characters in one path inside a layer."""
    max_window_bytes: int = 128 * MiB
    """The largest xz dictionary or zstd window one decompressor may hold in memory (zstd's own
    default limit; xz -9 needs 64 MiB, `zstd --long` and `--ultra -22` 128 MiB)."""

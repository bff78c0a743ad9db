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
    """Tar entries over all layers (directories a layer implies count too, and an entry with a
    long name, link target or extended attributes counts once more per 512 bytes of them); also,
    separately, the members of the outer archive. Every entry stays in memory for the whole scan:
    measured at 1 million entries, a read peaks at 0.6 GB of address space, a scan at 0.8 GB and
    a scan writing an evidence bundle at 1.3 GB (about 1.1 KB per entry), so the default keeps a
    scan with its bundle inside 1 GiB."""
    max_header_bytes: int = 1 * MiB
    """One PAX or GNU long-name header."""
    max_json_bytes: int = 16 * MiB
    """One index, manifest or config document."""
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

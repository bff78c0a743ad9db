"""Read legacy `docker save` archives: manifest.json, <id>.json configs, <id>/layer.tar layers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Any

from analyzer.errors import ManifestError, UnsupportedFormat
from analyzer.image.blobs import BlobStore
from analyzer.image.config import expect_object, layer_history, load_json, parse_config
from analyzer.image.model import Image, Layer

_HEX_NAME = re.compile(r"(?:^|/)(?:sha256[:/])?([0-9a-f]{64})(?:\.json|\.tar(?:\.gz|\.zst)?)?$")


def digest_from_name(name: str) -> str:
    """The digest a member's name claims ("" when the name holds none).

    >>> digest_from_name("blobs/sha256/" + "ab" * 32)[:11]
    'sha256:abab'
    >>> digest_from_name("5d1b/layer.tar")
    ''
    """
    match = _HEX_NAME.search(name)
    return f"sha256:{match.group(1)}" if match else ""


def manifest_entries(blobs: BlobStore) -> list[dict[str, Any]]:
    """The entries of manifest.json, checked to be a docker save manifest."""
    doc = load_json(blobs.archive.read_small("manifest.json", "manifest.json"), "manifest.json")
    if not isinstance(doc, list):
        raise ManifestError(
            "manifest.json is not a list of images; it is not a `docker save` manifest "
            "(a single registry manifest cannot be analysed without its blobs)"
        )
    return [expect_object(e, f"manifest.json entry {i}") for i, e in enumerate(doc)]


def repo_tags(entry: dict[str, Any]) -> tuple[str, ...]:
    """The RepoTags of a manifest.json entry (null and missing mean none)."""
    tags = entry.get("RepoTags")
    return tuple(str(t) for t in tags) if isinstance(tags, list) else ()


def tags_by_config(blobs: BlobStore) -> dict[str, tuple[str, ...]]:
    """Map config digest -> RepoTags, for Docker 25+ archives whose manifest.json adds tags."""
    found: dict[str, tuple[str, ...]] = {}
    for entry in manifest_entries(blobs):
        digest = digest_from_name(str(entry.get("Config", "")))
        if digest:
            found[digest] = found.get(digest, ()) + repo_tags(entry)
    return found


def read_legacy(blobs: BlobStore) -> list[Image]:
    """Every image manifest.json lists, configs verified, layers located (not yet read)."""
    images: dict[str, Image] = {}
    windows = 0
    for position, entry in enumerate(manifest_entries(blobs)):
        image = _legacy_image(blobs, entry, position)
        if image is None:
            windows += 1
        elif image.config_digest in images:
            first = images[image.config_digest]
            merged = tuple(dict.fromkeys(first.refs + image.refs))
            images[image.config_digest] = _with_refs(first, merged)
        else:
            images[image.config_digest] = image
    if windows and not images:
        raise UnsupportedFormat(
            f"{blobs.archive.path}: the archive holds only Windows container images; "
            "image-audit analyses Linux images only"
        )
    return list(images.values())


def _with_refs(image: Image, refs: tuple[str, ...]) -> Image:
    return replace(image, refs=refs)


def _legacy_image(blobs: BlobStore, entry: dict[str, Any], position: int) -> Image | None:
    where = f"manifest.json entry {position}"
    config_name = entry.get("Config")
    layer_names = entry.get("Layers")
    if not isinstance(config_name, str) or not isinstance(layer_names, list):
        raise ManifestError(f"{where} lacks a Config name or a Layers list")
    raw = blobs.archive.read_small(config_name, f"config {config_name}")
    actual = f"sha256:{hashlib.sha256(raw).hexdigest()}"
    claimed = digest_from_name(config_name)
    blobs.check(raw, claimed or actual, None, f"config {config_name}")
    config = parse_config(raw, f"config {config_name}")
    if config.platform.os == "windows":
        blobs.notices.append(f"{where}: Windows container image skipped (Linux images only)")
        return None
    if len(config.diff_ids) != len(layer_names):
        raise ManifestError(
            f"{where} lists {len(layer_names)} layers but config {config_name} has "
            f"{len(config.diff_ids)} diff_ids; the image is inconsistent"
        )
    created_by, notice = layer_history(config, len(layer_names))
    if notice:
        blobs.notices.append(f"{where}: {notice}")
    layers = tuple(
        _legacy_layer(blobs, str(name), index=i, diff_id=config.diff_ids[i], created_by=line)
        for i, (name, line) in enumerate(zip(layer_names, created_by, strict=True))
    )
    return Image(
        refs=repo_tags(entry),
        platform=config.platform,
        manifest_digest="",
        config_digest=actual,
        config=config,
        layers=layers,
        source_format="docker-archive",
        config_member=config_name,
        raw_config=raw,
    )


def _legacy_layer(
    blobs: BlobStore, name: str, *, index: int, diff_id: str, created_by: str
) -> Layer:
    member = blobs.archive.resolve(name)
    claimed = digest_from_name(name) if name.startswith("blobs/") else ""
    return Layer(
        index=index,
        digest=claimed,
        media_type="",
        member=member.name,
        size=member.size,
        diff_id=diff_id,
        created_by=created_by,
        digest_known=bool(claimed),
    )

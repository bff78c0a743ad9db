"""Read legacy `docker save` archives: manifest.json, <id>.json configs, <id>/layer.tar layers."""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.errors import ManifestError, UnsupportedFormat
from analyzer.image.algorithms import HEX_LENGTH, content_digest
from analyzer.image.blobs import BlobStore
from analyzer.image.config import LoadedConfig, load_config
from analyzer.image.document import parse_document
from analyzer.image.fields import Fields
from analyzer.image.model import Image, Layer
from analyzer.text import quoted

_HEX_NAME = re.compile(
    r"(?:^|/)(?:(sha256|sha512)[:/])?([0-9a-f]{128}|[0-9a-f]{64})(?:\.json|\.tar(?:\.gz|\.zst)?)?$"
)


def digest_from_name(name: str) -> str:
    """The digest a member's name claims ("" when the name holds none).

    >>> digest_from_name("blobs/sha256/" + "ab" * 32)[:11]
    'sha256:abab'
    >>> digest_from_name("blobs/sha512/" + "ab" * 64)[:11]
    'sha512:abab'
    >>> digest_from_name("5d1b/layer.tar")
    ''
    """
    match = _HEX_NAME.search(name)
    if match is None:
        return ""
    encoded = match.group(2)
    algorithm = match.group(1) or ("sha512" if len(encoded) == 128 else "sha256")
    return f"{algorithm}:{encoded}" if HEX_LENGTH[algorithm] == len(encoded) else ""


def manifest_entries(blobs: BlobStore) -> list[Fields]:
    """The entries of manifest.json, checked to be a docker save manifest."""
    doc = blobs.named_document("manifest.json").value
    if not isinstance(doc, list):
        raise ManifestError(
            "manifest.json is not a list of images; it is not a `docker save` manifest "
            "(a single registry manifest cannot be analysed without its blobs)"
        )
    return [Fields.of(entry, f"manifest.json entry {i}") for i, entry in enumerate(doc)]


def repo_tags(entry: Fields) -> tuple[str, ...]:
    """The RepoTags of a manifest.json entry (null and missing mean none)."""
    return entry.texts("RepoTags")


def tags_by_config(blobs: BlobStore) -> dict[str, tuple[str, ...]]:
    """Map config digest -> RepoTags, for Docker 25+ archives whose manifest.json adds tags."""
    found: dict[str, dict[str, None]] = {}
    for entry in manifest_entries(blobs):
        digest = digest_from_name(entry.text("Config"))
        if digest:
            found.setdefault(digest, {}).update(dict.fromkeys(repo_tags(entry)))
    return {digest: tuple(tags) for digest, tags in found.items()}


def read_legacy(blobs: BlobStore) -> list[Image]:
    """Every image manifest.json lists, configs verified, layers located (not yet read).

    Entries sharing a config are one image with the tags of all of them.
    """
    images: dict[str, Image] = {}
    names: dict[str, dict[str, None]] = {}
    configs: dict[tuple[str, str], LoadedConfig] = {}
    windows = 0
    for entry in manifest_entries(blobs):
        image = _legacy_image(blobs, entry, configs)
        if image is None:
            windows += 1
            continue
        images.setdefault(image.config_digest, image)
        names.setdefault(image.config_digest, {}).update(dict.fromkeys(image.refs))
    if windows and not images:
        raise UnsupportedFormat(
            f"{blobs.archive.path}: the archive holds only Windows container images; "
            "image-audit analyses Linux images only"
        )
    return [replace(image, refs=tuple(names[digest])) for digest, image in images.items()]


def _layer_names(entry: Fields) -> tuple[str, list[str]]:
    config_name, layer_names = entry.data.get("Config"), entry.data.get("Layers")
    if not isinstance(config_name, str) or not isinstance(layer_names, list):
        raise ManifestError(f"{entry.document} lacks a Config name or a Layers list")
    for index, name in enumerate(layer_names):
        if not isinstance(name, str):
            raise entry.wrong(f"Layers[{index}]", "a string", name)
    return config_name, layer_names


def _legacy_config(
    blobs: BlobStore, name: str, where: str, configs: dict[tuple[str, str], LoadedConfig]
) -> LoadedConfig:
    """The config `name`, read, verified against the digest its name claims, parsed: once."""
    member = blobs.member(name, f"{where}: Config")
    claimed = digest_from_name(name)
    found = configs.get((member.name, claimed))
    if found is None:
        what = f"config {quoted(name)}"
        raw = blobs.archive.read_small(member.name, what)
        digest = claimed or content_digest(raw, "sha256")
        blobs.check(raw, digest, None, what)
        document = parse_document(raw, what)
        blobs.notices.extend(document.notices())
        found = configs[member.name, claimed] = load_config(document, digest, blobs.archive.limits)
    return found


def _legacy_image(
    blobs: BlobStore, entry: Fields, configs: dict[tuple[str, str], LoadedConfig]
) -> Image | None:
    where = entry.document
    config_name, layer_names = _layer_names(entry)
    loaded = _legacy_config(blobs, config_name, where, configs)
    if loaded.config.platform.os == "windows":
        blobs.notices.append(f"{where}: Windows container image skipped (Linux images only)")
        return None
    if len(loaded.config.diff_ids) != len(layer_names):
        raise ManifestError(
            f"{where} lists {len(layer_names)} layers but config {quoted(config_name)} has "
            f"{len(loaded.config.diff_ids)} diff_ids; the image is inconsistent"
        )
    if loaded.history_notice:
        blobs.notices.append(f"{where}: {loaded.history_notice}")
    layers = tuple(
        _legacy_layer(
            blobs,
            name,
            where,
            index=i,
            diff_id=loaded.config.diff_ids[i],
            created_by=loaded.created_by[i],
        )
        for i, name in enumerate(layer_names)
    )
    return Image(
        refs=repo_tags(entry),
        platform=loaded.config.platform,
        manifest_digest="",
        config_digest=loaded.digest,
        config=loaded.config,
        layers=layers,
        source_format="docker-archive",
        config_member=config_name,
        raw_config=loaded.raw,
    )


def _legacy_layer(
    blobs: BlobStore, name: str, where: str, *, index: int, diff_id: str, created_by: str
) -> Layer:
    member = blobs.member(name, f"{where}: Layers[{index}]")
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

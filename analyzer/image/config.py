"""Image configs (OCI and Docker): the runtime settings, rootfs.diff_ids and build history."""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.errors import ManifestError
from analyzer.image.algorithms import checked_digest
from analyzer.image.document import Document
from analyzer.image.fields import Fields
from analyzer.image.model import HistoryEntry, ImageConfig, Platform
from analyzer.limits import Limits

_RUNTIME_LISTS = ("Env", "Labels", "ExposedPorts", "Volumes", "Cmd", "Entrypoint")
"""The runtime settings read item by item (bounded by Limits.max_config_items)."""


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """A config blob read, verified and parsed once, with what each image built on it needs
    (a config shared by thousands of images is not parsed, nor its history walked, again)."""

    digest: str
    config: ImageConfig
    created_by: tuple[str, ...]
    """The history line of each diff_id, or "" for each when history and layers disagree."""
    history_notice: str | None
    raw: bytes = field(default=b"", repr=False)


def load_config(document: Document, digest: str, limits: Limits) -> LoadedConfig:
    """Parse a config document and attribute its history to its layers."""
    config = parse_config(document, limits.max_config_items)
    created_by, notice = layer_history(config, len(config.diff_ids))
    return LoadedConfig(digest, config, created_by, notice, document.raw)


def _history(doc: Fields) -> tuple[HistoryEntry, ...]:
    return tuple(
        HistoryEntry(
            created=step.text("created"),
            created_by=step.text("created_by"),
            empty_layer=step.flag("empty_layer"),
            comment=step.text("comment"),
        )
        for step in doc.children("history") or ()
    )


def _runtime(doc: Fields) -> Fields:
    """The runtime settings: `config`, or for old Docker images `container_config`."""
    runtime = doc.child("config")
    if runtime is None or not runtime.data:
        runtime = doc.child("container_config") or runtime
    return runtime or Fields({}, doc.document, "config")


def _diff_ids(doc: Fields, platform: Platform) -> tuple[str, ...]:
    rootfs = doc.child("rootfs")
    if rootfs is None or not isinstance(rootfs.data.get("diff_ids"), list):
        if platform.os == "windows":  # Windows images are skipped later, whatever their shape
            return ()
        raise ManifestError(
            f"{doc.document} has no rootfs.diff_ids list; it is not an image config"
        )
    diff_ids = rootfs.data["diff_ids"]
    for index, value in enumerate(diff_ids):
        if not isinstance(value, str):
            raise rootfs.wrong(f"diff_ids[{index}]", "a digest string", value)
        checked_digest(value, f"{doc.document}: rootfs.diff_ids[{index}]")
    return tuple(diff_ids)


def _bound(doc: Fields, runtime: Fields, limit: int) -> None:
    """Refuse, before any is read, a list or object with more items than real images hold."""
    doc.bound("history", limit)
    for key in _RUNTIME_LISTS:
        runtime.bound(key, limit)
    for parent, key in ((runtime.child("Healthcheck"), "Test"), (doc.child("rootfs"), "diff_ids")):
        if parent is not None:
            parent.bound(key, limit)


def parse_config(document: Document, max_items: int = Limits().max_config_items) -> ImageConfig:
    """Parse an image config (OCI or Docker); only rootfs.diff_ids is required; a list or
    object of more than `max_items` items is a LimitExceeded."""
    doc = Fields.of(document.value, document.what)
    runtime = _runtime(doc)
    _bound(doc, runtime, max_items)
    health = runtime.child("Healthcheck")
    platform = Platform(
        doc.text("os") or "unknown", doc.text("architecture") or "unknown", doc.text("variant")
    )
    return ImageConfig(
        user=runtime.text("User"),
        env=runtime.texts("Env"),
        entrypoint=runtime.texts("Entrypoint", single=True),
        cmd=runtime.texts("Cmd", single=True),
        working_dir=runtime.text("WorkingDir"),
        labels=tuple(sorted(runtime.string_map("Labels").items())),
        exposed_ports=runtime.key_names("ExposedPorts"),
        volumes=runtime.key_names("Volumes"),
        healthcheck=(health.texts("Test", single=True) or None) if health else None,
        created=doc.text("created"),
        author=doc.text("author"),
        diff_ids=_diff_ids(doc, platform),
        history=_history(doc),
        platform=platform,
        os_version=doc.text("os.version"),
    )


def layer_history(config: ImageConfig, layer_count: int) -> tuple[tuple[str, ...], str | None]:
    """The created_by line of each layer, and a notice when history and layers disagree.

    History steps with empty_layer set (ENV, LABEL, ...) produce no layer and are skipped.
    """
    lines = tuple(h.created_by for h in config.history if not h.empty_layer)
    if len(lines) == layer_count:
        return lines, None
    notice = (
        f"the config history lists {len(lines)} layer-producing steps for {layer_count} layers; "
        "layer commands are not attributed"
    )
    return ("",) * layer_count, notice if config.history else None


def history_step_layers(config: ImageConfig, layer_count: int) -> list[int | None]:
    """For each history step, the index of the layer it produced (None for empty-layer steps
    such as ENV or LABEL, and for steps beyond the image's layers)."""
    layers: list[int | None] = []
    count = 0
    for step in config.history:
        layers.append(None if step.empty_layer or count >= layer_count else count)
        count += 0 if step.empty_layer else 1
    return layers

"""Parse JSON documents (index, manifests, image configs) defensively."""

from __future__ import annotations

import json
from typing import Any

from analyzer.errors import ManifestError
from analyzer.image.model import HistoryEntry, ImageConfig, Platform


def load_json(raw: bytes, what: str) -> Any:
    """Decode a JSON document, or raise ManifestError naming it."""
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise ManifestError(f"{what} is not UTF-8 text; expected a JSON document") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(
            f"{what} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            "the archive is corrupt or was edited"
        ) from None


def expect_object(value: Any, what: str) -> dict[str, Any]:
    """Return `value` if it is a JSON object, else raise ManifestError."""
    if not isinstance(value, dict):
        raise ManifestError(f"{what} must be a JSON object, found {type(value).__name__}")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value if v is not None)
    return ()


def _keys(value: Any) -> tuple[str, ...]:
    return tuple(sorted(str(k) for k in value)) if isinstance(value, dict) else ()


def _history(value: Any) -> tuple[HistoryEntry, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        HistoryEntry(
            created=str(item.get("created") or ""),
            created_by=str(item.get("created_by") or ""),
            empty_layer=bool(item.get("empty_layer")),
            comment=str(item.get("comment") or ""),
        )
        for item in value
        if isinstance(item, dict)
    )


def _healthcheck(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, dict):
        return None
    test = _strings(value.get("Test"))
    return test or None


def parse_config(raw: bytes, what: str) -> ImageConfig:
    """Parse an image config (OCI or Docker); only rootfs.diff_ids is required."""
    doc = expect_object(load_json(raw, what), what)
    runtime = doc.get("config") or doc.get("container_config") or {}
    if not isinstance(runtime, dict):
        runtime = {}
    rootfs = doc.get("rootfs")
    if not isinstance(rootfs, dict) or not isinstance(rootfs.get("diff_ids"), list):
        if doc.get("os") != "windows":  # Windows images are skipped later, whatever their shape
            raise ManifestError(f"{what} has no rootfs.diff_ids list; it is not an image config")
        rootfs = {"diff_ids": []}
    labels = runtime.get("Labels") or {}
    return ImageConfig(
        user=str(runtime.get("User") or ""),
        env=_strings(runtime.get("Env")),
        entrypoint=_strings(runtime.get("Entrypoint")),
        cmd=_strings(runtime.get("Cmd")),
        working_dir=str(runtime.get("WorkingDir") or ""),
        labels=tuple(sorted((str(k), str(v)) for k, v in labels.items()))
        if isinstance(labels, dict)
        else (),
        exposed_ports=_keys(runtime.get("ExposedPorts")),
        volumes=_keys(runtime.get("Volumes")),
        healthcheck=_healthcheck(runtime.get("Healthcheck")),
        created=str(doc.get("created") or ""),
        author=str(doc.get("author") or ""),
        diff_ids=tuple(str(d) for d in rootfs["diff_ids"]),
        history=_history(doc.get("history")),
        platform=Platform(
            str(doc.get("os") or "unknown"),
            str(doc.get("architecture") or "unknown"),
            str(doc.get("variant") or ""),
        ),
        os_version=str(doc.get("os.version") or ""),
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

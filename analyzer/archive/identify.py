"""Say what an input is when it is not an image archive: an empty file, a JSON document given on
its own, or whatever libmagic recognises."""

from __future__ import annotations

from pathlib import Path

from analyzer.archive.tarstream import BLOCK
from analyzer.errors import UnsupportedFormat

_SNIFF = 64 * 1024


def not_an_archive(path: Path, head: bytes, wrapper: str) -> Exception:
    """The error for an input that is not an image archive, saying what it is instead
    (`head` is its first bytes, decompressed; `wrapper` names the compression around it)."""
    advice = (
        "expected the output of `docker save`, `podman save` or `skopeo copy` "
        "(a docker-archive or OCI image-layout tar or directory)"
    )
    known = _describe_json(head)
    if not head:
        what = "an empty file"
    elif head == bytes(len(head)):
        what = "an empty tar archive" if len(head) >= BLOCK else "zero bytes"
    elif known:
        what, advice = known
    else:
        what = f"{wrapper}{_describe(head)}"
    return UnsupportedFormat(f"{path}: this is {what}, not an image archive; {advice}")


def _describe(head: bytes) -> str:
    """What libmagic says the data is."""
    import magic  # noqa: PLC0415 (libmagic only loads when needed)

    try:
        return str(magic.from_buffer(head))
    except magic.MagicException:
        return "data of unknown type"


def _describe_json(head: bytes) -> tuple[str, str] | None:
    """Recognise an image JSON document given on its own: (what it is, what to do instead).

    >>> _describe_json(b'{"schemaVersion":2,"manifests":[')[0]
    'an OCI image index (index.json) on its own'
    """
    text = head.lstrip()[:_SNIFF].decode("utf-8", "replace")
    whole = "pass the whole archive (or image-layout directory) it belongs to"
    if text.startswith("[") and '"Config"' in text and '"Layers"' in text:
        return "a `docker save` manifest.json on its own", whole
    if not text.startswith("{"):
        return None
    if '"manifests"' in text:
        return "an OCI image index (index.json) on its own", whole
    if '"layers"' in text and '"config"' in text:
        return "a registry image manifest without its blobs", whole
    if '"rootfs"' in text or '"diff_ids"' in text:
        return "an image config on its own", whole
    return None

"""How an image is named in headings and messages."""

from __future__ import annotations

from collections.abc import Sequence

from analyzer.archive.digest import short


def image_label(refs: Sequence[str], config_digest: str) -> str:
    """An image's first reference, else its short config digest (an image may have no name).

    >>> image_label(["shop:1", "shop:latest"], "sha256:" + "ab" * 32)
    'shop:1'
    >>> image_label([], "sha256:" + "ab" * 32)
    'sha256:abababababab'
    """
    return str(refs[0]) if refs else short(str(config_digest))

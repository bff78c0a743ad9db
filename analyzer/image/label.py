"""How an image is named: in headings and messages, and the parts of a reference."""

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


def split_ref(ref: str) -> tuple[str, str]:
    """An image reference as (name, version): the tag, else the digest, else "".

    >>> split_ref("registry:5000/team/app:1.2")
    ('registry:5000/team/app', '1.2')
    >>> split_ref("app@sha256:ab12")
    ('app', 'sha256:ab12')
    >>> split_ref("registry:5000/app")
    ('registry:5000/app', '')

    The tag starts at the first ":" of the last path component: a tag with a secret redacted
    in it holds one more ("sha256:").

    >>> split_ref("leak/app:ghp_... (40 chars, sha256:db18eaa92aa0f18d)")
    ('leak/app', 'ghp_... (40 chars, sha256:db18eaa92aa0f18d)')
    """
    if "@" in ref:
        name, _, digest = ref.partition("@")
        return name, digest
    colon = ref.find(":", ref.rfind("/") + 1)
    return (ref, "") if colon < 0 else (ref[:colon], ref[colon + 1 :])

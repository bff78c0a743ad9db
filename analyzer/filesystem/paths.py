"""Pure path rules: normalization inside an image root and OCI/Docker whiteout names."""

from __future__ import annotations

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"


def normalize(name: str) -> tuple[str, bool]:
    """Normalize a tar member name to an absolute path; say whether it tried to escape.

    `..` is clamped at the root, as a container runtime would.

    >>> normalize("./etc//passwd")
    ('/etc/passwd', False)
    >>> normalize("../../etc/shadow")
    ('/etc/shadow', True)
    >>> normalize("/abs/x")
    ('/abs/x', True)
    >>> normalize("./"), normalize("/")
    (('/', False), ('/', False))
    """
    if not name.startswith("/"):  # the common case first: "usr/bin/x", "./etc/", no dot parts
        core = (name[2:] if name.startswith("./") else name).rstrip("/")
        wrapped = f"/{core}/"  # "//" when empty
        if "//" not in wrapped and "/./" not in wrapped and "/../" not in wrapped:
            return wrapped[:-1], False
    escaped = name.startswith("/") and name.strip("/") != ""  # a bare "/" is just the root
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            else:
                escaped = True
            continue
        parts.append(part)
    return "/" + "/".join(parts), escaped


def parent(path: str) -> str:
    """The parent directory of an absolute path.

    >>> parent("/etc/passwd"), parent("/etc"), parent("/")
    ('/etc', '/', '/')
    """
    head = path.rsplit("/", 1)[0]
    return head or "/"


def whiteout(path: str) -> tuple[str, str] | None:
    """Classify a whiteout marker: ("opaque", dir), ("whiteout", deleted path), ("aufs", path).

    >>> whiteout("/app/.wh..wh..opq")
    ('opaque', '/app')
    >>> whiteout("/app/.wh.id_rsa")
    ('whiteout', '/app/id_rsa')
    >>> whiteout("/.wh..wh.plnk/123.456")
    ('aufs', '/.wh..wh.plnk/123.456')
    >>> whiteout("/app/id_rsa") is None
    True
    """
    if WHITEOUT_PREFIX not in path:  # nearly every path: one search, no split (0.4 -> 0.1 us)
        return None
    base = path.rsplit("/", 1)[-1]
    if base == OPAQUE_MARKER:
        return ("opaque", parent(path))
    if "/.wh..wh." in path:
        return ("aufs", path)
    if base.startswith(WHITEOUT_PREFIX):
        directory = parent(path)
        target = base[len(WHITEOUT_PREFIX) :]
        return ("whiteout", f"{directory.rstrip('/')}/{target}")
    return None


def is_within(path: str, root: str) -> bool:
    """True when `path` is `root` or below it.

    >>> is_within("/etc/passwd", "/etc"), is_within("/etcetera", "/etc"), is_within("/x", "/")
    (True, False, True)
    """
    return root in ("/", path) or path.startswith(root.rstrip("/") + "/")

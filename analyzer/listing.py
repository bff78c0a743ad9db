"""The documents of `ls`: the final files under a path, what every layer did to them, and
the versions deleted or shadowed but still stored in a layer; every string scrubbed."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

from analyzer.document_scrub import Scrub, scrub_document, scrub_valid_text
from analyzer.filesystem.layered import LayeredFS
from analyzer.filesystem.model import Entry, Removed, Version
from analyzer.filesystem.paths import is_within
from analyzer.inventory.ownership import Origin
from analyzer.reader import ImageView
from analyzer.streamed import Streamed

LsMode = Literal["tree", "history", "deleted"]
Match = Callable[[str, Entry], bool]
"""Does the version of a path (its path, its stored entry) answer `ls --find` / `--sha256`?"""


def entry_document(entry: Entry) -> dict[str, Any]:
    """One entry as JSON-ready data."""
    return {
        "path": entry.path,
        "type": entry.kind.value,
        "mode": f"{entry.mode:04o}",
        "uid": entry.uid,
        "gid": entry.gid,
        "size": entry.size,
        "mtime": entry.mtime,
        "link": entry.link,
        "sha256": entry.sha256,
        "xattrs": sorted(name for name, _ in entry.xattrs),
        "implicit": entry.implicit,
    }


def version_document(path: str, version: Version) -> dict[str, Any]:
    """One history step as JSON-ready data."""
    doc: dict[str, Any] = {
        "path": path,
        "layer": version.layer,
        "change": version.change.value,
    }
    if version.cause:
        doc["cause"] = version.cause
    if version.entry is not None:
        doc["entry"] = entry_document(version.entry)
    return doc


def removed_document(removed: Removed) -> dict[str, Any]:
    """One deleted-or-shadowed version as JSON-ready data."""
    assert removed.version.entry is not None  # removed() yields stored versions only
    return {
        "path": removed.version.entry.path,
        "stored_in_layer": removed.version.layer,
        "how": removed.how,
        "by_layer": removed.by_layer,
        "entry": entry_document(removed.version.entry),
    }


def ls_document(
    view: ImageView,
    path: str,
    mode: LsMode,
    scrub: Scrub,
    origin_of: Callable[[Version], Origin | None] | None = None,
) -> dict[str, Any]:
    """One image's part of the `ls --format json` document: the final files at or below
    `path` (tree), what every layer did to them (history), or their deleted and shadowed
    versions (deleted). `absent` is set when the image never had `path` in that sense.
    With `origin_of`, each history step of a regular file says which package it belongs to
    and whether it is as the package shipped it (`origin`: package, manager, provenance).
    The list (entries, history or removed) is Streamed: made and scrubbed item by item each
    time it is read, never held."""
    fs = view.fs
    doc: dict[str, Any] = dict(
        scrub_document(
            {
                "refs": list(view.image.refs),
                "platform": str(view.image.platform),
                "config_digest": view.image.config_digest,
            },
            scrub,
        )
    )
    # each item is made and scrubbed while it is written (analyzer.streamed): a list of them
    # held every path's document at once (an ls of 450,000 paths went past 1.6 GB)
    if mode == "history":
        doc["history"] = _scrubbed(lambda: _history_steps(fs, path, origin_of), scrub)
        absent = not any(is_within(p, path) for p in fs.all_paths())  # no path, no step
    elif mode == "deleted":
        doc["removed"] = _scrubbed(lambda: _removed_versions(fs, path), scrub)
        absent = False
    else:
        absent = path != "/" and fs.get(path) is None
        doc["entries"] = [] if absent else _scrubbed(lambda: _final_entries(fs, path), scrub)
    if absent:
        doc["absent"] = True
    return doc


def _scrubbed(
    items: Callable[[], Iterable[dict[str, Any]]], scrub: Scrub
) -> Streamed[dict[str, Any]]:
    return Streamed(lambda: (scrub_document(item, scrub) for item in items()))


def find_document(view: ImageView, path: str, match: Match, scrub: Scrub) -> dict[str, Any]:
    """One image's part of `ls --find` / `ls --sha256`: every stored version at or below `path`
    in any layer that `match` accepts, deleted and shadowed ones included, each with what
    became of it (`fate`: "present", or "deleted"/"replaced" in a later layer); `matches` is
    Streamed, as ls_document's list."""
    head = {
        "refs": list(view.image.refs),
        "platform": str(view.image.platform),
        "config_digest": view.image.config_digest,
    }
    doc: dict[str, Any] = dict(scrub_document(head, scrub))
    doc["matches"] = _scrubbed(lambda: _matching_versions(view.fs, path, match), scrub)
    return doc


def _matching_versions(fs: LayeredFS, path: str, match: Match) -> Iterator[dict[str, Any]]:
    for p in fs.all_paths():
        if not is_within(p, path):
            continue
        history = fs.history(p)
        for i, version in enumerate(history):
            if version.entry is None or not match(p, version.entry):
                continue
            step = version_document(p, version)
            later = history[i + 1] if i + 1 < len(history) else None
            if later is None:
                step["fate"] = {"present": True}
            else:
                how = "deleted" if later.entry is None else "replaced"
                step["fate"] = {"present": False, "how": how, "by_layer": later.layer}
            yield step


def name_match(pattern: str) -> Match:
    """`ls --find GLOB`: a GLOB without / matches the base name (as `find -name`), with / the
    whole path (as `find -path`); case-sensitive, fnmatch rules (`*` crosses / in a path).

    >>> name_match("*.pem")("/etc/ssl/a.pem", None), name_match("/etc/*")("/etc/ssl/a.pem", None)
    (True, True)
    >>> name_match("a.PEM")("/etc/ssl/a.pem", None)
    False
    """
    whole = "/" in pattern
    compiled = re.compile(fnmatch.translate(pattern))

    def match(path: str, entry: Entry | None) -> bool:
        return compiled.match(path if whole else path[path.rfind("/") + 1 :]) is not None

    return match


def content_match(sha256_hex: str) -> Match:
    """`ls --sha256 HEX`: regular files (and hard links to them) with exactly that content."""

    digest = bytes.fromhex(sha256_hex)

    def match(path: str, entry: Entry | None) -> bool:
        return entry is not None and entry.digest == digest

    return match


def _final_entries(fs: LayeredFS, path: str) -> Iterator[dict[str, Any]]:
    return (
        dict(entry_document(v.entry), layer=v.layer)
        for v in fs.entries(path)
        if v.entry is not None
    )


def _history_steps(
    fs: LayeredFS, path: str, origin_of: Callable[[Version], Origin | None] | None
) -> Iterator[dict[str, Any]]:
    for p in fs.all_paths():
        if is_within(p, path):
            for version in fs.history(p):
                step = version_document(p, version)
                origin = origin_of(version) if origin_of else None
                if origin is not None:
                    step["origin"] = origin.fields()
                yield step


def _removed_versions(fs: LayeredFS, path: str) -> Iterator[dict[str, Any]]:
    return (
        removed_document(r)
        for r in fs.removed()
        if r.version.entry is not None and is_within(r.version.entry.path, path)
    )


def layer_steps(view: ImageView, scrub: Scrub) -> list[str]:
    """The build step (history line) of each layer, scrubbed: what `ls --history` shows."""
    return [scrub_valid_text(layer.created_by, scrub) for layer in view.image.layers]


def tree_rows(view: ImageView, path: str, doc: dict[str, Any]) -> Iterator[list[object]]:
    """Rows of `ls`: mode, owner, size, layer and path (`-> target` for a symlink, `=> target`
    for a hardlink), the names taken from the scrubbed document `doc`."""
    if doc.get("absent"):
        return
    versions = (v for v in view.fs.entries(path) if v.entry is not None)
    for version, entry in zip(versions, doc["entries"], strict=True):
        assert version.entry is not None  # filtered above
        name = entry["path"]
        if entry["link"]:
            name += f" {'->' if entry['type'] == 'symlink' else '=>'} {entry['link']}"
        owner = f"{entry['uid']}:{entry['gid']}"
        yield [version.entry.mode_string, owner, entry["size"], version.layer, name]

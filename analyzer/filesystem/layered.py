"""Merge layers into one filesystem that remembers, per path, what every layer did to it.

Rules (OCI image-spec "Applying changesets", as Docker and containerd apply them):
- `.wh.<name>` deletes <name> and everything below it from lower layers;
- `.wh..wh..opq` hides every lower-layer child of its directory (the layer's own entries stay);
- an entry whose parent directories are missing gets implicit parent directories;
- a non-directory replacing a directory removes everything below it;
- a directory replacing a non-directory (e.g. a lower `/lib -> usr/lib` symlink) replaces it;
- within one layer a later entry for the same path wins;
- a hardlink takes the content of its target, in this layer or a lower one, and is the same
  file: deleting or replacing one of its names leaves it under the others (`hard_links`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import replace

from analyzer.filesystem.hardlinks import HardLinks
from analyzer.filesystem.model import Change, Entry, EntryKind, LayerListing, Removed, Version
from analyzer.filesystem.notes import Notes
from analyzer.filesystem.paths import is_within, parent

_RESOLVE_WORK = 1 << 18
"""Characters of path one resolution may examine: a real one needs a few hundred, while 40 hops
through 4,000-character link targets bouncing along a deep directory chain would take 0.1 s per
path, and a layer can hold hundreds of thousands of such links."""


class LayeredFS:
    """The final view of an image's filesystem plus the full history of every path."""

    def __init__(self, max_symlink_hops: int = 40) -> None:
        self._final: dict[str, Version] = {}
        self._history: dict[str, list[Version]] = {}
        """Only paths with more than one version: a path that one layer added and nothing
        touched since (most paths) is only in _final, which saves a list per path."""
        self._children: dict[str, set[str]] = {"/": set()}
        self._max_hops = max_symlink_hops
        self._sorted: dict[str, list[str]] = {}
        """paths() and all_paths(), sorted once after the last layer was applied."""
        self._notes = Notes()
        self._repeats: dict[str, tuple[int, int | None]] = {}
        """Paths the layer being applied stores more than once: how many times, and where their
        one notice is among the kept ones (None: past the bound, only counted)."""
        self._links = HardLinks()
        self.layer_count = 0

    @classmethod
    def build(cls, listings: Sequence[LayerListing], max_symlink_hops: int = 40) -> LayeredFS:
        """Apply `listings` in order (lowest layer first)."""
        fs = cls(max_symlink_hops)
        for index, listing in enumerate(listings):
            fs.apply(index, listing)
        return fs

    # -- building ------------------------------------------------------------------------------

    def apply(self, layer: int, listing: LayerListing) -> None:
        """Apply one layer on top of what is there."""
        self.layer_count = max(self.layer_count, layer + 1)
        self._sorted.clear()
        for directory in listing.opaque_dirs:
            for child in sorted(self._children.get(directory, ())):
                self._delete(child, layer, "opaque")
        for path in listing.whiteouts:
            if path in self._final:
                self._delete(path, layer, "whiteout")
        for entry in listing.entries:
            self._add(layer, entry)
        self._note_repeats(layer)

    def _record(self, path: str, version: Version) -> None:
        history = self._history.get(path)
        if history is None:
            only = self._final.get(path)
            if only is None:  # a new path: the common case
                self._final[path] = version
                self._children.setdefault(parent(path), set()).add(path)
                return
            history = [only]
            self._history[path] = history
        if history and history[-1].layer == version.layer and version.entry is not None:
            previous = history.pop()  # the same layer wrote the path again: last one wins
            if previous.entry is not None and not previous.entry.implicit:
                self._count_repeat(path, version.layer)
            if previous.change is Change.ADDED:
                version = replace(version, change=Change.ADDED)
        history.append(version)
        if len(history) == 1:  # a duplicate replaced the path's only version
            del self._history[path]
        if version.entry is None:
            self._final.pop(path, None)
            self._children.get(parent(path), set()).discard(path)
        else:
            self._final[path] = version
            self._children.setdefault(parent(path), set()).add(path)

    def _count_repeat(self, path: str, layer: int) -> None:
        """Count one more entry for `path` in `layer`. Its one notice takes its place among the
        others at the first repeat; the count in it is set once the layer is applied."""
        times, at = self._repeats.get(path, (1, None))
        if times == 1:
            at = self._notes.add(_repeat_notice(path, 2, layer))
        self._repeats[path] = (times + 1, at)

    def _note_repeats(self, layer: int) -> None:
        """Give each notice of a path that `layer` stores more than twice its count."""
        for path, (times, at) in self._repeats.items():
            if times > 2 and at is not None:
                self._notes.items[at] = _repeat_notice(path, times, layer)
        self._repeats.clear()

    def _delete(self, path: str, layer: int, cause: str) -> None:
        """Delete `path` and everything below it, with a stack rather than recursion: a path
        may be 2,000 directories deep."""
        pending = [path]
        while pending:
            current = pending.pop()
            pending.extend(sorted(self._children.pop(current, ()), reverse=True))
            if current in self._final:
                self._record(current, Version(layer, Change.DELETED, None, cause))

    def _ensure_parents(self, layer: int, entry: Entry) -> None:
        """Give `entry` implicit parent directories where the final view lacks them. Every
        ancestor of a path in the final view is a directory there, so the search walks up only
        to the nearest existing directory (usually the parent: one lookup)."""
        missing: list[tuple[str, Version | None]] = []
        directory = parent(entry.path)
        while directory != "/":
            current = self._final.get(directory)
            if current is not None and current.entry and current.entry.kind is EntryKind.DIR:
                break
            missing.append((directory, current))
            directory = parent(directory)
        for directory, current in reversed(missing):  # outermost first
            change = Change.ADDED if current is None else Change.MODIFIED
            implicit = Entry(directory, EntryKind.DIR, 0o755, 0, 0, 0, entry.mtime, implicit=True)
            self._record(directory, Version(layer, change, implicit))

    def _add(self, layer: int, entry: Entry) -> None:
        self._ensure_parents(layer, entry)
        if entry.kind is EntryKind.HARDLINK:
            entry = self._resolve_hardlink(layer, entry)
        current = self._final.get(entry.path)
        if current is None or current.entry is None:
            self._record(entry.path, Version(layer, Change.ADDED, entry))
            return
        if current.entry.kind is EntryKind.DIR and entry.kind is not EntryKind.DIR:
            for child in sorted(self._children.pop(entry.path, ())):
                self._delete(child, layer, "replaced")
        change = Change.ADDED if current.layer == layer else Change.MODIFIED
        self._record(entry.path, Version(layer, change, entry))

    def _resolve_hardlink(self, layer: int, entry: Entry) -> Entry:
        target = self._final.get(entry.link)
        if target is None or target.entry is None:
            self._notes.add(f"hardlink {entry.path} points to missing {entry.link}")
            return entry
        source = target.entry
        if source.kind not in (EntryKind.FILE, EntryKind.HARDLINK):
            self._notes.add(f"hardlink {entry.path} points to a {source.kind.value}")
            return entry
        self._links.add((layer, entry.path), (target.layer, entry.link))
        return replace(entry, digest=source.digest, size=source.size)

    # -- reading -------------------------------------------------------------------------------

    @property
    def notices(self) -> list[str]:
        """What merging the layers noticed (duplicates, dangling hardlinks), bounded."""
        return list(self._notes.final())

    def get(self, path: str) -> Entry | None:
        """The final entry at `path` (symlinks not followed), or None."""
        version = self._final.get(path)
        return version.entry if version else None

    def final_version(self, path: str) -> Version | None:
        """The version of `path` that is visible in the final filesystem."""
        return self._final.get(path)

    def history(self, path: str) -> tuple[Version, ...]:
        """Every change any layer made to `path`, lowest layer first."""
        history = self._history.get(path)
        if history is not None:
            return tuple(history)
        only = self._final.get(path)
        return (only,) if only is not None else ()

    def hard_links(self, layer: int, path: str, digest: bytes) -> list[tuple[str, Version]]:
        """The other names of the file `layer` stored at `path` with content `digest`: the
        version of each other path that a hard link made the same file, sorted by path. Each
        name's later fate (deleted, replaced, still final) is in its history."""
        names = []
        for name_layer, name in self._links.names((layer, path)):
            version = self._stored(name_layer, name) if name != path else None
            # the digest tells the linked file from a later one the same layer stored there
            if version is not None and version.entry is not None and version.entry.digest == digest:
                names.append((name, version))
        return sorted(names, key=lambda named: named[0])

    def _stored(self, layer: int, path: str) -> Version | None:
        """The version of `path` that `layer` stored (its last entry there), or None."""
        for version in reversed(self.history(path)):
            if version.layer == layer and version.entry is not None:
                return version
        return None

    def histories(self) -> Iterator[tuple[str, Sequence[Version]]]:
        """Every path any layer ever held, with its versions (lowest layer first), in no
        particular order: for a detector that looks at every path and sorts what it finds."""
        history = self._history
        for path, version in self._final.items():
            if path not in history:
                yield path, (version,)
        yield from history.items()

    def paths(self) -> list[str]:
        """Every path in the final filesystem, sorted."""
        if "final" not in self._sorted:
            self._sorted["final"] = sorted(self._final)
        return list(self._sorted["final"])

    def all_paths(self) -> list[str]:
        """Every path any layer ever held, sorted."""
        if "all" not in self._sorted:
            # no set of every path on the way (40 MB for 550,000 paths): the paths a layer
            # deleted are the only ones to add to the final ones
            every = list(self._final)
            every += (path for path in self._history if path not in self._final)
            every.sort()
            self._sorted["all"] = every
        return list(self._sorted["all"])

    def entries(self, under: str = "/") -> Iterator[Version]:
        """Final versions of every path at or below `under`, sorted by path."""
        for path in self.paths():
            if is_within(path, under):
                yield self._final[path]

    def listdir(self, path: str) -> list[str]:
        """Names directly inside directory `path` in the final filesystem."""
        return sorted(child.rsplit("/", 1)[-1] for child in self._children.get(path, ()))

    def removed(self, *, include_dirs: bool = False) -> Iterator[Removed]:
        """Every version hidden from the final filesystem but still stored in its layer.

        Directories hold no content of their own, so their versions are left out unless asked.
        """
        for path in sorted(self._history):  # a path with one version has nothing removed
            history = self._history[path]
            for position, version in enumerate(history[:-1]):
                entry = version.entry
                if entry is None or entry.implicit:
                    continue
                if entry.kind is EntryKind.DIR and not include_dirs:
                    continue
                after = history[position + 1]
                how = "deleted" if after.entry is None else "shadowed"
                yield Removed(version, after.layer, how)

    def resolve(self, path: str, *, follow_last: bool = True) -> str | None:
        """Resolve symlinks in `path` inside the image root; None on a loop, too many hops, or
        a resolution that would examine more than _RESOLVE_WORK characters of paths.

        Absolute link targets start again at the image root and `..` never climbs above it, so
        resolution can never leave the image.
        """
        pending = deque(part for part in path.split("/") if part)
        resolved = "/"
        hops = work = 0
        while pending:
            name = pending.popleft()
            if name in (".", ""):
                continue
            work += len(resolved) + len(name)  # each step copies and hashes the path so far
            if work > _RESOLVE_WORK:
                return None
            if name == "..":
                resolved = parent(resolved)
                continue
            candidate = f"{resolved.rstrip('/')}/{name}"
            entry = self.get(candidate)
            if entry is not None and entry.kind is EntryKind.SYMLINK and (pending or follow_last):
                hops += 1
                if hops > self._max_hops:
                    return None
                target = entry.link
                if target.startswith("/"):
                    resolved = "/"
                pending.extendleft(reversed([p for p in target.split("/") if p]))
                continue
            resolved = candidate
        return resolved


def _repeat_notice(path: str, times: int, layer: int) -> str:
    """The notice for a path one layer stores `times` times.

    >>> _repeat_notice("/a", 3, 0)
    '/a appears 3 times in layer 0; the last entry wins'
    """
    count = "twice" if times == 2 else f"{times} times"
    return f"{path} appears {count} in layer {layer}; the last entry wins"

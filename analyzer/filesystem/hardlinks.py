"""Which stored versions are names of one file: the hard links layers made, across layers.

A hard link in a layer's tar names its target path, in the same layer (earlier in the tar) or in
a lower one, and shares that file's content: deleting or replacing one name leaves the file in
place under its other names. A version is known by (layer, path).
"""

from __future__ import annotations

Key = tuple[int, str]
"""(layer, path) of a stored version."""


class HardLinks:
    """Every hard link the layers made, and the regular file each one names."""

    def __init__(self) -> None:
        self._file_of: dict[Key, Key] = {}
        """A hard link's version -> the regular file's version whose content it shares (a link
        to a link names the first link's file)."""
        self._names: dict[Key, list[Key]] | None = None
        """The reverse, built on the first question: most images are never asked."""

    def add(self, link: Key, target: Key) -> None:
        """Record that the hard link stored as `link` names the file stored as `target`."""
        self._file_of[link] = self._file_of.get(target, target)
        self._names = None

    def names(self, key: Key) -> list[Key]:
        """Every version that names the same file as `key` (the regular file first, then its
        hard links, `key` among them); [key] alone for a file nothing links to.

        >>> links = HardLinks()
        >>> links.add((0, "/b"), (0, "/a")); links.add((1, "/c"), (0, "/b"))
        >>> links.names((1, "/c"))
        [(0, '/a'), (0, '/b'), (1, '/c')]
        """
        if self._names is None:
            self._names = {}
            for link, file in self._file_of.items():
                self._names.setdefault(file, []).append(link)
        file = self._file_of.get(key, key)
        # a path the same layer linked twice names the file of its last entry only
        return [file, *(link for link in self._names.get(file, ()) if self._file_of[link] == file)]

"""Scan every regular file of every layer for secrets while the layer streams past.

Each file's bytes (up to a size limit) are collected, examined once, then dropped: only redacted
hits are kept. Identical content (same sha256, same name) is examined once and the result
reused wherever it appears. Binary files are not line-scanned; libmagic tells which binary files
are keys or keystores.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TypeAlias

from analyzer.filesystem.content import PendingFile
from analyzer.inventory.ownership import extra_digests
from analyzer.secrets.assignments import shared_settings
from analyzer.secrets.binarykeys import key_material
from analyzer.secrets.engine import RawSecret, SecretEngine
from analyzer.secrets.kinds import rule_for
from analyzer.secrets.members import Unread, is_archive, members
from analyzer.secrets.pool import ExaminerPool
from analyzer.secrets.redact import Redacted, redact
from analyzer.secrets.structure import StructuralHit, is_placeholder, structural_hits
from analyzer.secrets.structure_formats import is_text_data
from analyzer.text import quoted

DEFAULT_MAX_FILE_BYTES = 10 << 20
PARALLEL_AFTER = 8 << 20
"""Bytes examined in the reading process before worker processes are used at all."""


@dataclass(frozen=True, slots=True)
class SecretHit:
    """One secret in one file, already redacted."""

    kind: str
    """A detect-secrets secret type ("AWS Access Key") or a structural kind ("netrc")."""
    line: int
    """1-based line (0 when the whole file is the finding)."""
    redacted: Redacted
    detail: str
    low_confidence: bool = False
    """A keyword hit whose value reads like prose ("A challenge password"): lowered, not dropped."""
    hex_table: bool = False
    """A value of hexadecimal digits glued to more of them on its line: a row of a hex table
    holding a token's shape (see `in_hex_run`); lowered, not dropped."""
    member: str = ""
    """Where in an archive file the value is (`in member 'a.env' (line 2)`); "" in the file."""


@dataclass
class SinkStats:
    """What the sink saw, for notices and benchmarks."""

    files: int = 0
    bytes: int = 0
    examined: int = 0
    reused: int = 0
    binary: int = 0
    placeholders: int = 0
    """detect-secrets hits dropped as placeholders or documented example values."""
    oversized: list[tuple[str, str, int]] = field(default_factory=list)
    members: int = 0
    """Members of archive files examined."""
    unread_members: int = 0
    unread_archives: list[str] = field(default_factory=list)
    """The first archive files whose members were not all examined, with the reason."""
    nested_archives: int = 0
    nested_named: list[str] = field(default_factory=list)
    """The first archive files holding archives that were not opened (one level deep)."""


class _Buffer:
    def __init__(self, sink: SecretSink, where: Where) -> None:
        self._sink = sink
        self._where = where
        self._parts: list[bytes | memoryview] = []

    def feed(self, chunk: bytes | memoryview) -> None:
        self._parts.append(chunk)  # one copy, by the join in close()

    def close(self, sha256: str) -> None:
        self._sink.finish(self._where, b"".join(self._parts), sha256)


class _Reserved:
    """A file written straight into the worker pool's shared memory as it streams (no copy of
    it is kept here); one larger than its tar header said is collected here instead."""

    def __init__(self, sink: SecretSink, where: Where, pool: ExaminerPool, place: tuple[int, int]):
        self._sink = sink
        self._where = where
        self._pool = pool
        self._start, size = place
        self._end = self._start
        self._limit = self._start + size
        self._overflow: _Buffer | None = None

    def feed(self, chunk: memoryview) -> None:
        if self._overflow is None and self._end + len(chunk) > self._limit:
            self._overflow = _Buffer(self._sink, self._where)
            self._overflow.feed(self._pool.read(self._start, self._end - self._start))
            self._pool.release(self._start)
        if self._overflow is not None:
            self._overflow.feed(chunk)
            return
        self._pool.write(self._end, chunk)
        self._end += len(chunk)

    def close(self, sha256: str) -> None:
        if self._overflow is not None:
            self._overflow.close(sha256)
        else:
            self._sink.finish_reserved(self._where, (self._start, self._end - self._start), sha256)


def prose_like(kind: str, value: str) -> bool:
    """True for a keyword hit whose value is words and spaces, like a comment or a prompt.

    >>> prose_like("Secret Keyword", "A challenge password"), prose_like("Secret Keyword", "x9#Lp")
    (True, False)
    """
    return (
        kind == "Secret Keyword"
        and " " in value.strip()
        and all(word.isalpha() for word in value.split())
    )


_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


def in_hex_run(data: bytes, line: int, value: str) -> bool:
    """True when `value` is hexadecimal digits only and every place it occurs on its (1-based)
    line is glued to more hexadecimal digits: a piece of a hex table, not a token. Tcl's
    encoding tables are rows of 64 hex digits, where "ACCA" + 16 hex digits has the shape of an
    AWS key id and "AC" + 32 digits that of a Twilio SID; a token in a file stands apart.

    >>> row = b"# cp949\\n0000CAA8CAA9CAAACAABCAACCAADCAAECAAFCAB0CAB1CAB2\\n"
    >>> in_hex_run(row, 2, "ACCAADCAAECAAFCAB0CAB1")
    True
    >>> in_hex_run(b"TWILIO_SID=AC0081008200830084\\n", 1, "AC0081008200830084")
    False
    """
    needle = value.encode("utf-8", "surrogateescape")
    if not needle or not _HEX_DIGITS.issuperset(needle) or line < 1:
        return False
    parts = data.split(b"\n", line)
    if len(parts) < line:
        return False
    text = parts[line - 1]
    start, found = text.find(needle), False
    while start >= 0:
        end = start + len(needle)
        glued = (start > 0 and text[start - 1] in _HEX_DIGITS) or (
            end < len(text) and text[end] in _HEX_DIGITS
        )
        if not glued:
            return False
        found, start = True, text.find(needle, start + 1)
    return found


def merge_same_value(hits: list[SecretHit]) -> tuple[SecretHit, ...]:
    """One hit per secret value in a file: the most severe (structural first on a tie); the
    other detectors that saw the same value are named in its detail, and so are the other
    archive members it is in (`in member 'b.env' (line 2)`), never the kept hit's own."""
    best: dict[str, SecretHit] = {}
    others: dict[str, list[SecretHit]] = {}
    for hit in hits:  # structural hits come first, so they win ties
        key = hit.redacted.sha256
        current = best.get(key)
        if current is None:
            best[key] = hit
            others[key] = []
        elif rule_for(hit.kind).severity.rank > rule_for(current.kind).severity.rank:
            others[key].append(current)
            best[key] = hit
        else:
            others[key].append(hit)
    return tuple(_also(hit, others[k]) for k, hit in best.items())


def _also(kept: SecretHit, others: list[SecretHit]) -> SecretHit:
    kinds = list(dict.fromkeys(o.kind for o in others if o.kind != kept.kind))
    places = list(dict.fromkeys(o.member for o in others if o.member and o.member != kept.member))
    detail = kept.detail + (f" (also: {', '.join(kinds)})" if kinds else "")
    detail += "".join(f"; also {place}" for place in places)
    return replace(kept, detail=detail) if detail != kept.detail else kept


@dataclass
class Counts:
    """What examining some files found, beyond hits (merged across worker processes)."""

    examined: int = 0
    binary: int = 0
    placeholders: int = 0
    members: int = 0
    """Members of archive files examined (see analyzer.secrets.members)."""
    unread_members: int = 0
    unread_archives: list[str] = field(default_factory=list)
    """The first archive files whose members were not all examined, each with the reason."""
    nested_archives: int = 0
    """Members that are archives themselves, examined as stored, not opened."""
    nested_named: list[str] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        """Add another batch's counts."""
        self.examined += other.examined
        self.binary += other.binary
        self.placeholders += other.placeholders
        add_members(self, other)


def add_members(into: Counts | SinkStats, other: Counts) -> None:
    """Add the archive-member counts of `other` (a batch's) to a total."""
    into.members += other.members
    into.unread_members += other.unread_members
    keep_named(into.unread_archives, other.unread_archives)
    into.nested_archives += other.nested_archives
    keep_named(into.nested_named, other.nested_named)


Found: TypeAlias = "list[tuple[int, tuple[SecretHit, ...], dict[str, bytes]]]"
"""(place among the files examined, hits, extra digests) of each file with hits."""


_KEYSTORE_KINDS = frozenset({"keystore", "keystore-default-password", "encrypted-keystore"})
"""Structural verdicts on a key store: when one is given, libmagic's name for the file adds
nothing (and a trust store, which gets none, is judged by the structural reader alone)."""


class Examiner:
    """Examine one file's bytes for secrets (in this process or in a worker)."""

    def __init__(self, engine: SecretEngine) -> None:
        self.engine = engine

    def examine_with_digests(
        self, path: str, data: bytes
    ) -> tuple[tuple[SecretHit, ...], Counts, dict[str, bytes]]:
        """`examine`, plus the file's MD5 and SHA-1 when it has hits: package databases record
        those digests, and a hit in a file its package shipped unmodified is vendor content.
        Files without hits (nearly all) cost nothing more."""
        hits, counts = self.examine(path, data)
        return hits, counts, extra_digests(data) if hits else {}

    def examine_all(self, files: Iterable[tuple[str, bytes]]) -> tuple[Counts, Found]:
        """`examine_with_digests` on each (path, bytes): the counts summed, and (place,
        hits, extra digests) of the files with hits."""
        total = Counts()
        found: Found = []
        for at, (path, data) in enumerate(files):
            hits, counts, digests = self.examine_with_digests(path, data)
            total.add(counts)
            if hits:
                found.append((at, hits, digests))
        return total, found

    def examine(self, path: str, data: bytes) -> tuple[tuple[SecretHit, ...], Counts]:
        """All hits in one file: detect-secrets on text, libmagic on binaries, structure on
        both; and in the members of an archive file (one level deep), whose hits name the
        member."""
        hits, counts = self._examine_file(path, data)
        if is_archive(path, data):
            # a member's hit first: on a tie (a plain tar holds its members' text) it names
            # the member and its own line
            hits = merge_same_value([*self._members(path, data, counts), *hits])
        return hits, counts

    def _members(self, path: str, data: bytes, counts: Counts) -> tuple[SecretHit, ...]:
        found: list[SecretHit] = []
        unread = Unread()
        for name, content in members(path, data, unread):
            inner, _ = self._examine_file(f"{path}!/{name}", content)
            counts.members += 1
            for h in inner:
                at = f"in member {quoted(name, 200)}{_line(h.line)}"
                found.append(replace(h, line=0, detail=f"{at}: {h.detail}", member=at))
        if unread.members:
            counts.unread_members += unread.members
            counts.unread_archives.append(f"{quoted(path, 200)}: {unread.why}")
        if unread.nested:
            counts.nested_archives += unread.nested
            counts.nested_named.append(f"{quoted(path, 200)} ({quoted(unread.first_nested, 100)})")
        return tuple(found)

    def _examine_file(self, path: str, data: bytes) -> tuple[tuple[SecretHit, ...], Counts]:
        counts = Counts(examined=1)
        found: list[SecretHit] = []
        data = utf16_as_utf8(data) or data
        is_text = is_text_data(data)
        shapes = structural_hits(path, data, is_text)
        kinds = {h.kind for h in shapes}
        if not is_text:
            counts.binary = 1
            if not kinds & _KEYSTORE_KINDS:  # the structural hit says more than libmagic's name
                found += _binary_key(data)
        else:
            raw = self.engine.scan(path, data)
            kept = [s for s in raw if not is_placeholder(s.value)]  # documentation values too
            counts.placeholders = len(raw) - len(kept)
            if any(s.type == _KEYWORD for s in kept):  # `passwd: files`: a setting, no secret
                settings = shared_settings(path, data)
                kept = [s for s in kept if s.type != _KEYWORD or s.value not in settings]
            if kinds & _KEY_FILE_KINDS:  # the structural hit says more than "BEGIN ... KEY"
                kept = [s for s in kept if s.type != "Private Key"]
            kept = [s for s in kept if not _holds_structural_value(s, shapes)]
            found += [
                SecretHit(
                    s.type,
                    s.line,
                    redact(s.token or s.value),
                    s.type,
                    prose_like(s.type, s.value),
                    in_hex_run(data, s.line, s.token or s.value),
                )
                for s in kept
            ]
        structural = [SecretHit(h.kind, h.line, redact(h.value), h.detail) for h in shapes]
        return merge_same_value(structural + found), counts


def utf16_as_utf8(data: bytes) -> bytes | None:
    """A UTF-16 text (as Windows tools and PowerShell write them: a byte-order mark first)
    re-encoded as UTF-8, so that it is read as the text it is rather than as binary; None
    for anything else (no mark, not valid UTF-16, or NULs in the text: UTF-32 or binary).

    >>> utf16_as_utf8("TOKEN=abc\\n".encode("utf-16"))
    b'TOKEN=abc\\n'
    >>> utf16_as_utf8(b"\\xff\\xfe\\x00\\x00T\\x00\\x00\\x00") is None  # UTF-32
    True
    """
    if data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        return None
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    return text.encode("utf-8")


NAMED_UNREAD = 5
"""Archive files whose unread members a scan names (the rest are counted)."""


def keep_named(named: list[str], more: list[str]) -> None:
    """Add `more` archive names to `named`, up to NAMED_UNREAD in all."""
    named += more[: max(NAMED_UNREAD - len(named), 0)]


def _line(number: int) -> str:
    return f" (line {number})" if number else ""


_KEYWORD = "Secret Keyword"
"""detect-secrets' keyword plugin: a secret-sounding name and a value, whatever the value."""
_KEY_FILE_KINDS = frozenset({"private-key", "ssh-host-key", "gcp-service-account"})
"""Structural kinds that name the key detect-secrets' PrivateKeyDetector sees as a marker."""


def _holds_structural_value(secret: RawSecret, shapes: list[StructuralHit]) -> bool:
    """True when a detect-secrets hit is a structural hit's value with more around it on the
    same line (the entropy plugin takes `_authToken=<token>` whole): one finding per value.

    >>> raw = RawSecret("Base64 High Entropy String", 1, "_authToken=npm_Ab12Cd34Ef56")
    >>> _holds_structural_value(raw, [StructuralHit("npmrc-token", 1, "npm_Ab12Cd34Ef56", "")])
    True
    """
    value = secret.token or secret.value
    return any(
        h.line == secret.line and len(h.value) >= 8 and h.value in value and h.value != value
        for h in shapes
    )


def _binary_key(data: bytes) -> list[SecretHit]:
    description = key_material(data)
    if description is None:
        return []
    marker = f"{description[:40]}:{len(data)}"
    return [SecretHit("keystore", 0, redact(marker), f"binary key material ({description})")]


_NO_HITS: tuple[tuple[SecretHit, ...], dict[str, bytes]] = ((), {})
"""A file without hits: no hits, no extra digests (never written to)."""

CacheKey = tuple[str, str, bool]
Where = tuple[str, str, int]
"""(layer key, path, occurrence): a layer may hold the same path more than once (the last
one wins in the filesystem, the earlier ones are still in the tar), counted from 0 in tar
order over the layer's regular files."""


class SecretSink:
    """A content sink: every regular file in, redacted hits per (layer, path) out.

    Files are examined inline until PARALLEL_AFTER bytes have been seen (unless the pool's
    workers are ready at once, see pool.py); after that they go to the pool of `workers` - 1
    worker processes (this process counts as one) unless every worker is busy, in which case
    this process examines the file itself. Small images start fast, large ones use every core.
    `complete()` collects the workers' results; call it before reading `hits`.
    """

    def __init__(
        self,
        engine: SecretEngine,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        workers: int = 1,
    ) -> None:
        self.examiner = Examiner(engine)
        self.max_file_bytes = max_file_bytes
        self.hits: dict[Where, tuple[SecretHit, ...]] = {}
        self.digests: dict[bytes, dict[str, bytes]] = {}
        """MD5 and SHA-1 of every file with hits, by raw sha256 (for package provenance)."""
        self._occurrences: dict[tuple[str, str], int] = {}
        self.stats = SinkStats()
        self._seen: dict[CacheKey, tuple[SecretHit, ...]] = {}
        self._pending: dict[CacheKey, list[Where]] = {}
        # made last: forked workers inherit this examiner (see pool.py)
        self._pool = ExaminerPool(workers - 1, self.examiner) if workers > 1 else None

    def open(self, layer_digest: str, entry: PendingFile) -> _Buffer | _Reserved | None:
        """Every non-empty regular file up to the size limit."""
        place = (layer_digest, entry.path)
        occurrence = self._occurrences.get(place, 0)
        self._occurrences[place] = occurrence + 1
        if entry.size > self.max_file_bytes:
            self.stats.oversized.append((layer_digest, entry.path, entry.size))
            return None
        if not entry.size:
            return None
        where = (layer_digest, entry.path, occurrence)
        if self._pool is not None and self._pooling():
            offset = self._pool.reserve(entry.size)
            if offset is not None:
                return _Reserved(self, where, self._pool, (offset, entry.size))
        return _Buffer(self, where)

    def finish(self, where: Where, data: bytes, sha256: str) -> None:
        """Examine one complete file (or reuse the verdict on identical content)."""
        key = self._seen_key(where, len(data), sha256)
        if key is None:
            return
        path = where[1]
        if self._pool is not None and self._pooling() and not self._pool.busy():
            self._pending[key] = [where]
            self._pool.submit(key, path, data)
        else:
            self._examine(key, where, data)

    def finish_reserved(self, where: Where, place: tuple[int, int], sha256: str) -> None:
        """`finish` for a file written to the pool's shared memory: queued from there for a
        worker, unless identical content is known already."""
        assert self._pool is not None  # only the pool reserves places
        offset, length = place
        key = self._seen_key(where, length, sha256)
        if key is None:
            self._pool.release(offset)
            return
        self._pending[key] = [where]
        self._pool.submit_reserved(key, where[1], offset, length)

    def _seen_key(self, where: Where, size: int, sha256: str) -> CacheKey | None:
        """Count one complete file; its cache key, or None when identical content was seen
        (examined or queued) already: then its verdict is reused."""
        path = where[1]
        self.stats.files += 1
        self.stats.bytes += size
        name = path[path.rfind("/") + 1 :]
        key = (sha256, name, "swagger" in path.lower())  # what detect-secrets' verdict depends on
        if key in self._seen or key in self._pending:
            self.stats.reused += 1
            self._record(key, where)
            return None
        return key

    def _examine(self, key: CacheKey, where: Where, data: bytes) -> None:
        hits, counts, digests = self.examiner.examine_with_digests(where[1], data)
        self._counts(counts)
        self._file(key, hits, digests)
        self._record(key, where)

    def _pooling(self) -> bool:
        """Whether files go to the pool yet: a pool that must start its workers first (not
        forked) pays off only once the image is seen to be big."""
        assert self._pool is not None
        return self._pool.ready or self.stats.bytes > PARALLEL_AFTER

    def _file(self, key: CacheKey, hits: tuple[SecretHit, ...], digests: dict[str, bytes]) -> None:
        """File one examined file's result (hits, extra digests)."""
        self._seen[key] = hits
        if digests:
            self.digests[bytes.fromhex(key[0])] = digests

    def _record(self, key: CacheKey, where: Where) -> None:
        if key in self._pending:
            self._pending[key].append(where)
        elif self._seen[key]:
            self.hits[where] = self._seen[key]

    def _counts(self, counts: Counts) -> None:
        self.stats.examined += counts.examined
        self.stats.binary += counts.binary
        self.stats.placeholders += counts.placeholders
        add_members(self.stats, counts)

    @property
    def waiting(self) -> int:
        """Files handed to worker processes whose results are not in yet (what the scan waits
        for after the read: its progress line says so)."""
        return len(self._pending)

    def complete(self) -> None:
        """Wait for the worker processes and file their results (idempotent)."""
        if self._pool is None:
            return
        for keys, counts, found in self._pool.results():
            self._counts(counts)
            with_hits = {at: (hits, digests) for at, hits, digests in found}
            for at, key in enumerate(keys):
                hits, digests = with_hits.get(at, _NO_HITS)
                self._file(key, hits, digests)
                wheres = self._pending.pop(key, [])
                if hits:
                    for where in wheres:
                        self.hits[where] = hits

    def close(self) -> None:
        """Stop the worker processes, if any."""
        if self._pool is not None:
            self._pool.close()

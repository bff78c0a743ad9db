"""Extra digests during the single pass: MD5 and SHA-1 only of the files that ask for them."""

from __future__ import annotations

import hashlib

from analyzer.detectors.base import ContentWants, Want
from analyzer.detectors.content import DIGESTS, ContentStore
from analyzer.detectors.wants import DigestWants, WantMatcher
from analyzer.filesystem.content import PendingFile

WANTS = [
    ContentWants(paths=frozenset({"/etc/passwd"}), program_heads=True),
    DigestWants(
        digest_read_prefixes=("/etc/",),
        digest_prefixes=("/srv/",),
        digest_setid=True,
        digest_paths=frozenset({"/x"}),
    ),
]


def test_digests_are_wanted_for_read_etc_files_setid_files_and_named_paths_only() -> None:
    want = WantMatcher(WANTS)
    assert want(PendingFile("/etc/passwd", 10, 0o644)) == Want.FULL | DIGESTS
    assert want(PendingFile("/etc/motd", 10, 0o644)) == Want.NOTHING  # nobody reads it
    assert want(PendingFile("/srv/data", 10, 0o644)) == DIGESTS
    assert want(PendingFile("/usr/bin/su", 10, 0o4755)) == Want.HEAD | DIGESTS
    assert want(PendingFile("/usr/bin/wall", 10, 0o2755)) == Want.HEAD | DIGESTS
    assert want(PendingFile("/usr/bin/ls", 10, 0o755)) == Want.HEAD
    assert want(PendingFile("/x", 10, 0o644)) == DIGESTS
    assert want(PendingFile("/usr/share/doc/x", 10, 0o644)) == Want.NOTHING


def test_without_digest_wants_nothing_asks_for_digests() -> None:
    want = WantMatcher(WANTS[:1])
    assert want(PendingFile("/usr/bin/su", 10, 0o4755)) == Want.HEAD
    assert want(PendingFile("/srv/data", 10, 0o644)) == Want.NOTHING


def feed(store: ContentStore, path: str, data: bytes, mode: int = 0o644) -> None:
    consumer = store.open("layer", PendingFile(path, len(data), mode))
    if consumer is not None:
        for start in range(0, len(data), 7):
            consumer.feed(data[start : start + 7])
        consumer.close(hashlib.sha256(data).hexdigest())


def test_the_store_keeps_digests_by_sha256_and_bytes_only_where_content_was_wanted() -> None:
    store = ContentStore(WantMatcher(WANTS))
    motd, passwd, readme = b"welcome to the shop\n", b"root:x:0:0::/root:/bin/sh\n", b"hi\n"
    for path, data in (("/srv/motd", motd), ("/etc/passwd", passwd), ("/usr/README", readme)):
        feed(store, path, data)
    assert store.get("layer", "/srv/motd") is None  # digests only
    assert store.get("layer", "/etc/passwd") == passwd
    for data in (motd, passwd):
        assert store.digests[hashlib.sha256(data).digest()] == {
            "md5": hashlib.md5(data).digest(),
            "sha1": hashlib.sha1(data).digest(),
        }
    assert hashlib.sha256(readme).digest() not in store.digests

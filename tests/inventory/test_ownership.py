"""The provenance verdict on one file version: unmodified, modified, not verified, unowned."""

from __future__ import annotations

import hashlib

from analyzer.inventory.ownership import (
    FileIndex,
    Owner,
    Provenance,
    RecordedFile,
    extra_digests,
)

BASH = Owner("bash", "dpkg")
SHIPPED, EDITED = b"#!/bin/sh\necho shipped\n", b"#!/bin/sh\necho edited\n"


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def md5_index(path: str = "/usr/bin/tool", data: bytes = SHIPPED) -> FileIndex:
    index = FileIndex()
    index.add([RecordedFile(path, "md5", hashlib.md5(data).digest(), BASH)], "bash.md5sums")
    return index


def test_a_file_whose_recorded_md5_matches_is_unmodified_and_names_its_package() -> None:
    origin = md5_index().origin("/usr/bin/tool", sha256(SHIPPED), extra_digests(SHIPPED))
    assert origin is not None
    assert (origin.provenance, origin.owner, origin.modified) == (
        Provenance.UNMODIFIED,
        BASH,
        "false",
    )
    assert origin.vendor


def test_a_file_whose_md5_differs_from_the_record_is_modified() -> None:
    origin = md5_index().origin("/usr/bin/tool", sha256(EDITED), extra_digests(EDITED))
    assert origin is not None
    assert (origin.provenance, origin.owner, origin.modified) == (Provenance.MODIFIED, BASH, "true")
    assert not origin.vendor


def test_an_md5_record_without_an_md5_of_the_file_is_not_verified_never_a_guess() -> None:
    origin = md5_index().origin("/usr/bin/tool", sha256(SHIPPED))
    assert origin is not None
    assert (origin.provenance, origin.owner, origin.modified) == (
        Provenance.NOT_VERIFIED,
        BASH,
        "not-verified",
    )
    assert not origin.vendor


def test_a_sha256_record_is_decided_from_the_readers_own_digest() -> None:
    index = FileIndex()
    owner = Owner("openssl-libs", "rpm")
    index.add([RecordedFile("/usr/lib/x.so", "sha256", sha256(SHIPPED), owner)], "rpmdb")
    shipped, edited = (
        index.origin("/usr/lib/x.so", sha256(SHIPPED)),
        index.origin("/usr/lib/x.so", sha256(EDITED)),
    )
    assert shipped is not None and shipped.provenance is Provenance.UNMODIFIED
    assert edited is not None and edited.provenance is Provenance.MODIFIED


def test_a_path_no_database_records_is_unowned() -> None:
    origin = md5_index().origin("/app/config.py", sha256(SHIPPED), extra_digests(SHIPPED))
    assert origin is not None
    assert (origin.provenance, origin.owner, origin.vendor) == (Provenance.UNOWNED, None, False)


def test_an_unrecorded_path_is_not_called_unowned_when_a_database_was_not_read_in_full() -> None:
    index = md5_index()
    index.incomplete("/var/lib/rpm/Packages: the files of its packages are not known")
    assert index.origin("/app/config.py", sha256(SHIPPED)) is None
    recorded = index.origin("/usr/bin/tool", sha256(SHIPPED), extra_digests(SHIPPED))
    assert recorded is not None and recorded.provenance is Provenance.UNMODIFIED


def test_any_database_version_of_the_image_vouches_for_a_file() -> None:
    """Layer 1 installs v1 of a file, layer 2 upgrades it: the v1 file stored in layer 1 is
    still the package's file, though only the older database version records it."""
    index = md5_index(data=SHIPPED)
    upgraded = Owner("bash", "dpkg")
    new = hashlib.md5(EDITED).digest()
    index.add([RecordedFile("/usr/bin/tool", "md5", new, upgraded)], "bash.md5sums (layer 2)")
    for data in (SHIPPED, EDITED):
        origin = index.origin("/usr/bin/tool", sha256(data), extra_digests(data))
        assert origin is not None and origin.provenance is Provenance.UNMODIFIED


def test_one_uncomparable_record_keeps_a_mismatch_from_being_called_modified() -> None:
    index = md5_index()
    index.add(
        [RecordedFile("/usr/bin/tool", "sha256", sha256(b"other"), Owner("x", "python"))], "RECORD"
    )
    origin = index.origin("/usr/bin/tool", sha256(EDITED))
    assert origin is not None and origin.provenance is Provenance.NOT_VERIFIED


def test_an_unknown_algorithm_is_never_comparable() -> None:
    index = FileIndex()
    index.add([RecordedFile("/x", "pgp-hash-3", b"\x01" * 20, Owner("x", "rpm"))], "rpmdb")
    origin = index.origin("/x", sha256(b""), {"pgp-hash-3": b"\x01" * 20} | extra_digests(b""))
    assert origin is not None and origin.provenance is Provenance.UNMODIFIED  # if it were given
    origin = index.origin("/x", sha256(b""), extra_digests(b""))
    assert origin is not None and origin.provenance is Provenance.NOT_VERIFIED


def test_an_alias_shares_the_records_of_the_recorded_path() -> None:
    index = md5_index("/bin/tool")
    index.add_alias("/bin/tool", "/usr/bin/tool")
    origin = index.origin("/usr/bin/tool", sha256(SHIPPED), extra_digests(SHIPPED))
    assert origin is not None and origin.provenance is Provenance.UNMODIFIED


def test_records_past_the_limit_are_ignored_with_a_notice_and_the_index_is_incomplete() -> None:
    index = FileIndex(max_records=3)
    records = [RecordedFile(f"/f{i}", "md5", bytes(16), BASH) for i in range(10)]
    index.add(records, "huge.md5sums")
    index.add(records, "again.md5sums")
    assert len(index) == 3 and not index.complete
    assert index.origin("/f9", sha256(b"")) is None
    assert len(index.notices.final()) == 2
    assert "huge.md5sums: more than" in index.notices.final()[0]


def test_the_same_record_in_many_database_versions_is_kept_once() -> None:
    index = FileIndex(max_records=1)
    record = RecordedFile("/f", "md5", bytes(16), BASH)
    for layer in range(5):
        index.add([record], f"layer {layer}")
    assert index.complete


def test_an_unmodified_file_of_a_package_that_is_no_vendor_is_not_vendor_content() -> None:
    index = FileIndex()
    own = Owner("myapp", "python", vendor=False)
    index.add([RecordedFile("/site/myapp/x.py", "sha256", sha256(SHIPPED), own)], "RECORD")
    origin = index.origin("/site/myapp/x.py", sha256(SHIPPED))
    assert origin is not None and origin.provenance is Provenance.UNMODIFIED
    assert not origin.vendor


def test_a_file_a_distribution_package_and_a_record_both_vouch_for_is_the_package_s() -> None:
    """Debian's python3-cryptography ships a RECORD: its files are dpkg's (vendor content)."""
    index = FileIndex()
    index.add(
        [
            RecordedFile(
                "/x.py", "sha256", sha256(SHIPPED), Owner("cryptography", "python", vendor=False)
            )
        ],
        "RECORD",
    )
    index.add(
        [
            RecordedFile(
                "/x.py", "md5", hashlib.md5(SHIPPED).digest(), Owner("python3-cryptography", "dpkg")
            )
        ],
        "md5sums",
    )
    origin = index.origin("/x.py", sha256(SHIPPED), extra_digests(SHIPPED))
    assert origin is not None and origin.vendor
    assert origin.owner == Owner("python3-cryptography", "dpkg")
    alone = index.origin("/x.py", sha256(SHIPPED))  # no MD5 computed: the RECORD still vouches
    assert alone is not None and alone.provenance is Provenance.UNMODIFIED and not alone.vendor

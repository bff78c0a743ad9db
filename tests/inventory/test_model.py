"""Package URLs and notice capping."""

from __future__ import annotations

import pytest

from analyzer.inventory.model import MAX_NOTICES, Notices, distro_parts, numbered_lines, purl


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("deb", "openssl", "3.0.11-1", "debian", {"arch": "amd64", "distro": "debian-12"}),
            "pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12",
        ),
        (
            ("apk", "musl", "1.2.5-r0", "alpine", {"arch": "x86_64"}),
            "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64",
        ),
        (
            ("rpm", "openssl-libs", "3.0.7-27.el9", "redhat", {"arch": "x86_64", "epoch": "1"}),
            "pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1",
        ),
        (("pypi", "Django_Rest", "3.14.0"), "pkg:pypi/django-rest@3.14.0"),
        (("npm", "node", "20.1.0", "@types"), "pkg:npm/%40types/node@20.1.0"),
        (("npm", "JSONStream", "1.3.5"), "pkg:npm/jsonstream@1.3.5"),
    ],
)
def test_purls_follow_the_package_url_spec_for_each_type(
    args: tuple[str, ...], expected: str
) -> None:
    assert purl(*args) == expected  # type: ignore[arg-type]


def test_purl_percent_encodes_plus_and_space_but_keeps_colon() -> None:
    assert purl("deb", "libc6", "1:2.36-9+deb12u4") == "pkg:deb/libc6@1:2.36-9%2Bdeb12u4"
    assert purl("rpm", "x", "1", "", {"distro": "a b"}) == "pkg:rpm/x@1?distro=a%20b"


def test_purl_qualifiers_are_sorted_and_empty_ones_dropped() -> None:
    assert purl("deb", "a", "1", "debian", {"distro": "", "arch": "all"}) == (
        "pkg:deb/debian/a@1?arch=all"
    )


def test_distro_string_gives_namespace_and_optional_distro_qualifier() -> None:
    assert distro_parts("ubuntu-22.04") == ("ubuntu", "ubuntu-22.04")
    assert distro_parts("alpine") == ("alpine", "")


def test_notices_are_capped_with_a_count_of_the_rest() -> None:
    notices = Notices()
    for i in range(MAX_NOTICES * 10):
        notices.add(str(i))
    final = notices.final()
    assert len(final) == MAX_NOTICES + 1
    assert final[-1] == f"... and {MAX_NOTICES * 9} more notices like these"
    one = Notices()
    one.add("one")
    assert one.final() == ("one",)


def test_a_bad_line_notice_quotes_the_line_printable_and_cut() -> None:
    notices = Notices()
    notices.bad_line("dpkg status", 3, "not a field", "\x1b[2J\u202e" + "x" * 100)
    assert notices.final() == (
        "dpkg status line 3: not a field: '\\x1b[2J\\u202e" + "x" * 44 + "...'",
    )


def test_purl_keeps_the_bytes_of_names_that_are_not_utf8() -> None:
    assert purl("npm", "a\ud800", "1") == "pkg:npm/a%ED%A0%80@1"  # a lone surrogate from JSON
    assert purl("deb", "b\udcff", "1") == "pkg:deb/b%FF@1"  # a byte read with surrogateescape


def test_only_a_newline_ends_a_line_and_crlf_reads_like_lf() -> None:
    text = "a\r\nb\x0c\x1c\x85\u2028c\rd\n\ne"
    assert list(numbered_lines(text)) == [
        (1, "a"),
        (2, "b\x0c\x1c\x85\u2028c\rd"),
        (3, ""),
        (4, "e"),
    ]

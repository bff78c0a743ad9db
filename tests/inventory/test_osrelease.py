"""os-release, alpine-release and debian_version.

container-inspector's corpus holds ~200 real os-release files, most with the identity its own
parser found (``*-distro-expected.json``); ours must agree on every one, apart from two
deliberate differences listed in ``DIVERGENCES``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.inventory import parse_alpine_release, parse_debian_version, parse_os_release
from analyzer.inventory.osrelease import os_release_fields
from analyzer.text import exact_bytes, printable

CORPUS = "container-inspector/data/distro/os-release"
DIVERGENCES = {
    # No PRETTY_NAME: os-release(5) makes it "Linux"; container-inspector leaves it empty.
    ("nexus/nexus-7.txt", "pretty_name"): ("Linux", ""),
    # "ID=Zorin OS" is invalid (unquoted space): we keep what the shell and systemd would read,
    # with a notice; container-inspector drops the space.
    ("zorinos/zorinos-12.txt", "id"): ("Zorin OS", "ZorinOS"),
}


def corpus_pairs(root: Path) -> list[tuple[Path, Path]]:
    expectations = sorted(root.rglob("*-distro-expected.json"))
    pairs = [(Path(str(e).removesuffix("-distro-expected.json")), e) for e in expectations]
    return [(text, expected) for text, expected in pairs if text.is_file()]


@pytest.mark.parametrize(
    ("line", "value"),
    [
        (b'NAME="Debian GNU/Linux"', "Debian GNU/Linux"),
        (b"NAME='single quoted'", "single quoted"),
        (b"NAME=unquoted", "unquoted"),
        (
            b'NAME="with \\"escaped\\" quotes and \\$dollar \\`tick\\` \\\\"',
            'with "escaped" quotes and $dollar `tick` \\',
        ),
        (b"NAME='no \\escapes in single'", "no \\escapes in single"),
        (b"NAME=\"a\"'b'c", "abc"),
        (b'NAME=""', ""),
        (b"NAME=${HOME}", "${HOME}"),
    ],
)
def test_values_are_unquoted_and_unescaped_like_the_shell(line: bytes, value: str) -> None:
    fields, notices = os_release_fields(line + b"\n")
    assert fields == {"NAME": value}
    assert notices == ()


def test_comments_blank_lines_bom_and_crlf_are_accepted() -> None:
    data = b'\xef\xbb\xbf# comment\r\n\r\nID=alpine\r\n  VERSION_ID="3.20.3"  \r\n'
    os = parse_os_release(data)
    assert (os.id, os.version_id, os.notices) == ("alpine", "3.20.3", ())


def test_missing_fields_take_the_os_release_defaults() -> None:
    os = parse_os_release(b"")
    assert (os.id, os.name, os.pretty_name, os.version_id, os.id_like) == (
        "linux",
        "Linux",
        "Linux",
        "",
        (),
    )


def test_broken_lines_become_notices_and_do_not_stop_parsing() -> None:
    os = parse_os_release(b'ID=debian\nNAME="unterminated\n=novalue\n1KEY=x\nVERSION_ID=12\n')
    assert (os.id, os.version_id, os.name) == ("debian", "12", "unterminated")
    assert os.notices == (
        "os-release line 2: unbalanced quotes; value taken as written",
        "os-release line 3: not a KEY=value assignment: '=novalue'",
        "os-release line 4: not a KEY=value assignment: '1KEY=x'",
    )


@pytest.mark.parametrize("data", [b"\x00" * 100, b"\xff\xfe\xfd", b"=" * 10_000, b"A='" * 1000])
def test_garbage_never_raises(data: bytes) -> None:
    parse_os_release(data)


def test_real_os_release_corpus_matches_upstream_expectations(realworld) -> None:
    pairs = corpus_pairs(realworld / CORPUS)
    assert len(pairs) > 150
    differences = {}
    for text, expected_file in pairs:
        os, expected = parse_os_release(text.read_bytes()), json.loads(expected_file.read_text())
        ours = {"id": os.id, "version_id": os.version_id, "name": os.name}
        ours |= {"pretty_name": os.pretty_name, "version_codename": os.version_codename}
        theirs = {field: expected[field] or "" for field in ours if field != "id"}
        theirs["id"] = expected["identifier"] or ""
        for field, value in ours.items():
            if value != theirs[field]:
                key = (str(text.relative_to(realworld / CORPUS)), field)
                differences[key] = (value, theirs[field])
    assert differences == DIVERGENCES


def test_real_alpine_os_release_and_alpine_release_agree(realworld, member) -> None:
    archive = realworld / "alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz"
    from_os_release = parse_os_release(member(archive, "./etc/os-release"))
    from_alpine_release = parse_alpine_release(member(archive, "./etc/alpine-release"))
    assert (from_os_release.id, from_os_release.version_id) == ("alpine", "3.20.3")
    assert from_alpine_release.id == from_os_release.id
    assert from_alpine_release.version_id == from_os_release.version_id
    assert from_alpine_release.pretty_name == from_os_release.pretty_name == "Alpine Linux v3.20"


def test_real_distroless_os_release_identifies_as_debian(realworld) -> None:
    os = parse_os_release((realworld / CORPUS / "distroless/distroless-debian11.txt").read_bytes())
    assert (os.id, os.version_id, os.pretty_name) == ("debian", "11", "Distroless")


def test_alpine_release_that_is_not_a_version_gives_a_notice() -> None:
    os = parse_alpine_release(b"garbage here\n")
    assert (os.id, os.version_id) == ("alpine", "")
    assert os.notices == ("alpine-release does not hold a version: 'garbage here'",)


@pytest.mark.parametrize(
    ("content", "version_id", "pretty_name"),
    [
        (b"12.4\n", "12.4", "Debian GNU/Linux 12"),
        (b"7.11", "7.11", "Debian GNU/Linux 7"),
        (b"bookworm/sid\n", "", "Debian GNU/Linux bookworm/sid"),
        (b"", "", "Debian GNU/Linux"),
    ],
)
def test_debian_version_gives_a_version_only_for_stable_releases(
    content: bytes, version_id: str, pretty_name: str
) -> None:
    os = parse_debian_version(content)
    assert (os.id, os.version_id, os.pretty_name) == ("debian", version_id, pretty_name)
    assert bool(os.notices) == (version_id == "")


def _run_child(script: str) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    return run.stdout.split()


def test_a_value_of_a_million_words_is_read_in_linear_time() -> None:
    # each word used to copy the list of words before it: a 2 MB line took hours
    script = """
from analyzer.inventory import parse_os_release
os = parse_os_release(b"ID=x\\nNAME=" + b"w " * 1_000_000 + b"\\n")
print(len(os.name), os.notices[0])
"""
    assert _run_child(script)[:2] == ["1999999", "os-release"]


def test_a_long_dotted_alpine_release_is_checked_in_linear_time() -> None:
    # r"\d+(\.\d+)*\S*" backtracked quadratically on a long dotted version ending in a space
    script = """
from analyzer.inventory import parse_alpine_release
os = parse_alpine_release(b"1" + b".1" * 1_000_000 + b" x\\n")
print(os.version_id == "", len(os.notices))
"""
    assert _run_child(script) == ["True", "1"]


@pytest.mark.parametrize(
    ("data", "notice"),
    [
        (b"\x1b[2Jbad\n", "os-release line 1: not a KEY=value assignment: '\\x1b[2Jbad'"),
        (b"ID=a\nbad" + b"x" * 100, "os-release line 2: not a KEY=value assignment: 'bad"),
    ],
)
def test_bad_lines_are_quoted_printable_and_cut(data: bytes, notice: str) -> None:
    [shown] = parse_os_release(data).notices
    assert shown.startswith(notice) and len(shown) < 110


def test_bytes_that_are_not_utf8_are_kept_and_shown_as_escapes() -> None:
    # the evidence must say which bytes the file holds: not U+FFFD for every one of them
    os = parse_os_release(b'ID=debian\nPRETTY_NAME="Debian \xff\xfe \xe2\x80\xae"\n\xbd bad\n')
    assert exact_bytes(os.pretty_name) == b"Debian \xff\xfe \xe2\x80\xae"
    assert printable(os.pretty_name) == "Debian \\xff\\xfe \\u202e"
    assert os.notices == ("os-release line 3: not a KEY=value assignment: '\\xbd bad'",)


def test_alpine_release_and_debian_version_keep_bytes_that_are_not_utf8() -> None:
    [notice] = parse_alpine_release(b"\xff3.20\n").notices
    assert notice == "alpine-release does not hold a version: '\\xff3.20'"
    debian = parse_debian_version(b"trixie\xfe/sid\n")
    assert printable(debian.pretty_name) == "Debian GNU/Linux trixie\\xfe/sid"
    assert debian.notices == ("debian_version 'trixie\\xfe/sid' is not a stable release number",)


def test_a_key_assigned_again_takes_its_last_value_as_in_the_shell() -> None:
    # os-release is shell assignments: sourcing the file leaves the last value of each variable
    first = b"ID=debian\nVERSION_ID=12\nVERSION_CODENAME=bookworm\nNAME=Debian\nID_LIKE=x\n"
    last = b"ID=alpine\nVERSION_ID=3.20.3\nVERSION_CODENAME=edge\nNAME=Alpine\nID_LIKE='y z'\n"
    os = parse_os_release(first + b'PRETTY_NAME="Debian 12"\n' + last + b"PRETTY_NAME=Alpine\n")
    assert (os.id, os.version_id, os.version_codename, os.name, os.pretty_name, os.id_like) == (
        "alpine",
        "3.20.3",
        "edge",
        "Alpine",
        "Alpine",
        ("y", "z"),
    )

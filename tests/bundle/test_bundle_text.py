"""Every file of the bundle is safe to `cat`, to open in an editor or a browser: whatever the
archive's names, labels, history and package names hold (escape sequences, bells, carriage
returns, C1 controls, bidirectional overrides), the CSV, Markdown and HTML files show them as
visible escapes, and the JSON files are pure ASCII with `\\u` escapes (and so still exact)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from analyzer.cli import main
from fixtures.formats import write_docker_archive
from fixtures.hostile_text import ESCAPES, terminal_image
from fixtures.spec import FileSpec, LayerSpec

_DPKG_STATUS = (
    f"Package: libevil{ESCAPES.replace(chr(0), '')}\nStatus: install ok installed\n"
    f"Version: 1.0{ESCAPES.replace(chr(0), '')}\nArchitecture: amd64\n\n"
).encode()
_OS_RELEASE = f'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian{ESCAPES}"\n'.encode()
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""What must not reach a terminal raw: C0 controls but tab and newline, DEL, C1 controls, and
the bidirectional controls."""


@pytest.fixture(scope="module")
def hostile_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle of the terminal-hostile image, with a dpkg package and an os-release that
    carry the same escapes."""
    tmp = tmp_path_factory.mktemp("hostile")
    image = terminal_image()
    packages = LayerSpec(
        (
            FileSpec("var/lib/dpkg/status", _DPKG_STATUS),
            FileSpec("etc/os-release", _OS_RELEASE),
        ),
        created_by="RUN dpkg -i libevil" + ESCAPES,
    )
    image = dataclasses.replace(image, layers=(*image.layers, packages))
    archive = write_docker_archive([image], tmp / "term.tar")
    out = tmp / "evidence"
    assert main(["scan", str(archive), "--jobs", "1", "-q", "--bundle", str(out)]) == 0
    return out


def _files(out: Path, *suffixes: str) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.is_file() and p.name.endswith(suffixes))


def test_the_hostile_strings_reach_the_bundle(hostile_bundle: Path) -> None:
    """The check below means something: the escapes are in the files, shown."""
    inventory = (hostile_bundle / "inventory.csv").read_text("utf-8")
    assert "/app/evil\\x1b]0;owned\\x07" in inventory
    report = json.loads((hostile_bundle / "report.json").read_bytes())
    assert any(p["name"].startswith("libevil\x1b]0;") for p in report["packages"])


def test_csv_markdown_and_html_files_hold_no_control_or_bidi_character(
    hostile_bundle: Path,
) -> None:
    files = _files(hostile_bundle, ".csv", ".md", ".html")
    assert {p.name for p in files} >= {
        "findings.csv",
        "inventory.csv",
        "layers.csv",
        "report.md",
        "report.html",
    }
    for path in files:
        text = path.read_text("utf-8")
        assert not _UNSAFE.search(text), (path.name, _UNSAFE.findall(text)[:5])
    html = (hostile_bundle / "report.html").read_text("utf-8")
    assert "libevil\\x1b]0;owned\\x07" in html and "\\u202e" in html


_AS_READ = ("config.json", "manifest.json", "archive-manifest.json", "archive-index.json")
"""The archive's own documents, copied byte for byte (their digests must still check) unless
a secret in them has to be redacted."""


def test_the_json_files_image_audit_writes_are_ascii_and_read_back_exact(
    hostile_bundle: Path,
) -> None:
    files = [p for p in _files(hostile_bundle, ".json", ".sarif") if p.name not in _AS_READ]
    assert {p.name for p in files} == {
        "report.json",
        "index.json",
        "custody.json",
        "findings.sarif",
        "packages.cdx.json",
    }
    for path in files:
        assert path.read_bytes().isascii(), path.name
    report = json.loads((hostile_bundle / "report.json").read_bytes())
    assert report["image"]["user"] == "app" + ESCAPES  # exact, through its escapes


def test_the_bundle_with_escaped_text_still_verifies(hostile_bundle: Path) -> None:
    assert main(["verify", str(hostile_bundle)]) == 0

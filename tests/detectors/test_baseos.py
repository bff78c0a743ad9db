"""The base OS detector: the distribution an image is built on, and its end of life."""

from __future__ import annotations

from pathlib import Path

from analyzer.scan import scan_archive
from analyzer.text import exact_bytes, printable
from fixtures.formats import write_docker_archive
from fixtures.spec import FileSpec, ImageSpec, LayerSpec


def base_os_evidence(os_release: bytes, tmp_path: Path) -> list[str]:
    layer = LayerSpec((FileSpec("etc/os-release", os_release),), "ADD rootfs /")
    spec = ImageSpec(layers=(layer,), repo_tags=("example/os:1",))
    [report] = scan_archive(write_docker_archive([spec], tmp_path / "os.tar")).images
    return [f.evidence for f in report.findings if f.rule_id == "IA-BASE-OS"]


def test_base_os_names_the_release_and_its_end_of_life(tmp_path: Path) -> None:
    evidence = base_os_evidence(b'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian 12"\n', tmp_path)
    assert evidence == ["Debian 12; end of life: 2028-06-30"]


def test_a_crafted_megabyte_name_is_cut_in_the_evidence(tmp_path: Path) -> None:
    [evidence] = base_os_evidence(b"ID=x\nPRETTY_NAME=" + b"N" * (1 << 20) + b"\n", tmp_path)
    assert evidence == "N" * 200 + " (ID x, VERSION_ID not set); end of life: unknown"


def test_the_evidence_names_the_id_and_version_looked_up_when_the_pretty_name_does_not(
    tmp_path: Path,
) -> None:
    """The end of life is looked up by ID and VERSION_ID; a PRETTY_NAME that says something
    else (a stale or crafted one, or Alpine's short `v3.18`) does not stand alone."""
    data = b'ID=alpine\nVERSION_ID="3.10.9"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
    assert base_os_evidence(data, tmp_path) == [
        "Debian GNU/Linux 12 (bookworm) (ID alpine, VERSION_ID 3.10.9); end of life: 2021-05-01"
    ]


def test_bytes_of_the_release_name_that_are_not_utf8_are_shown_as_escapes(tmp_path: Path) -> None:
    # PRETTY_NAME="Debian <0xff 0xfe> <U+202E>": the evidence keeps which bytes were there
    name = b'ID=debian\nPRETTY_NAME="Debian \xff\xfe \xe2\x80\xae"\n'
    [evidence] = base_os_evidence(name, tmp_path)
    assert printable(evidence) == "Debian \\xff\\xfe \\u202e; end of life: unknown"
    assert exact_bytes(evidence).startswith(b"Debian \xff\xfe \xe2\x80\xae;")


def test_the_last_of_two_id_lines_names_the_base_and_its_end_of_life(tmp_path: Path) -> None:
    # ID=debian then ID=alpine: the shell, and so the system, reads alpine
    data = b'ID=debian\nVERSION_ID="12"\nID=alpine\nVERSION_ID="3.10.9"\n'
    layer = LayerSpec((FileSpec("etc/os-release", data),), "ADD rootfs /")
    spec = ImageSpec(layers=(layer,), repo_tags=("example/os:1",))
    [report] = scan_archive(write_docker_archive([spec], tmp_path / "os.tar")).images
    os = dict(report.facts)["os"]
    assert isinstance(os, dict) and (os["id"], os["version_id"]) == ("alpine", "3.10.9")
    [eol] = [f.evidence for f in report.findings if f.rule_id == "IA-OS-EOL"]
    assert eol.startswith("Linux (ID alpine, VERSION_ID 3.10.9) reached end of life on 2021-05-01")

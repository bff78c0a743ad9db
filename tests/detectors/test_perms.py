"""Permission rules judge a mode for the file it is on: a symlink's mode means nothing."""

from __future__ import annotations

from pathlib import Path

from analyzer.findings.model import Finding
from analyzer.scan import scan_archive
from fixtures.detector_cases import base, clean_image
from fixtures.example import fake_elf
from fixtures.formats import write_docker_archive
from fixtures.spec import FileSpec, ImageSpec, LayerSpec

_PERMISSION_RULES = {"IA-SETUID", "IA-SETGID", "IA-WORLD-WRITABLE", "IA-FILECAP"}


def _permission_findings(spec: ImageSpec, tmp_path: Path) -> list[Finding]:
    archive = write_docker_archive([spec], tmp_path / "image.tar")
    [report] = scan_archive(archive).images
    return [f for f in report.findings if f.rule_id in _PERMISSION_RULES]


def _link(path: str, mode: int) -> FileSpec:
    return FileSpec(path, kind="symlink", link="app", mode=mode)


def test_symlinks_are_never_reported_for_their_mode_bits(tmp_path: Path) -> None:
    # every symlink is 0777 and the kernel ignores its mode: setuid, setgid and o+w bits on
    # one say nothing about what it points to
    image = clean_image(base(_link("usr/bin/plain", 0o777), _link("usr/bin/odd", 0o7777)))
    assert _permission_findings(image, tmp_path) == []


def test_a_setuid_file_is_reported_whether_a_symlink_came_before_or_after_it(
    tmp_path: Path,
) -> None:
    helper = FileSpec("usr/bin/helper", fake_elf("helper"), mode=0o4755)
    image = clean_image(
        base(_link("usr/bin/helper", 0o777), _link("usr/bin/later", 0o777)),
        LayerSpec((helper, FileSpec("usr/bin/later", fake_elf("later"), mode=0o4755))),
        LayerSpec((_link("usr/bin/later", 0o777),)),
    )
    found = {
        (f.rule_id, f.path, f.layer_index, f.present_in_final)
        for f in _permission_findings(image, tmp_path)
    }
    assert found == {
        ("IA-SETUID", "/usr/bin/helper", 1, True),
        ("IA-SETUID", "/usr/bin/later", 1, False),  # replaced by a symlink in layer 2
    }


def test_a_special_bit_exec_ignores_is_low_and_says_why(tmp_path: Path) -> None:
    """The kernel honours setuid only on an executable file, and setgid only when the group
    may execute it (without g+x the bit marks mandatory locking): such a bit is low."""
    image = clean_image(
        base(
            FileSpec("usr/bin/tool", fake_elf("tool"), mode=0o4755),
            FileSpec("usr/bin/suid.txt", b"text\n", mode=0o4644),
            FileSpec("usr/bin/locked", b"data\n", mode=0o2645),
        )
    )
    found = {(f.path, f.severity.value, f.evidence) for f in _permission_findings(image, tmp_path)}
    assert found == {
        ("/usr/bin/tool", "medium", "mode 4755, owner 0:0; setuid since layer 0"),
        (
            "/usr/bin/suid.txt",
            "low",
            "mode 4644, owner 0:0; setuid since layer 0; not executable, so the kernel ignores "
            "the bit",
        ),
        (
            "/usr/bin/locked",
            "low",
            "mode 2645, owner 0:0; setgid since layer 0; not executable by its group, so the "
            "kernel ignores the bit",
        ),
    }

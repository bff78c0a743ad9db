"""`image-audit timeline`: the build step by step (what each step added, changed, deleted,
installed, introduced or removed), then what an investigator should look at."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from analyzer.cli import main
from fixtures import packaged
from fixtures.example import example_image
from fixtures.formats import write_docker_archive
from fixtures.spec import LayerSpec
from tests.conftest import SHARED_ABSENT

SYMBOLIC = Path("../shared/realworld/images/dockle/symbolic.tar")


def timeline(capsys: pytest.CaptureFixture[str], archive: Path) -> dict[str, object]:
    assert main(["timeline", str(archive), "-f", "json", "-q"]) == 0
    [image] = json.loads(capsys.readouterr().out)["images"]
    return image  # type: ignore[no-any-return]


def test_each_step_says_what_it_did_and_which_findings_it_brought_or_removed(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    image = timeline(capsys, built["example"])
    steps = image["steps"]  # type: ignore[index]
    copy = next(s for s in steps if s["created_by"].startswith("COPY app/"))
    assert copy["layer"] == 1 and copy["setid_changes"] == ["/app/setuid-helper 0000->4000"]
    assert "critical IA-SECRET-PRIVATE-KEY /app/id_rsa" in copy["findings"]["introduced"]
    cleanup = next(s for s in steps if "rm /app/id_rsa" in s["created_by"])
    assert cleanup["files"]["deleted"] == 1
    assert "critical IA-SECRET-PRIVATE-KEY /app/id_rsa" in cleanup["findings"]["removed"]
    env = next(s for s in steps if s["created_by"].startswith("ENV"))
    assert env["layer"] is None and "files" not in env  # a history-only step


def test_packages_installed_per_step_and_files_changed_behind_the_package_manager(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = timeline(capsys, packaged.write_dpkg_image(tmp_path / "dpkg.tar"))
    apt = image["steps"][1]  # type: ignore[index]
    assert apt["packages"]["installed"] == ["login 1:4.13", "vendorpkg 1.0-1"]
    # the pip layer rewrites a file dpkg installed, and no package database changes with it
    assert any(
        lead.startswith("layer 2 changes 1 file(s) a package owns without changing any")
        and "/usr/lib/vendorpkg/settings.py" in lead
        for lead in image["leads"]  # type: ignore[attr-defined]
    )


def test_files_newer_than_their_build_step_and_steps_without_a_command_stand_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = example_image()
    # history dated 2020 while every file's mtime is in 2023: the files are from the future
    spec = replace(spec, created="2020-01-01T00:00:00Z", layers=(*spec.layers, LayerSpec(())))
    archive = write_docker_archive([spec], tmp_path / "dated.tar")
    leads = timeline(capsys, archive)["leads"]
    assert any("later than its step's created time (2020-01-01T00:00:00+00:00)" in x for x in leads)  # type: ignore[attr-defined]
    assert any(x.endswith("has no created_by") for x in leads)  # type: ignore[attr-defined]


def test_the_table_and_markdown_show_the_steps_and_the_leads(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["timeline", str(built["example"]), "-q", "--wide"]) == 0
    table = capsys.readouterr().out
    assert "COPY app/ /app/ # buildkit" in table and "Look at:" in table
    assert main(["timeline", str(built["example"]), "-q", "-f", "md"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("## example/shop:latest") and "| # | created |" in markdown


@pytest.mark.realworld
@pytest.mark.skipif(not SYMBOLIC.exists(), reason=SHARED_ABSENT)
def test_the_timeline_of_dockle_s_symbolic_image_shows_each_setid_change(
    capsys: pytest.CaptureFixture[str],
) -> None:
    steps = timeline(capsys, SYMBOLIC)["steps"]
    changes = [c for s in steps if s["layer"] is not None for c in s["setid_changes"]]  # type: ignore[union-attr]
    assert changes == [
        "/app/suid.txt 0000->4000",
        "/app/gid.txt 0000->2000",
        "/app/once-suid.txt 0000->4000",
        "/app/once-suid.txt 4000->0000",
    ]


def test_every_layer_gets_a_row_and_steps_without_a_command_stand_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hand-made or scrubbed history (no created_by): every layer is still shown, and each
    such step is a lead."""
    spec = packaged.dpkg_image()
    spec = replace(spec, layers=tuple(replace(layer, created_by="") for layer in spec.layers))
    image = timeline(capsys, write_docker_archive([spec], tmp_path / "bare.tar"))
    assert [s["layer"] for s in image["steps"]] == [0, 1, 2]  # type: ignore[index]
    assert sum(x.endswith("has no created_by") for x in image["leads"]) == 3  # type: ignore[attr-defined]

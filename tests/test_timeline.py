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
from fixtures.hard_links import ALIAS, KEEP, ORIG, deleting, editing_keep_env, linked_secret_image
from fixtures.spec import FileSpec, LayerSpec
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


def linked_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *later: LayerSpec
) -> list[dict[str, dict[str, list[str]]]]:
    """The timeline's steps for fixtures.hard_links' image with `later` layers."""
    archive = write_docker_archive([linked_secret_image(*later)], tmp_path / "linked.tar")
    return timeline(capsys, archive)["steps"]  # type: ignore[return-value]


def test_deleting_one_name_of_a_hard_linked_secret_removes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The file, and its secret, stay in the container under the other name."""
    first, rm = linked_steps(tmp_path, capsys, deleting(ORIG))
    introduced = first["findings"]["introduced"]
    assert {f"high IA-SECRET-DOTENV {p}" for p in (ORIG, ALIAS)} <= set(introduced)
    assert rm["findings"] == {"introduced": [], "removed": []}


def test_a_hard_linked_secret_is_removed_by_the_step_that_deletes_its_last_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, first_rm, last_rm = linked_steps(tmp_path, capsys, deleting(ORIG), deleting(ALIAS))
    assert first_rm["findings"]["removed"] == []
    assert sorted(last_rm["findings"]["removed"]) == [
        f"high IA-SECRET-DOTENV {p}" for p in (ALIAS, ORIG)
    ]


def test_an_edit_that_keeps_a_secret_at_its_path_neither_introduces_nor_removes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, edit = linked_steps(tmp_path, capsys, editing_keep_env())
    assert f"high IA-SECRET-DOTENV {KEEP}" in first["findings"]["introduced"]
    assert edit["findings"] == {"introduced": [], "removed": []}


def test_an_edit_that_changes_the_secret_at_a_path_introduces_one_and_removes_the_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rotated = FileSpec("app/keep.env", b"GITHUB_TOKEN=ghp_" + b"Rt9xQ2mZ" * 4 + b"Kp7w\n")
    _, edit = linked_steps(tmp_path, capsys, LayerSpec((rotated,)))
    assert edit["findings"]["introduced"] == [f"high IA-SECRET-DOTENV {KEEP}"]
    assert edit["findings"]["removed"] == [f"high IA-SECRET-DOTENV {KEEP}"]


def test_a_secret_a_step_stores_and_overwrites_itself_is_both_introduced_and_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The step's tar still holds the overwritten copy: the step brought it into the image."""
    secret, cleared = editing_keep_env().entries[0], FileSpec("app/keep.env", b"DEBUG=false\n")
    _, edit = linked_steps(tmp_path, capsys, LayerSpec((secret, cleared)))
    assert edit["findings"]["introduced"] == [f"high IA-SECRET-DOTENV {KEEP}"]
    assert set(edit["findings"]["removed"]) == {f"high IA-SECRET-DOTENV {KEEP}"}

"""`image-audit diff OLD NEW`: what changed between the last good build and this one, as a
report and as a build gate."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from analyzer.cli import main
from fixtures import packaged
from fixtures.formats import write_docker_archive
from fixtures.secret_image import AWS_KEY_ID, GITHUB_TOKEN
from fixtures.spec import FileSpec, LayerSpec
from tests.conftest import REALWORLD


def diff(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(["diff", *argv, "-f", "json", "-q"])
    return code, json.loads(capsys.readouterr().out)


def test_the_same_image_as_docker_archive_and_oci_zstd_diffs_empty(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = diff(capsys, str(built["docker-legacy"]), str(built["oci-dir-zstd"]))
    assert code == 0
    assert doc["layers"]["added"] == doc["layers"]["removed"] == []  # type: ignore[index]
    assert len(doc["layers"]["shared"]) == 4  # type: ignore[index]
    assert doc["files"] == {"added": [], "removed": [], "modified": []}
    assert doc["packages"] == {"added": [], "removed": [], "changed": []}
    assert doc["findings"]["new"] == doc["findings"]["resolved"] == []  # type: ignore[index]
    assert doc["config"] == {}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The last good build, and one that adds a token, drops setuid from su, removes a file,
    upgrades nothing but changes its user, ENV names, a port and a label."""
    out = tmp_path_factory.mktemp("builds")
    good = packaged.dpkg_image()
    change = LayerSpec(
        (
            FileSpec("app/deploy.env", f"GITHUB_TOKEN={GITHUB_TOKEN}\n".encode()),
            FileSpec("usr/bin/su", packaged.SU, mode=0o755),
            FileSpec("app/.wh.keys.ini"),
        ),
        created_by="RUN ./release.sh",
    )
    bad = replace(
        good,
        layers=(*good.layers, change),
        user="0",
        env=("PATH=/usr/bin", "DEPLOY_TOKEN_FILE=/run/secrets/t"),
        exposed_ports=("8080/tcp",),
    )
    return (
        write_docker_archive([good], out / "good.tar"),
        write_docker_archive([bad], out / "bad.tar"),
    )


def test_a_diff_of_two_builds_names_every_difference(
    builds: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = diff(capsys, str(builds[0]), str(builds[1]))
    assert code == 0
    assert len(doc["layers"]["added"]) == 1 and doc["layers"]["removed"] == []  # type: ignore[index]
    files = doc["files"]
    assert files["added"] == ["/app/deploy.env"] and files["removed"] == ["/app/keys.ini"]  # type: ignore[index]
    [su] = [m for m in files["modified"] if m["path"] == "/usr/bin/su"]  # type: ignore[index]
    assert su["changes"] == {"mode": ["4755", "0755"]}
    new = {(f["rule_id"], f["path"]) for f in doc["findings"]["new"]}  # type: ignore[index]
    resolved = {(f["rule_id"], f["path"]) for f in doc["findings"]["resolved"]}  # type: ignore[index]
    assert ("IA-SECRET-DOTENV", "/app/deploy.env") in new and ("IA-USER-ROOT", "") in new
    # su is no longer setuid in the final filesystem; the setuid copy stays inside layer 1
    assert ("IA-SETUID", "/usr/bin/su") in resolved
    config = doc["config"]
    assert config["user"] == {"old": "1000", "new": "0"}  # type: ignore[index]
    assert "DEPLOY_TOKEN_FILE" in config["env_names"]["new"]  # type: ignore[index]
    assert config["exposed_ports"]["new"] == ["8080/tcp"]  # type: ignore[index]
    assert GITHUB_TOKEN not in json.dumps(doc)  # redacted like every output


def test_fail_on_new_makes_diff_a_build_gate(
    builds: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = (str(p) for p in builds)
    assert main(["diff", good, bad, "--fail-on-new", "high", "-q"]) == 1
    out = capsys.readouterr().out
    assert "findings new" in out and GITHUB_TOKEN not in out
    assert main(["diff", bad, good, "--fail-on-new", "high", "-q"]) == 0  # only resolved ones
    capsys.readouterr()
    assert main(["diff", good, bad, "-q", "-f", "md"]) == 0
    assert capsys.readouterr().out.startswith("# diff: registry.example.com/shop/app:1.2.3")


def test_names_in_a_markdown_diff_cannot_load_a_remote_image_link_or_strike_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A report.md is read rendered (a code review, a wiki): a file name, label or history
    line from the image must render as its own text, never as an image fetched from the
    attacker's server when the report is opened, a link, or struck-out/bold text."""
    good = packaged.dpkg_image()
    hostile = "![seen](https://attacker.example/p.png)[docs](https://attacker.example/) ~~ok~~"
    layer = LayerSpec((FileSpec(f"app/{hostile}", b"x"),), created_by=f"RUN {hostile}")
    bad = replace(good, layers=(*good.layers, layer), labels={"note": hostile})
    old = write_docker_archive([good], tmp_path / "good.tar")
    new = write_docker_archive([bad], tmp_path / "bad.tar")
    assert main(["diff", str(old), str(new), "-f", "md", "-q"]) == 0
    diff_md = capsys.readouterr().out
    assert main(["timeline", str(new), "-f", "md", "-q"]) == 0
    timeline_md = capsys.readouterr().out
    for report in (diff_md, timeline_md):
        assert "![seen]" not in report and "[docs]" not in report and "~~ok" not in report
        assert "!\\[seen\\](https://attacker.example/p.png)" in report


@pytest.mark.parametrize("fmt", ["table", "json", "md"])
def test_a_label_whose_key_is_a_secret_is_redacted_on_both_sides_of_a_diff(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A label's key is the archive's text like its value: `diff` shows a changed label
    mapping with each key redacted, as `scan` and `inspect` show it."""
    good = replace(packaged.dpkg_image(), labels={AWS_KEY_ID: "old"})
    bad = replace(good, labels={GITHUB_TOKEN: "new"})
    old = write_docker_archive([good], tmp_path / "good.tar")
    new = write_docker_archive([bad], tmp_path / "bad.tar")
    assert main(["diff", str(old), str(new), "-f", fmt, "-q"]) == 0
    out = capsys.readouterr().out
    assert AWS_KEY_ID not in out and GITHUB_TOKEN not in out
    shown = " ".join(out.split()).replace("\\_", "_")  # a table wraps, Markdown escapes "_"
    assert "labels" in shown
    assert "AKIA... (20 chars, sha256:" in shown and "ghp_... (40 chars, sha256:" in shown


def test_the_two_images_of_a_diff_share_the_entry_limit(
    builds: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """diff holds both images at once, so each may use half of --max-entries: at the limit the
    memory stays that of one scan. An image over its half is a clear error, not a crash."""
    good, _ = builds
    low, high = 1, 10_000  # the fewest entries `inspect` accepts for this image
    while low < high:
        middle = (low + high) // 2
        fits = main(["inspect", str(good), "-q", "--max-entries", str(middle)]) == 0
        low, high = (low, middle) if fits else (middle + 1, high)
    capsys.readouterr()
    needed = low
    assert main(["diff", str(good), str(good), "-q", "--max-entries", str(2 * needed)]) == 0
    capsys.readouterr()
    assert main(["diff", str(good), str(good), "-q", "--max-entries", str(needed)]) == 2
    message = capsys.readouterr().err
    assert "each may use half of --max-entries" in message and message.count("\n") == 1


def test_two_images_of_one_archive_are_compared_as_old_image_and_new_image_choose(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A `docker save` of two builds: --old-image and --new-image each choose one of them, by
    number or by tag (the untagged base, then the example built on it)."""
    several = str(built["docker-legacy-multi"])
    argv = ("--old-image", "2", "--new-image", "example/shop:1.0")
    code, doc = diff(capsys, several, several, *argv)
    assert code == 0
    assert doc["old"]["refs"] == []  # type: ignore[index]
    assert doc["new"]["refs"] == ["example/shop:latest", "example/shop:1.0"]  # type: ignore[index]
    assert len(doc["layers"]["shared"]) == 1  # type: ignore[index]  # the base
    assert "/app/server.py" in doc["files"]["added"]  # type: ignore[index]


def test_image_chooses_the_image_of_both_archives_and_platform_narrows_a_multi_arch_tag(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The same example, saved with another image and as a multi-arch OCI layout: one tag and
    one platform name it in both, and it diffs empty."""
    several, multiarch = str(built["docker-legacy-multi"]), str(built["oci-multiarch"])
    argv = ("--image", "example/shop:latest", "--platform", "linux/amd64")
    code, doc = diff(capsys, several, multiarch, *argv)
    assert code == 0
    assert doc["files"] == {"added": [], "removed": [], "modified": []}


def test_an_archive_of_several_images_is_refused_naming_the_option_for_its_side(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    several = built["docker-legacy-multi"]
    assert main(["diff", str(built["example"]), str(several), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"image-audit: error: {several} holds 2 images: 1 'example/shop:latest'")
    assert "diff compares one image with one: choose it with --new-image REF|DIGEST|N" in err
    assert "--platform" not in err  # both are linux/amd64: it could not choose


def test_an_image_that_names_none_is_an_error_naming_the_archive_it_is_not_in(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    several, single = built["docker-legacy-multi"], built["example"]
    assert main(["diff", str(several), str(single), "--image", "example/shop:1.0", "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"image-audit: error: {single}: 'example/shop:1.0' names no image of the archive, "
        "which holds 1: 1 'example/shop:latest' (linux/amd64); name one by reference"
    )
    assert err.count("\n") == 1


@pytest.mark.realworld
def test_the_two_images_of_podman_s_docker_save_are_compared_by_number(
    capsys: pytest.CaptureFixture[str],
) -> None:
    archive = str(REALWORLD / "images" / "podman" / "docker-two-images.tar.xz")
    code, doc = diff(capsys, archive, archive, "--old-image", "1", "--new-image", "2")
    assert code == 0
    assert doc["old"]["refs"] == ["example.com/empty:latest"]  # type: ignore[index]
    assert doc["new"]["refs"] == ["example.com/empty/but:different"]  # type: ignore[index]
    assert doc["config"]["env_names"] == {"old": ["PATH"], "new": ["PATH", "different-image"]}  # type: ignore[index]

"""An error message quotes the archive (a tag, a layer's path): a secret there is redacted.

The error stops the read before any image's scrubber exists, so the message is judged on its
own, by the shapes the scan knows, and shows the token as every other output does.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.document_scrub import redacted_message
from fixtures.broken import write_diffid_mismatch
from fixtures.docker import docker_legacy_content, write_docker_archive
from fixtures.example import example_image
from fixtures.leaky_image import FILE_TOKEN
from fixtures.outer import write_tar_archive
from fixtures.spec import FileSpec, ImageSpec, LayerSpec

SHOWN_TOKEN = "ghp_... (40 chars, sha256:"


def error_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 2
    out, err = capsys.readouterr()
    assert FILE_TOKEN not in out
    return err


@pytest.fixture(scope="module")
def tampered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example image tagged with a token, its app layer edited after its diff_id."""
    image = replace(example_image(), repo_tags=(f"registry.example/app:{FILE_TOKEN}",))
    return write_diffid_mismatch(tmp_path_factory.mktemp("tampered") / "in.tar", image)


@pytest.mark.parametrize(
    "command",
    [["scan"], ["inspect"], ["ls", "/"], ["timeline"], ["diff", "SELF"], ["extract", "/app"]],
    ids=" ".join,
)
def test_a_token_in_the_tag_of_a_damaged_image_is_redacted_in_every_verbs_error(
    command: list[str], tampered: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verb, *rest = command
    rest = [str(tampered) if word == "SELF" else word for word in rest]
    if verb == "extract":
        rest += ["-o", str(tmp_path / "out")]
    err = error_of(capsys, verb, str(tampered), *rest, "-q")
    assert "rootfs.diff_ids" in err  # the message still says what is wrong
    assert FILE_TOKEN not in err
    assert f"registry.example/app:{SHOWN_TOKEN}" in err
    assert err.endswith("\n") and err[:-1].isprintable()  # one line


def test_a_token_in_the_path_of_a_missing_layer_is_redacted_in_the_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = docker_legacy_content([example_image()])
    manifest = json.loads(content.data("manifest.json"))
    manifest[0]["Layers"][0] = f"{FILE_TOKEN}/layer.tar"
    content.add_file("manifest.json", json.dumps(manifest).encode())
    archive = write_tar_archive(content, tmp_path / "missing.tar")
    err = error_of(capsys, "inspect", str(archive), "-q")
    assert "is not in the archive" in err
    assert FILE_TOKEN not in err
    assert f"'{SHOWN_TOKEN}" in err


def test_the_tools_own_words_after_a_path_named_like_a_password_are_printed_as_they_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In "... to /usr/share/passwd: it holds no bytes to extract", "it holds..." is not the
    value of a passwd: the message's own words are never taken for a secret."""
    links = (("etc/passwd", "/usr/share/passwd"), ("app/db_password", "/run/secrets/db_pw"))
    layer = LayerSpec(
        (
            FileSpec("etc", kind="dir"),
            FileSpec("app", kind="dir"),
            *(FileSpec(path, kind="symlink", link=link) for path, link in links),
        )
    )
    archive = write_docker_archive([ImageSpec(layers=(layer,))], tmp_path / "links.tar")
    for path, link in links:
        err = error_of(capsys, "extract", str(archive), f"/{path}", "-o", str(tmp_path / "x"))
        assert err == (
            f"image-audit: error: /{path} is a symbolic link to {link}: "
            "it holds no bytes to extract\n"
        )


def test_a_secret_assignment_quoted_from_the_archive_is_redacted_in_the_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A manifest's Config that reads DB_PASSWORD=<password> is judged as an ENV entry is:
    the error naming the missing config shows the name and a redaction, not the password."""
    password = "Qz88rESQedUStPKR!x"
    content = docker_legacy_content([example_image()])
    manifest = json.loads(content.data("manifest.json"))
    manifest[0]["Config"] = f"DB_PASSWORD={password}"
    content.add_file("manifest.json", json.dumps(manifest).encode())
    err = error_of(capsys, "inspect", str(write_tar_archive(content, tmp_path / "in.tar")), "-q")
    assert "Config: 'DB_PASSWORD=Qz88... (18 chars, sha256:" in err
    assert password not in err and "is not in the archive" in err


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("layer 'password: hunter2-Secret' is missing", "layer 'password: hunt... ("),
        ("blob 'a' DB_PASSWORD=Qz88rESQedUStPKR!x 'b' is missing", "DB_PASSWORD=Qz88... ("),
        ("x: 'https://admin:Qz88rESQedUStPKR@reg.example/' and", "https://admin:Qz88... ("),
        ("config 'Zk3mQ9xV7pL2wR8tY4nB6cH1jF5dS0aE' is missing", "config 'Zk3m... ("),
    ],
    ids=["keyword in a quoted string", "assignment between quotes", "url password", "entropy"],
)
def test_a_secret_from_the_archive_is_redacted_wherever_the_message_quotes_it(
    message: str, shown: str
) -> None:
    assert shown in redacted_message(message)


def test_a_message_that_cannot_be_checked_for_secrets_is_withheld_not_printed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(message: str) -> str:
        raise RuntimeError("the engine could not be built")

    monkeypatch.setattr("analyzer.cli.redacted_message", broken)
    err = error_of(capsys, "inspect", str(tmp_path / "missing.tar"))
    assert "withheld: it could not be checked for secrets" in err
    assert "missing.tar" not in err and "Traceback" not in err

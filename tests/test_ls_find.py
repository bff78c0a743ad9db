"""`ls --find GLOB` and `ls --sha256 HEX`: is this file, this leaked key, this malware sample in
the image, in which layers, since when, and is it still there? Deleted and shadowed versions
count: they are still inside their layer's bytes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from analyzer.cli import main
from fixtures.example import fake_private_key


def ls_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]]]:
    code = main(["ls", *argv, "--format", "json", "-q"])
    out = capsys.readouterr().out
    return code, json.loads(out)["images"] if code == 0 else []


def test_sha256_finds_a_key_that_a_later_layer_deleted(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    digest = hashlib.sha256(fake_private_key()).hexdigest()
    code, [image] = ls_json(capsys, str(built["example"]), "--sha256", f"sha256:{digest}")
    assert code == 0
    [match] = image["matches"]  # type: ignore[misc]
    assert match["path"] == "/app/id_rsa" and match["layer"] == 1
    assert match["fate"] == {"present": False, "how": "deleted", "by_layer": 2}


def test_find_matches_base_names_with_a_plain_glob_and_whole_paths_with_a_slash(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, [by_name] = ls_json(capsys, str(built["example"]), "--find", "id_*")
    assert [m["path"] for m in by_name["matches"]] == ["/app/id_rsa"]  # type: ignore[index]
    _, [by_path] = ls_json(capsys, str(built["example"]), "--find", "/app/config/*")
    paths = {m["path"] for m in by_path["matches"]}  # type: ignore[index]
    assert "/app/config/.env" in paths and all(p.startswith("/app/config/") for p in paths)


def test_every_version_of_a_file_changed_in_several_layers_is_listed(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, [image] = ls_json(capsys, str(built["example"]), "--find", ".env")
    layers = [(m["layer"], m["fate"]["present"]) for m in image["matches"]]  # type: ignore[index]
    assert layers == [(1, False), (2, True)]


def test_no_match_is_an_answer_not_an_error(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ls", str(built["example"]), "--sha256", "0" * 64, "-q", "--wide"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "no layer of example/shop:latest holds sha256:" + "0" * 64 in out


def test_the_table_says_where_and_what_became_of_it(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ls", str(built["example"]), "--find", "id_rsa", "-q", "--wide"]) == 0
    out = capsys.readouterr().out
    assert "/app/id_rsa" in out and "deleted in layer 2" in out


def test_a_malformed_digest_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["ls", "x.tar", "--sha256", "abc\x1b[31m"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "not a sha256 digest" in err and "\x1b" not in err

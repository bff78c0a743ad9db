"""A key given twice in an image's documents: the value a reader drops is still examined.

Docker (Go's encoding/json) reads a repeated key's last value, and the scan did too: a token
in the first value was never examined, so never reported nor redacted, and the bundle's copies
of the config and of manifest.json, written with every member kept, carried it in full. Now
every member is examined: the token is reported (its source says the value is shadowed),
redacted from every output, and the repeated key is named in a notice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.cli import main
from analyzer.scan import image_share
from analyzer.secrets.config import archive_secrets, archive_values
from analyzer.secrets.documents import document_strings
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.redact import redact
from analyzer.secrets.sources import SHADOWED
from fixtures.repeated_keys import ODD, PLACES, TOKENS, write_repeated_key_archive

SOURCES = {
    "Env": "CONFIG config.Env",
    "Labels": "CONFIG config.Labels.a",
    "label-key": "CONFIG config.Labels.a",
    "WorkingDir": "CONFIG config.WorkingDir",
    "created_by": "CONFIG history.created_by",
    "comment": "CONFIG history.comment",
    "config": "CONFIG config.Env",
    "RepoTags": "ARCHIVE manifest.json RepoTags",
    "entry-member": "ARCHIVE manifest.json Note",
}


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def decoded(name: str, data: bytes) -> str:
    """A JSON file's strings with their escapes decoded (`\\u0067hp_` would hide a token from a
    byte search), every member kept."""
    if not name.endswith(".json"):
        return ""
    return json.dumps(json.loads(data, object_pairs_hook=list), ensure_ascii=False)


@pytest.mark.parametrize("place", PLACES)
def test_a_token_in_a_shadowed_value_is_reported_and_redacted_everywhere(
    place: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = TOKENS[place]
    archive = write_repeated_key_archive(place, tmp_path / "dupkey.tar")
    out, report = tmp_path / "evidence", tmp_path / "report.json"
    main(["scan", str(archive), "--bundle", str(out)])
    main(["scan", str(archive), "-f", "json", "-o", str(report)])
    main(["inspect", str(archive)])
    main(["ls", str(archive)])
    terminal = "".join(capsys.readouterr())
    assert token not in terminal and token[4:] not in terminal

    written = {**files(out), "-o report.json": report.read_bytes()}
    for name, data in written.items():
        assert token.encode() not in data and token not in decoded(name, data), name

    document = json.loads((out / "report.json").read_bytes())
    sha = redact(token).sha256
    [finding] = [f for f in document["findings"] if f["details"].get("secret_sha256") == sha]
    assert finding["rule_id"] == "IA-SECRET-GITHUB-TOKEN" and finding["severity"] == "high"
    assert finding["details"]["source"] == f"{SOURCES[place]}, {SHADOWED}"
    assert f"({SOURCES[place]}, {SHADOWED})" in finding["evidence"]
    assert any("repeats keys within one object" in n for n in document["notices"])


@pytest.mark.parametrize("place", ["Labels", "RepoTags"])
def test_a_rewritten_copy_keeps_every_member_and_is_ascii(place: str, tmp_path: Path) -> None:
    """The copies are rewritten (they hold a secret): in ASCII, every character outside it
    (a bidirectional override, a C1 control, an ESC) as its escape, and every member of a
    repeated key still there, the shadowed value redacted."""
    archive = write_repeated_key_archive(place, tmp_path / "dupkey.tar")
    assert "\u202eit\u0085".encode() in archive.read_bytes()  # as raw UTF-8 in the config
    out = tmp_path / "evidence"
    main(["scan", str(archive), "-q", "--bundle", str(out)])
    config = (out / "config.json").read_bytes()
    assert config.isascii()
    labels = [v for k, v in json.loads(config, object_pairs_hook=list)[1][1] if k == "Labels"]
    assert labels[1] == [("a", ODD)]  # the odd characters come back from their escapes
    manifest = (out / "archive-manifest.json").read_bytes()
    if place == "RepoTags":
        tags = [v for k, v in json.loads(manifest, object_pairs_hook=list)[0] if k == "RepoTags"]
        assert tags[0][0].startswith("shop/app:ghp_... (40 chars") and tags[1] == ["shop/app:1"]
        assert manifest.isascii()


def test_document_strings_walk_a_shadowed_member_under_a_skipped_path() -> None:
    raw = b'{"a": {"k": "first", "k": "last", "n": "x"}, "b": "y", "b": "z"}'
    strings = [(s.path, s.text, s.shadowed) for s in document_strings(raw, lambda p: p == ("a",))]
    assert (("a", "k"), "first", True) in strings  # what reads "a" sees the last "k" only
    assert not any(text in {"last", "x"} for _, text, _ in strings)
    assert (("b",), "y", True) in strings and (("b",), "z", False) in strings
    plain = document_strings(b'{"a": {"k": "v"}, "b": ["w"]}')
    assert [(s.path, s.text, s.key, s.shadowed) for s in plain] == [
        ((), "a", "", False),
        (("a",), "k", "", False),
        (("a", "k"), "v", "k", False),
        ((), "b", "", False),
        (("b",), "w", "", False),
    ]


def test_a_secret_of_a_manifest_json_entry_is_reported_by_the_image_of_that_entry() -> None:
    """Each image reports what its own entry of manifest.json holds (a shadowed tag here),
    and what lies in an entry of no image read (a platform not selected, say): it is in the
    archive all the same."""
    a, b, c = TOKENS["RepoTags"], TOKENS["entry-member"], TOKENS["Env"]
    entries = [
        f'{{"Config": "a.json", "RepoTags": ["r/a:{a}"], "RepoTags": ["r/a:1"]}}',
        f'{{"Config": "b.json", "Note": "{b}", "Note": "x"}}',
        f'{{"Config": "c.json", "RepoTags": ["r/c:{c}"]}}',
    ]
    raw = ("[" + ", ".join(entries) + "]").encode()
    shared = archive_secrets([("manifest.json", raw)], SecretEngine(use_hyperscan=False))
    assert archive_values(shared) == [a, b, c]
    read = {"a.json", "b.json"}
    assert [s.value for s in image_share(shared, "a.json", read)] == [a, c]
    assert [s.value for s in image_share(shared, "b.json", read)] == [b, c]
    [tag] = image_share(shared, "a.json", read)[:1]
    assert tag.archive and tag.source == f"ARCHIVE manifest.json RepoTags, {SHADOWED}"


@pytest.mark.parametrize(
    "repeated",
    [
        '"config": {"Env": ["API_TOKEN=%s"], "Env": ["PATH=/bin"]}',
        '"config": {"Env": ["API_TOKEN=%s"]}, "config": {"Env": ["PATH=/bin"]}',
    ],
    ids=["Env", "config"],
)
def test_a_shadowed_env_entry_is_judged_by_its_name_like_a_live_one(repeated: str) -> None:
    """An ENV variable whose name says it holds a secret is reported whatever its value looks
    like (`API_TOKEN=s3cr3t-Val-99` has no token shape); an entry a repeated key hides from
    runtimes is judged the same way, its source saying it is shadowed."""
    from analyzer.image.config import parse_config  # noqa: PLC0415
    from analyzer.image.document import parse_document  # noqa: PLC0415
    from analyzer.secrets.config import config_secrets  # noqa: PLC0415

    value = "s3cr3t-Val-99"
    rootfs = '"rootfs": {"type": "layers", "diff_ids": []}'
    raw = (
        "{" + repeated % value + f', "os": "linux", "architecture": "amd64", {rootfs}}}'
    ).encode()
    config = parse_config(parse_document(raw, "config"))
    assert config.env == ("PATH=/bin",)  # what a runtime reads
    found = config_secrets(config, 0, SecretEngine(use_hyperscan=False), raw)
    [secret] = [s for s in found if s.value == value]
    assert secret.kind == "env" and secret.source == f"ENV API_TOKEN, {SHADOWED}"

"""The evidence bundle: complete, schema-valid, reproducible, verifiable, written nowhere else."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from analyzer.bundle.copies import document_copy, scrubbed_document
from analyzer.bundle.cyclonedx import cyclonedx_errors
from analyzer.bundle.report import canonical_json
from analyzer.bundle.sarif import sarif_errors
from analyzer.cli import main
from analyzer.clock import utc_now
from analyzer.errors import UsageError
from fixtures.docker import docker_legacy_content
from fixtures.leaky_image import FILE_TOKEN, leaky_image
from fixtures.outer import write_tar_archive
from fixtures.secret_image import PLANTED, write_secret_image

EXPECTED = {
    "report.json",
    "report.md",
    "findings.csv",
    "layers.csv",
    "inventory.csv",
    "config.json",
    "index.json",
    "custody.json",
    "SHA256SUMS",
    "findings.sarif",
    "packages.cdx.json",
    "report.html",
}


def bundle(archive: Path, out: Path, *extra: str) -> int:
    return main(["scan", str(archive), "--bundle", str(out), *extra])


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def schema() -> dict[str, object]:
    text = resources.files("analyzer.bundle").joinpath("schemas/report.schema.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def test_bundle_holds_every_report_and_validates(built: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "evidence"
    assert bundle(built["example"], out, "--case", "PCI-2026-17", "--examiner", "A. Auditor") == 0
    assert set(files(out)) >= EXPECTED
    report = json.loads((out / "report.json").read_text())
    jsonschema.Draft202012Validator(schema()).validate(report)
    statuses = {r["requirement"]: r["status"] for r in report["requirements"]}
    assert statuses["CG-12.4"] == "fail" and statuses["CG-12.3"] == "fail"
    custody = json.loads((out / "custody.json").read_text())
    assert custody["case"] == "PCI-2026-17" and custody["examiner"] == "A. Auditor"
    assert custody["input"]["sha256"] == report["input"]["sha256"]
    assert len(custody["ruleset"]["sha256"]) == 64
    # the build that ran (every commit is version 0.1.0), where and by whom, the input's place
    from analyzer.bundle.custody import source_sha256  # noqa: PLC0415

    assert custody["tool"]["source_sha256"] == source_sha256()
    assert custody["host"]["working_directory"] == os.getcwd() and custody["host"]["user"]
    assert custody["input"]["absolute_path"] == str(built["example"].resolve())
    assert "## Verdict per requirement" in (out / "report.md").read_text()
    sarif = json.loads((out / "findings.sarif").read_text())
    assert sarif_errors(sarif) == []
    assert len(sarif["runs"][0]["results"]) == len(report["findings"])
    assert cyclonedx_errors(json.loads((out / "packages.cdx.json").read_text())) == []


def test_same_input_gives_the_same_bytes(
    built: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "evidence"
    bundle(built["example"], out)
    first = files(out)
    bundle(built["example"], out, "--force")
    second = files(out)
    assert {k: v for k, v in first.items() if k not in ("custody.json", "SHA256SUMS")} == {
        k: v for k, v in second.items() if k not in ("custody.json", "SHA256SUMS")
    }
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    bundle(built["example"], out, "--force")
    third = files(out)
    bundle(built["example"], out, "--force")
    assert files(out) == third  # with SOURCE_DATE_EPOCH: fully identical, custody included


def test_refuses_a_non_empty_directory_without_force(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert bundle(built["example"], tmp_path) == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_nothing_is_written_outside_the_output_directory(
    built: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bundle(built["hostile-traversal"], tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_several_images_get_a_folder_each_and_an_index(
    built: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "evidence"
    bundle(built["oci-multiarch"], out)
    index = json.loads((out / "index.json").read_text())
    folders = [entry["folder"] for entry in index["images"]]
    assert len(folders) == 2 and all(folder.startswith("image-") for folder in folders)
    for folder in folders:
        assert (out / folder / "report.json").is_file()


@pytest.fixture
def verified(built: dict[str, Path], tmp_path: Path) -> Path:
    out = tmp_path / "evidence"
    bundle(built["example"], out)
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED - {"SHA256SUMS"}))
def test_verify_detects_one_changed_byte_in_any_file(
    name: str, verified: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = verified / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    assert main(["verify", str(verified)]) == 1
    assert f"FAILED {name}: content changed" in capsys.readouterr().out


def test_verify_passes_an_intact_bundle_and_its_archive(
    verified: Path, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(verified), str(built["example"])]) == 0
    assert capsys.readouterr().out.strip().endswith("0 failed")


def test_verify_rejects_another_archive_and_added_files(
    verified: Path, built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (verified / "extra.txt").write_text("slipped in")
    assert main(["verify", str(verified), str(built["oci-multiarch"])]) == 1
    out = capsys.readouterr().out
    assert "FAILED extra.txt: not listed" in out and "FAILED archive sha256" in out


def test_no_planted_secret_appears_in_any_bundle_file(tmp_path: Path) -> None:
    archive = write_secret_image(tmp_path / "secret.tar")
    out = tmp_path / "evidence"
    bundle(archive, out, "--show-suppressed")
    for name, data in files(out).items():
        for value in PLANTED:
            assert value.encode() not in data, f"{value[:4]}... in {name}"


def test_document_copies_stay_byte_exact_unless_they_hold_a_secret() -> None:
    """The manifest and index copies are kept as read, so that their digests still check;
    only a copy holding a secret value is rewritten, with the value redacted."""
    raw = b'{"schemaVersion": 2,  "annotations": {"a": "hunter2-long-value"}}'
    assert document_copy(raw, str) is raw
    scrubbed = document_copy(raw, lambda text: text.replace("hunter2-long-value", "hunt..."))
    assert b"hunter2-long-value" not in scrubbed and json.loads(scrubbed)["annotations"]


def _hunter(text: str) -> str:
    return text.replace("hunter2-long-value", "hunt...")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": "hunter2-long-value", "a": "x"}',  # a parser keeps only the last value
        b'{"a": "\\u0068unter2-long-value", "a": "x"}',  # and an escape hides it in the text
        b'{"hunter2-long-value": 1, "hunter2-long-value": 2}',
        b'[{"n": 1}, {"n": 2, "b": ["hunter2-long-value"], "n": 3}]',
        b'{"n": 12, "hunter2-long-value": not json',
    ],
)
def test_a_secret_in_a_document_copy_is_redacted_wherever_it_sits(raw: bytes) -> None:
    copy = document_copy(raw, _hunter)
    assert b"hunter2-long-value" not in copy and b"hunt..." in copy
    if b"not json" not in raw:
        strings = json.dumps(json.loads(copy, object_pairs_hook=list))
        assert "hunter2" not in strings and strings.count("hunt...") == raw.count(b"unter2")


def test_a_rewritten_document_copy_keeps_every_member_of_a_duplicated_key() -> None:
    copy = document_copy(b'{"b": 1, "a": "hunter2-long-value", "a": "x"}', _hunter)
    assert json.loads(copy, object_pairs_hook=list) == [("a", "hunt..."), ("a", "x"), ("b", 1)]


@pytest.mark.parametrize(
    "doc",
    [
        {"b": [1, 2.5, None, True], "a": {"z": {}, "y": []}, "\u00e9": "\udcff\n"},
        [],
        "text",
        {"schemaVersion": 2, "layers": [{"digest": "sha256:" + "ab" * 32, "size": 10**20}]},
    ],
)
def test_a_rewritten_document_has_the_layout_of_every_other_json_file(doc: object) -> None:
    """canonical_json's layout, in ASCII: a character outside it (a bidirectional override,
    a C1 control, a lone surrogate) is written as its escape."""
    raw = json.dumps(doc).encode()
    copy = scrubbed_document(raw, str)
    assert copy.isascii() and copy == (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()
    assert json.loads(copy) == json.loads(canonical_json(json.loads(raw)))


def test_a_rewritten_document_escapes_controls_and_overrides() -> None:
    # ESC written as its escape: a raw control character is not JSON
    raw = '{"a": "hunter2-long-value", "b": "x\u202ey\u0085z\\u001b[31m"}'.encode()
    copy = document_copy(raw, _hunter)
    assert copy.isascii() and b"\\u202e" in copy and b"\\u0085" in copy and b"\\u001b" in copy
    assert json.loads(copy)["b"] == "x\u202ey\u0085z\u001b[31m"


@pytest.mark.parametrize("hidden", [FILE_TOKEN, "\\u0067" + FILE_TOKEN[1:]])
def test_a_token_found_in_a_file_is_redacted_in_a_duplicated_key_of_manifest_json(
    hidden: str, tmp_path: Path
) -> None:
    content = docker_legacy_content([leaky_image()])
    manifest = content.data("manifest.json")
    assert manifest.startswith(b"[{")
    content.add_file("manifest.json", b'[{"Note":"%s","Note":"x",' % hidden.encode() + manifest[2:])
    archive = write_tar_archive(content, tmp_path / "dupkey.tar")
    out = tmp_path / "evidence"
    assert bundle(archive, out, "-q") == 0
    copy = (out / "archive-manifest.json").read_bytes()
    notes = [value for key, value in json.loads(copy, object_pairs_hook=list)[0] if key == "Note"]
    assert notes[0].startswith("ghp_...") and notes[1:] == ["x"]  # both kept, one redacted
    for name, data in files(out).items():
        parsed = json.loads(data, object_pairs_hook=list) if name.endswith(".json") else ""
        assert FILE_TOKEN.encode() not in data and FILE_TOKEN not in json.dumps(parsed), name


def test_an_input_whose_name_is_not_utf8_gets_a_bundle_showing_the_byte_escaped(
    built: dict[str, Path], tmp_path: Path
) -> None:
    archive = tmp_path / os.fsdecode(b"shop\xff.tar")
    shutil.copy(built["example"], archive)
    out = tmp_path / "evidence"
    assert bundle(archive, out) == 0
    # Markdown escapes the backslash of the visible escape; it renders as shop\xff.tar
    assert "- input: shop\\\\xff.tar (" in (out / "report.md").read_text(encoding="utf-8")
    assert "shop\\xff.tar" in (out / "report.html").read_text(encoding="utf-8")
    assert json.loads((out / "custody.json").read_bytes())["input"]["name"] == archive.name
    assert main(["verify", str(out), str(archive)]) == 0


def test_an_oci_layout_holding_a_name_that_is_not_utf8_is_hashed_by_its_exact_bytes(
    built: dict[str, Path], tmp_path: Path
) -> None:
    layout = shutil.copytree(built["oci-dir-zstd"], tmp_path / "layout")
    (layout / os.fsdecode(b"notes\xff.txt")).write_bytes(b"examiner's notes\n")
    out = tmp_path / "evidence"
    assert bundle(layout, out) == 0
    listing = b"".join(
        hashlib.sha256(path.read_bytes()).hexdigest().encode()
        + b"  "
        + os.fsencode(path.relative_to(layout).as_posix())
        + b"\n"
        for path in sorted(layout.rglob("*"))
        if path.is_file()
    )
    custody = json.loads((out / "custody.json").read_bytes())
    assert custody["input"]["sha256"] == hashlib.sha256(listing).hexdigest()
    assert main(["verify", str(out), str(layout)]) == 0


@pytest.mark.parametrize("epoch", ["99999999999999999999", "9" * 400, "-99999999999"])
def test_a_source_date_epoch_past_the_calendar_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, epoch: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH"):
        utc_now()


def test_a_renderer_that_fails_stops_the_input_hash_running_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The input's sha256 is computed in a thread while the tables render; Ctrl-C (or a
    failed renderer) then stops that hash at its next piece instead of reading a big input
    to its end before the interrupt reaches the user."""
    from types import SimpleNamespace  # noqa: PLC0415

    from analyzer.bundle import custody, writer  # noqa: PLC0415

    big = tmp_path / "big.tar"
    with big.open("wb") as handle:
        handle.truncate(8 << 30)  # sparse: 8 GB read at memory speed would take seconds
    outcome: list[BaseException | dict[str, object]] = []

    def recorded(path: Path, stop: object = None) -> dict[str, object]:
        try:
            facts = custody.input_facts(path, stop)  # type: ignore[arg-type]
        except BaseException as exc:
            outcome.append(exc)
            raise
        outcome.append(facts)
        return facts

    def interrupted(*args: object) -> dict[str, bytes]:
        raise KeyboardInterrupt

    monkeypatch.setattr(writer, "input_facts", recorded)
    monkeypatch.setattr(writer, "_image_tables", interrupted)
    result = SimpleNamespace(read=SimpleNamespace(archive=SimpleNamespace(path=big)), images=[1])
    with pytest.raises(KeyboardInterrupt):
        writer.bundle_files(result, {"images": [{}]}, {}, SimpleNamespace(extras=()))  # type: ignore[arg-type]
    assert [type(o) for o in outcome] == [custody.HashingStopped]

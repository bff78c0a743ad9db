"""Every string that leaves the tool passes the image's redactor, whatever field it is in.

The leaky image repeats a token the scan finds in /app/.env and an AWS key id from its ENV in
the os-release PRETTY_NAME, package versions and licenses, tags, file names, link targets and
a label. `scan` knows both and must show neither anywhere; `inspect` and `ls` examine no file
content, so they promise it for the config's secrets only.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from analyzer.bundle.cyclonedx import cyclonedx_errors
from analyzer.bundle.sarif import sarif_errors
from analyzer.bundle.tables import inventory_csv
from analyzer.cli import main
from analyzer.scan import scan_archive
from fixtures.detector_cases import base
from fixtures.formats import write_docker_archive
from fixtures.leaky_image import (
    BIG_FILE,
    CONFIG_KEY,
    FILE_TOKEN,
    SECRETS,
    leaky_image,
    write_leaky_image,
)
from fixtures.spec import FileSpec, ImageSpec, LayerSpec

SHOWN_TOKEN = "ghp_... (40 chars"
SHOWN_KEY = "AKIA... (20 chars"


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_leaky_image(tmp_path_factory.mktemp("leaky") / "leaky.tar")


@pytest.fixture(scope="module")
def bundle(leaky: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("leaky-bundle") / "evidence"
    assert main(["scan", str(leaky), "--jobs", "1", "-q", "--bundle", str(out)]) == 0
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    out, err = capsys.readouterr()
    return out + err


def shown(text: str | bytes, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [s[:4] for s in secrets if s.encode() in data]


@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
def test_scan_output_never_shows_a_secret_it_recognised(
    fmt: str, leaky: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "scan", str(leaky), "--jobs", "1", "--format", fmt)
    assert shown(out) == []
    assert SHOWN_TOKEN in out and SHOWN_KEY in out  # the tag, redacted, is still there


def test_scan_json_redacts_facts_names_and_refs(
    leaky: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    [image] = json.loads(run(capsys, "scan", str(leaky), "--jobs", "1", "--format", "json"))[
        "images"
    ]
    assert all(SHOWN_TOKEN in r or SHOWN_KEY in r for r in image["refs"])
    assert SHOWN_TOKEN in image["os"]["pretty_name"] and SHOWN_KEY in image["os"]["pretty_name"]
    packages = {p["name"]: p for p in image["packages"]}
    assert packages["libleak"]["version"] == f"1.0-{SHOWN_TOKEN}, sha256:db18eaa92aa0f18d)"
    assert SHOWN_KEY in packages["libkey"]["purl"] and SHOWN_KEY in packages["libkey"]["source"]
    licenses = {p["kind"]: p["license"] for p in image["packages"] if p["license"]}
    assert SHOWN_TOKEN in licenses["pypi"] and SHOWN_KEY in licenses["npm"]


def test_scan_redacts_a_notice_that_names_a_file(
    leaky: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    limit = str(BIG_FILE // 4)
    out = run(capsys, "scan", str(leaky), "--jobs", "1", "--max-file-bytes", limit, "--wide")
    assert shown(out) == []
    assert any(SHOWN_TOKEN in line and "limit" in line for line in out.splitlines())


def test_bundle_files_never_show_a_secret_the_scan_recognised(bundle: dict[str, bytes]) -> None:
    pending = {"inventory.csv"}  # see the test below
    assert {name: shown(data) for name, data in bundle.items() if name not in pending} == {
        name: [] for name in bundle if name not in pending
    }
    assert SHOWN_TOKEN.encode() in bundle["report.json"]
    assert sarif_errors(json.loads(bundle["findings.sarif"])) == []
    assert cyclonedx_errors(json.loads(bundle["packages.cdx.json"])) == []


def test_bundle_inventory_never_shows_a_secret_the_scan_recognised(
    bundle: dict[str, bytes],
) -> None:
    assert shown(bundle["inventory.csv"]) == []


def test_inventory_csv_redacts_names_and_link_targets_with_the_reports_scrub(
    leaky: Path,
) -> None:
    [report] = scan_archive(leaky).images
    inventory = inventory_csv(report.view, report.scrub).decode()
    assert shown(inventory) == []
    assert f"/app/{SHOWN_TOKEN}" in inventory and f"/run/secrets/{SHOWN_TOKEN}" in inventory
    assert f"/app/{SHOWN_KEY}" in inventory  # the hardlink's target


CONFIG_ONLY = [
    ["inspect"],
    ["inspect", "--format", "json"],
    ["ls"],
    ["ls", "--format", "json"],
    ["ls", "--history"],
    ["ls", "--history", "--format", "json"],
    ["ls", "--deleted"],
    ["ls", "--deleted", "--format", "json"],
]


@pytest.mark.parametrize("command", CONFIG_ONLY, ids=" ".join)
def test_inspect_and_ls_never_show_a_config_secret(
    command: list[str], leaky: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, command[0], str(leaky), *command[1:], "--wide")
    assert shown(out, (CONFIG_KEY,)) == []
    assert SHOWN_KEY in out  # the tag (or the file named after the key), redacted


def test_ls_redacts_a_token_it_sees_in_a_file_name_or_a_reference(
    leaky: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ls` reads no file content, but the token here is also a file name, a link target and
    a tag: it is recognised there and redacted everywhere (a token only inside a file is the
    documented limit, see tests/test_inspection.py)."""
    out = run(capsys, "ls", str(leaky), "/app", "--wide")
    assert shown(out) == []
    assert SHOWN_TOKEN in out


def test_a_name_that_is_not_utf8_is_redacted_without_crashing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scrubber that hashes what it looks at cannot encode a surrogate: the text between
    them is scrubbed, and a name holding both a non-UTF-8 byte and a secret loses the secret."""
    image = leaky_image()
    odd = LayerSpec(
        (
            FileSpec(f"app/\udcff{FILE_TOKEN}\udcfe", b"odd\n"),
            FileSpec("app/odd-link", kind="symlink", link=f"/\udcff{CONFIG_KEY}"),
        ),
        created_by="COPY odd /app/",
    )
    archive = write_docker_archive(
        [replace(image, layers=(*image.layers, odd))], tmp_path / "odd.tar"
    )
    out = run(capsys, "scan", str(archive), "--jobs", "1", "--format", "json")
    paths = {p for f in json.loads(out)["images"][0]["findings"] for p in [f["path"]]}
    assert shown(out) == [] and paths
    evidence = tmp_path / "evidence"
    run(capsys, "scan", str(archive), "--jobs", "1", "-q", "--bundle", str(evidence))
    [report] = scan_archive(archive).images
    inventory = inventory_csv(report.view, report.scrub).decode()  # bytes escaped, not a crash
    assert f"/app/\\xff{SHOWN_TOKEN}" in inventory and shown(inventory) == []
    for name in ("report.json", "findings.csv", "report.md", "findings.sarif"):
        assert shown((evidence / name).read_bytes()) == []


def test_a_secret_only_an_ini_reading_of_a_command_word_shows_is_found_and_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`db_pass : VALUE` matches none of the keyword plugin's regexes as written, but its INI
    reading does: the word is scanned whole (the prefilter's keyword line check, which holds
    for lines as written, must not keep it from the engine), and the value never shows."""
    value = "s3cr3tvalue"
    command = ("/bin/sh", "-c", f'app --password=PW --user=bob "db_pass : {value}"')
    layer = LayerSpec(entries=(FileSpec("etc/hostname", data=b"box\n"),))
    image = tmp_path / "cmd.tar"
    write_docker_archive([ImageSpec(layers=(layer,), cmd=command)], image)
    out = tmp_path / "evidence"
    report = run(capsys, "scan", str(image), "--format", "json", "--bundle", str(out), "-q")
    assert value not in report
    found = json.loads(report)["images"][0]["findings"]
    assert any(
        f["rule_id"] == "IA-SECRET-KEYWORD" and "s3c... (11 chars" in f["evidence"] for f in found
    )
    assert [
        p.name for p in out.rglob("*") if p.is_file() and value.encode() in p.read_bytes()
    ] == []


@pytest.fixture(scope="module")
def xattr_named(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file with an extended attribute whose NAME is the token (`user.ghp_...`): the token
    is nowhere else in the image."""
    tool = FileSpec("app/tool", b"tool\n", xattrs={f"user.{FILE_TOKEN}": b"1", "user.note": b"x"})
    layer = LayerSpec((FileSpec("app", kind="dir"), tool), created_by="COPY tool /app/")
    image = ImageSpec(layers=(base(), layer), repo_tags=("xattr/app:1",))
    return write_docker_archive([image], tmp_path_factory.mktemp("xattr") / "xattr.tar")


def test_ls_shows_an_attribute_name_holding_a_token_redacted(
    xattr_named: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "ls", str(xattr_named), "/app/tool", "-f", "json", "-q")
    [entry] = json.loads(out)["images"][0]["entries"]
    assert shown(out, (FILE_TOKEN,)) == []
    hidden, note = sorted(entry["xattrs"])
    assert hidden.startswith(f"user.{SHOWN_TOKEN}, sha256:") and note == "user.note"


def test_extract_custody_shows_an_attribute_name_holding_a_token_redacted(
    xattr_named: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "tool"
    run(capsys, "extract", str(xattr_named), "/app/tool", "-o", str(dest), "-q")
    custody = (tmp_path / "tool.custody.json").read_text("utf-8")
    assert shown(custody, (FILE_TOKEN,)) == []
    assert f"user.{SHOWN_TOKEN}" in custody


def test_scan_reports_a_token_in_an_attribute_name_with_the_file_that_carries_it(
    xattr_named: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(capsys, "scan", str(xattr_named), "--jobs", "1", "-f", "json", "-q")
    assert shown(out, (FILE_TOKEN,)) == []
    found = json.loads(out)["images"][0]["findings"]
    [token] = [f for f in found if f["rule_id"] == "IA-SECRET-GITHUB-TOKEN"]
    assert f"XATTR NAME user.{SHOWN_TOKEN}" in token["evidence"]
    assert "ON /app/tool" in token["evidence"] and token["layer_index"] == 1
    assert token["path"] == "/app/tool" and token["present_in_final"]

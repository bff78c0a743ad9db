"""Every secret the scan recognises is reported where it was found and redacted wherever else
it shows: in the facts (os-release, package versions and licenses), the findings, the raw
config and manifest, the tags, the file names, the archive's own documents."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analyzer.scan import ImageReport, ScanResult, scan_archive
from analyzer.secrets.redact import redact
from fixtures import redaction_image as planted
from fixtures.redaction_image import PLANTED, write_redaction_image


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    return scan_archive(write_redaction_image(tmp_path_factory.mktemp("redact") / "image.tar"))


@pytest.fixture(scope="module")
def report(result: ScanResult) -> ImageReport:
    [image] = result.images
    return image


def strings_of(value: Any) -> Iterator[str]:
    """Every string inside a value made of dataclasses, mappings, sequences and enums."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, enum.Enum):
            stack.append(item.value)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack += [getattr(item, f.name) for f in dataclasses.fields(item)]
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack += list(item)


def image_strings(report: ImageReport) -> list[str]:
    """What an output may quote of one image: findings, facts, the raw documents' strings,
    refs, every file name and link target, history lines."""
    image = report.view.image
    documents = [json.loads(raw) for raw in (image.raw_config, image.raw_manifest) if raw]
    names = [
        name
        for listing in report.view.listings
        for entry in listing.entries
        for name in (entry.path, entry.link)
    ]
    return [
        *strings_of(report.findings),
        *strings_of(report.facts),
        *strings_of(documents),
        *image.refs,
        *names,
    ]


def test_every_planted_secret_shows_somewhere_before_scrubbing(report: ImageReport) -> None:
    """The fixture is what the other tests rely on: each value is quoted by some field."""
    everything = "\n".join(image_strings(report))
    for value in PLANTED:
        assert value in everything, value[:4]


def test_the_image_scrub_redacts_every_recognised_secret_in_every_field(
    report: ImageReport,
) -> None:
    for text in image_strings(report):
        scrubbed = report.scrub(text)
        for value in PLANTED:
            assert value not in scrubbed, f"{value[:4]}... shows in {scrubbed[:60]!r}"


def test_the_archive_scrub_redacts_them_in_the_archive_documents_and_every_image_field(
    result: ScanResult, report: ImageReport
) -> None:
    archive = result.read.archive
    documents = [json.loads(archive.read_small(n, n)) for n in ("manifest.json",)]
    assert planted.TAG_KEY in "".join(strings_of(documents))  # the tag in RepoTags
    for text in [*strings_of(documents), *image_strings(report)]:
        scrubbed = result.archive_scrub(text)
        assert not any(value in scrubbed for value in PLANTED), scrubbed[:60]


def test_secrets_in_the_raw_config_and_the_tags_are_reported_with_their_field(
    report: ImageReport,
) -> None:
    sources = {
        dict(f.details).get("secret_sha256"): dict(f.details).get("source")
        for f in report.findings
        if f.category == "secrets" and not f.path
    }
    for value, source in planted.CONFIG_SOURCES.items():
        assert sources.get(hashlib.sha256(value.encode()).hexdigest()) == source, source
    documents = {dict(f.details).get("source"): f.evidence for f in report.findings}
    assert " in the image's reference (a tag " in documents["REF"]  # not "the image config"
    digest = hashlib.sha256(planted.NAME_TOKEN.encode()).hexdigest()
    [named] = [f for f in report.findings if dict(f.details).get("secret_sha256") == digest]
    assert named.path == f"/app/cache-{planted.NAME_TOKEN}.json"  # on the file it names
    assert dict(named.details)["source"].startswith("FILE NAME /app/cache-ghp_... (40 chars")


def test_a_value_seen_in_several_config_fields_is_reported_once(report: ImageReport) -> None:
    """AUTHOR_TOKEN is in `author` and in the build container's Env; the WorkingDir is repeated
    by the build container's: one finding each."""
    config = [f for f in report.findings if f.category == "secrets" and not f.path]
    hashes = [dict(f.details)["secret_sha256"] for f in config]
    assert len(hashes) == len(set(hashes))


def test_a_secret_in_a_tag_is_redacted_from_the_image_label_of_every_finding(
    report: ImageReport,
) -> None:
    assert planted.TAG_KEY in report.findings[0].image
    assert planted.TAG_KEY not in report.scrub(report.findings[0].image)


def test_scanning_a_config_nested_too_deep_to_parse_still_examines_its_strings(
    tmp_path: Path,
) -> None:
    """A document json.loads cannot parse for its depth is read string token by string token."""
    from analyzer.image.model import HistoryEntry, ImageConfig, Platform  # noqa: PLC0415
    from analyzer.secrets.config import config_secrets  # noqa: PLC0415
    from analyzer.secrets.engine import SecretEngine  # noqa: PLC0415

    deep = "[" * 200_000 + json.dumps(f"author={planted.AUTHOR_TOKEN}") + "]" * 200_000
    raw = ('{"author": "x", "deep": ' + deep + "}").encode()
    config = ImageConfig(
        user="",
        env=(),
        entrypoint=(),
        cmd=(),
        working_dir="",
        labels=(),
        exposed_ports=(),
        volumes=(),
        healthcheck=None,
        created="",
        author="",
        diff_ids=(),
        history=(HistoryEntry("", "", empty_layer=True),),
        platform=Platform("linux", "amd64"),
    )
    found = config_secrets(config, 0, SecretEngine(use_hyperscan=False), raw)
    assert [s.value for s in found] == [planted.AUTHOR_TOKEN]


def test_without_examining_files_the_read_archives_scrubbers_redact_the_rest(
    result: ScanResult, report: ImageReport
) -> None:
    """`inspect`, `ls` and `history` read no file content: their scrubbers still know every
    secret of the config, manifest, tags, file names and archive documents."""
    from analyzer.scan import scrubbers  # noqa: PLC0415
    from analyzer.secrets.engine import SecretEngine  # noqa: PLC0415

    [scrub] = scrubbers(result.read, SecretEngine(use_hyperscan=False))
    known = [value for value in PLANTED if value != planted.FILE_TOKEN]  # only in a file
    for text in image_strings(report):
        assert not any(value in scrub(text) for value in known), scrub(text)[:60]


def test_a_findings_build_step_is_cut_so_the_report_stays_linear(tmp_path: Path) -> None:
    """Each finding of a layer quotes its build step: a 1 MB step with thousands of secrets
    made gigabytes of report. The step is cut (after scrubbing) to a bounded length."""
    import random  # noqa: PLC0415
    import string  # noqa: PLC0415

    from analyzer.scan import STEP_SHOWN  # noqa: PLC0415
    from fixtures.detector_cases import base, clean_image  # noqa: PLC0415
    from fixtures.formats import write_docker_archive  # noqa: PLC0415
    from fixtures.spec import FileSpec, LayerSpec  # noqa: PLC0415

    rng = random.Random(3)
    words = [
        f"--password=Pw-{''.join(rng.choice(string.ascii_letters) for _ in range(16))}"
        for _ in range(300)
    ]
    step = LayerSpec((FileSpec("etc/motd", b"hi\n"),), created_by="RUN app " + " ".join(words))
    archive = write_docker_archive([clean_image(base(), step)], tmp_path / "step.tar")
    [image] = scan_archive(archive).images
    quoting = [f for f in image.findings if f.layer_index == 1]
    assert len(quoting) >= 300
    assert all(len(f.created_by) < STEP_SHOWN + 40 for f in quoting)
    assert all(w[11:] not in f.created_by for f in quoting for w in words)


def test_a_short_password_found_in_a_file_is_redacted_where_it_stands_as_a_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 5-character password from /app/config.py showed in full in the build step that wrote
    it, a file name and a link target: under 6 characters it was hidden only as a whole text."""
    from analyzer.cli import main  # noqa: PLC0415
    from fixtures.detector_cases import base, clean_image  # noqa: PLC0415
    from fixtures.formats import write_docker_archive  # noqa: PLC0415
    from fixtures.spec import FileSpec, LayerSpec  # noqa: PLC0415

    password = "Zq9!k"
    step = LayerSpec(
        (
            FileSpec("app", kind="dir"),
            FileSpec("app/config.py", f'password = "{password}"\n'.encode()),
            FileSpec(f"app/{password}", b"x\n"),
            FileSpec("app/current", kind="symlink", link=f"/app/{password}.bak"),
        ),
        created_by=f"RUN echo {password} > /app/x",
    )
    archive = write_docker_archive([clean_image(base(), step)], tmp_path / "short.tar")
    main(["scan", str(archive), "--jobs", "1", "-q", "--format", "json"])
    out = capsys.readouterr().out
    [image] = json.loads(out)["images"]
    assert "IA-SECRET-KEYWORD" in {f["rule_id"] for f in image["findings"]}
    assert password not in out
    assert f"RUN echo {redact(password)} > /app/x" in out


HEX_KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


def _referrer_of_a_secret(dest: Path, *, in_env: bool) -> Path:
    """An OCI layout whose image holds HEX_KEY (in /app/wallet.py, or as PRIVATE_KEY in its
    ENV), and a signature whose `subject` digest is that same hex."""
    from fixtures.detector_cases import base, clean_image  # noqa: PLC0415
    from fixtures.imageconfig import MEDIA_OCI_MANIFEST, descriptor, go_json  # noqa: PLC0415
    from fixtures.oci import add_blob, artifact_manifest, oci_content  # noqa: PLC0415
    from fixtures.outer import write_tar_archive  # noqa: PLC0415
    from fixtures.spec import ArtifactSpec, FileSpec, LayerSpec  # noqa: PLC0415

    wallet = FileSpec("app/wallet.py", f'private_key = "0x{HEX_KEY}"\n'.encode())
    files = LayerSpec((FileSpec("app", kind="dir"), *(() if in_env else (wallet,))))
    env = (f"PRIVATE_KEY={HEX_KEY}",) if in_env else ()
    content = oci_content([clean_image(base(), files, env=env)])
    signature = ArtifactSpec("application/vnd.dev.cosign.artifact.sig.v1+json", ())
    subject = {"mediaType": MEDIA_OCI_MANIFEST, "digest": f"sha256:{HEX_KEY}", "size": 10}
    add_blob(content, signature.config_data)
    manifest = artifact_manifest(signature, subject)
    index = json.loads(content.data("index.json"))
    index["manifests"].append(descriptor(MEDIA_OCI_MANIFEST, manifest, add_blob(content, manifest)))
    content.add_file("index.json", go_json(index))
    return write_tar_archive(content, dest)


@pytest.mark.parametrize("in_env", [False, True], ids=["file", "env"])
def test_a_digest_field_that_is_a_recognised_secret_is_redacted(
    in_env: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Digest fields are kept whole (a short secret would corrupt them by chance), but a
    referrer's `subject` that is a private key the scan recognised showed it in full."""
    from analyzer.cli import main  # noqa: PLC0415

    archive = _referrer_of_a_secret(tmp_path / "subject.tar", in_env=in_env)
    commands = [["inspect", "-f", "json"]] if in_env else []  # inspect reads no file
    for command, *options in [["scan", "-f", "sarif"], *commands, ["scan", "-f", "json"]]:
        main([command, str(archive), "-q", *options])
        out = capsys.readouterr().out
        assert HEX_KEY not in out, command
    [artifact] = json.loads(out)["artifacts"]
    assert artifact["subject"].startswith("sha256:4c08... (64 chars")
    assert all(len(image["config_digest"]) == 71 for image in json.loads(out)["images"])


def test_a_password_in_an_env_variable_named_pass_is_reported_and_shown_in_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ENV RABBITMQ_DEFAULT_PASS=...` (the official RabbitMQ image's variable): a finding,
    and the value redacted from the timeline and every file of the evidence bundle, where the
    config and its history line are copied."""
    from analyzer.cli import main  # noqa: PLC0415
    from fixtures.detector_cases import base, clean_image  # noqa: PLC0415
    from fixtures.formats import write_docker_archive  # noqa: PLC0415
    from fixtures.spec import LayerSpec  # noqa: PLC0415

    password = "Kq4-" + "Rt8vWm2xLp9s"  # generated for the test, not a real credential
    env = f"RABBITMQ_DEFAULT_PASS={password}"
    step = LayerSpec(created_by=f"/bin/sh -c #(nop)  ENV {env}", empty=True)
    image = clean_image(base(), step, env=("PATH=/usr/bin", env))
    archive = write_docker_archive([image], tmp_path / "rabbit.tar")
    bundle = tmp_path / "bundle"
    main(["scan", str(archive), "-q", "--jobs", "1", "-f", "json", "--bundle", str(bundle)])
    [scanned] = json.loads(capsys.readouterr().out)["images"]
    assert [f["rule_id"] for f in scanned["findings"] if "RABBITMQ" in f["evidence"]] == [
        "IA-SECRET-ENV"
    ]
    main(["timeline", str(archive)])
    out = capsys.readouterr().out
    assert "RABBITMQ_DEFAULT_PASS" in out and password not in out
    written = [p for p in bundle.rglob("*") if p.is_file()]
    assert written and not any(password.encode() in p.read_bytes() for p in written)

"""Secrets in every layer, the config and history: found, attributed, never shown in full."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from analyzer.cli import main
from analyzer.findings.model import Finding, Severity
from analyzer.scan import scan_archive
from fixtures import secret_image as planted
from fixtures.secret_image import PLANTED, write_secret_image


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_secret_image(tmp_path_factory.mktemp("secrets") / "secret.tar")


@pytest.fixture(scope="module")
def findings(archive: Path) -> list[Finding]:
    [report] = scan_archive(archive).images
    return [f for f in report.findings if f.category == "secrets"]


def at(findings: list[Finding], path: str) -> list[Finding]:
    return [f for f in findings if f.path == path]


def test_secret_deleted_in_a_later_layer_is_reported_as_recoverable(
    findings: list[Finding],
) -> None:
    [dotenv] = at(findings, "/app/.env")
    assert dotenv.rule_id == "IA-SECRET-DOTENV" and dotenv.layer_index == 1
    assert not dotenv.present_in_final and dotenv.recoverable
    assert "deleted in layer 2 (whiteout)" in dotenv.evidence and dotenv.line == 1


def test_secret_in_a_file_replaced_later_is_still_reported(findings: list[Finding]) -> None:
    [old] = at(findings, "/app/config.py")
    assert not old.present_in_final and "replaced in layer 2" in old.evidence


def test_identical_content_is_reported_at_each_location(findings: list[Finding]) -> None:
    [copy] = at(findings, "/opt/copy.py")
    [original] = at(findings, "/app/config.py")
    assert copy.present_in_final and copy.fingerprint != original.fingerprint
    assert dict(copy.details)["secret_sha256"] == dict(original.details)["secret_sha256"]


def test_one_finding_per_value_names_the_other_detectors(findings: list[Finding]) -> None:
    credentials = at(findings, "/root/.aws/credentials")
    assert sorted(f.rule_id for f in credentials) == [
        "IA-SECRET-AWS-CREDENTIALS",
        "IA-SECRET-AWS-KEY",
    ]
    secret = next(f for f in credentials if f.rule_id == "IA-SECRET-AWS-CREDENTIALS")
    assert "also: AWS Access Key" in secret.evidence


def test_private_key_file_is_reported_and_present(findings: list[Finding]) -> None:
    """The planted key is found whatever its body; it is critical when the body decodes as a
    key, and low (detect-secrets' BEGIN line, saying why) when it is filler such as random
    bytes: a real key in the same place is critical (see the look-alike image below)."""
    from analyzer.secrets.keys import pem_keys  # noqa: PLC0415

    [key] = at(findings, "/app/id_rsa")
    assert key.rule_id == "IA-SECRET-PRIVATE-KEY"
    assert key.present_in_final and key.pci == ("CG-12.4", "8.6.2")
    if any(pem_keys(planted.PRIVATE_KEY)):
        assert key.severity.value == "critical"
    else:
        assert key.severity.value == "low" and "without a key body that decodes" in key.evidence


@pytest.fixture(scope="module")
def lookalike_findings(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    from fixtures.lookalikes import write_lookalike_image  # noqa: PLC0415

    archive = write_lookalike_image(tmp_path_factory.mktemp("lookalikes") / "image.tar")
    [report] = scan_archive(archive).images
    return [f for f in report.findings if f.category == "secrets"]


def test_every_true_secret_is_found_at_medium_or_above_even_when_deleted(
    lookalike_findings: list[Finding],
) -> None:
    from fixtures.lookalikes import DELETED, TRUE  # noqa: PLC0415

    serious = {f.path: f for f in lookalike_findings if f.severity.rank >= Severity.MEDIUM.rank}
    assert {path: serious[path].rule_id for path in TRUE if path in serious} == TRUE
    for path in DELETED:
        assert serious[path].recoverable and not serious[path].present_in_final


def test_real_keys_are_critical_and_keys_anyone_can_open_too(
    lookalike_findings: list[Finding],
) -> None:
    severity = {f.path: f.severity.value for f in lookalike_findings}
    assert severity["/app/tls/server.key"] == severity["/home/app/.ssh/id_ed25519"] == "critical"
    assert severity["/app/conf/client.p12"] == severity["/app/conf/default.jks"] == "critical"
    assert severity["/app/conf/identity.pfx"] == severity["/app/conf/server.jks"] == "high"


def test_look_alikes_stay_below_medium(lookalike_findings: list[Finding]) -> None:
    """A PEM header in code, an OpenSSL prompt, alphabets and test vectors: reported low at
    most, never medium or above. Trust stores and `passwd: files` (a value every database of
    nsswitch.conf is set to: the structure knows it for a setting) are no finding at all."""
    from fixtures.lookalikes import TRUE  # noqa: PLC0415

    others = [f for f in lookalike_findings if f.path and f.path not in TRUE]
    assert {f.path for f in others} >= {
        "/usr/lib/python3/dist-packages/sshlib/pem.py",
        "/usr/lib/python3.11/vectors.py",
    }  # still reported, low: a reviewer can look
    assert [f.path for f in others if f.severity.rank >= Severity.MEDIUM.rank] == []
    stores = {"/etc/ssl/certs/java/cacerts", "/etc/ssl/certs/ca.p12"}
    assert not stores & {f.path for f in lookalike_findings}  # trust stores are no secret
    assert "/etc/nsswitch.conf" not in {f.path for f in lookalike_findings}


def test_config_env_label_and_history_secrets_are_found(findings: list[Finding]) -> None:
    sources = {dict(f.details).get("source") for f in findings if not f.path}
    assert {"ENV API_TOKEN", "LABEL", "history step 3"} <= sources
    history = next(f for f in findings if dict(f.details).get("source") == "history step 3")
    assert history.layer_index == 3 and "curl" in history.created_by
    env = next(f for f in findings if dict(f.details).get("source") == "ENV API_TOKEN")
    assert env.title == "Secret in an ENV variable of the image config"  # not "Sensitive file"


def test_the_config_is_scanned_for_secrets_once_per_image(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import analyzer.secrets.config as config_module  # noqa: PLC0415

    calls: list[str] = []
    original = config_module.config_secrets

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append("scan")
        return original(*args, **kwargs)

    monkeypatch.setattr(config_module, "config_secrets", counted)
    [report] = scan_archive(archive).images
    assert calls == ["scan"]  # the scrubber's scan; the secrets detector reports its result
    assert any(dict(f.details).get("source") == "ENV API_TOKEN" for f in report.findings)


def test_documentation_values_and_placeholders_stay_quiet(findings: list[Finding]) -> None:
    assert at(findings, "/app/docs.md") == []  # AKIAIOSFODNN7EXAMPLE
    assert not any("DB_PASS" in dict(f.details).get("source", "") for f in findings)


def test_vendored_test_files_are_lowered_not_dropped(findings: list[Finding]) -> None:
    path = "/usr/lib/python3/dist-packages/somepkg/tests/test_client.py"
    [vendored] = at(findings, path)
    assert vendored.severity.value == "low" and vendored.rule_id == "IA-SECRET-GITHUB-TOKEN"


def test_every_planted_value_is_found(findings: list[Finding]) -> None:
    import hashlib  # noqa: PLC0415

    hashes = {dict(f.details).get("secret_sha256") for f in findings}
    for value in (
        planted.AWS_KEY_ID,
        planted.AWS_SECRET,
        planted.DB_PASSWORD,
        planted.CONFIG_PASSWORD,
        planted.GITHUB_TOKEN,
        planted.VENDORED_TOKEN,
        planted.ENV_TOKEN,
        planted.HISTORY_PASSWORD,
        planted.ENTRY_PASSWORD,
        planted.SHADOWED_PASSWORD,
        planted.FINAL_PASSWORD,
        planted.MYSQL_PASSWORD,
        planted.CURL_PASSWORD,
        planted.HEALTH_PASSWORD,
        planted.LABEL_PASSWORD,
        planted.REPO_PASSWORD,
        planted.TLS_PASSWORD,
        planted.SHORT_PASSWORD,
    ):
        assert hashlib.sha256(value.encode()).hexdigest() in hashes, value[:4]


def test_a_file_stored_twice_in_one_layer_is_reported_per_copy(findings: list[Finding]) -> None:
    """The layer's last copy is what the filesystem shows; the first is still in the tar."""
    import hashlib  # noqa: PLC0415

    by_value = {dict(f.details).get("secret_sha256"): f for f in at(findings, "/app/settings.py")}
    first = by_value[hashlib.sha256(planted.SHADOWED_PASSWORD.encode()).hexdigest()]
    last = by_value[hashlib.sha256(planted.FINAL_PASSWORD.encode()).hexdigest()]
    assert not first.present_in_final and "overwritten within layer 1" in first.evidence
    assert last.present_in_final and first.layer_index == last.layer_index == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["scan"],
        ["scan", "--format", "json"],
        ["scan", "--format", "sarif"],
        ["scan", "--min-severity", "high"],
        ["inspect"],
        ["inspect", "--format", "json"],
        ["ls"],
        ["ls", "--history"],
        ["ls", "--deleted", "--format", "json"],
        ["ls", "/", "--history", "--format", "json"],
    ],
)
def test_no_planted_value_appears_in_any_output(
    argv: list[str], archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main([argv[0], str(archive), *argv[1:]])
    out, err = capsys.readouterr()
    assert out
    for value in PLANTED:
        assert value not in out and value not in err, f"{value[:4]}... leaked by {argv}"


def test_scan_json_carries_line_and_recoverability(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["scan", str(archive), "--format", "json"])
    [image] = json.loads(capsys.readouterr().out)["images"]
    dotenv = next(f for f in image["findings"] if f["path"] == "/app/.env")
    assert dotenv["line"] == 1 and dotenv["recoverable"] and not dotenv["present_in_final"]
    assert dotenv["details"]["removed_in_layer"] == "2"  # the layer whose whiteout deleted it


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_worker_processes_find_exactly_what_one_process_finds(
    archive: Path, monkeypatch: pytest.MonkeyPatch, start: str
) -> None:
    """Workers forked with the pool (where the platform can fork) or spawned with the first
    batch (elsewhere) find what one process finds."""
    from analyzer import scan  # noqa: PLC0415
    from analyzer.detectors.context import ScanOptions  # noqa: PLC0415
    from analyzer.secrets import pool, sink  # noqa: PLC0415

    [alone] = scan_archive(archive, options=ScanOptions(workers=1)).images
    monkeypatch.setattr(scan, "POOL_FROM_BYTES", 0)  # a pool even for this small archive
    monkeypatch.setattr(sink, "PARALLEL_AFTER", 0)  # send every file to the pool
    if start == "spawn":
        monkeypatch.setattr(pool, "_can_fork", lambda: False)
    [parallel] = scan_archive(archive, options=ScanOptions(workers=2)).images
    assert parallel.findings == alone.findings
    assert dict(parallel.facts)["secret_scan"] == dict(alone.facts)["secret_scan"]


def _slow_examine_batch(batch: list[tuple[object, str, bytes]]) -> object:
    """A worker that is still on its first batches when the read ends."""
    from analyzer.secrets import pool  # noqa: PLC0415

    time.sleep(1)
    return pool.__dict__["_examine_batch_unpatched"](batch)


def test_batches_no_worker_has_started_are_examined_by_the_reading_process(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the end of the read, queued batches are taken back rather than waited for; what
    they hold is found all the same."""
    from analyzer import scan  # noqa: PLC0415
    from analyzer.detectors.context import ScanOptions  # noqa: PLC0415
    from analyzer.secrets import pool, sink  # noqa: PLC0415

    [alone] = scan_archive(archive, options=ScanOptions(workers=1)).images
    monkeypatch.setattr(scan, "POOL_FROM_BYTES", 0)
    monkeypatch.setattr(sink, "PARALLEL_AFTER", 0)
    monkeypatch.setattr(pool, "_BATCH_FILES", 1)  # a batch per file: most are still queued
    monkeypatch.setattr(pool, "_QUEUED_PER_WORKER", 10_000)
    monkeypatch.setattr(pool, "_examine_batch_unpatched", pool._examine_batch, raising=False)
    monkeypatch.setattr(pool, "_examine_batch", _slow_examine_batch)
    taken_back: list[int] = []
    examine = sink.Examiner.examine_with_digests

    def counted(self: sink.Examiner, path: str, data: bytes) -> object:
        taken_back.append(len(data))  # in this (the reading) process
        return examine(self, path, data)

    monkeypatch.setattr(sink.Examiner, "examine_with_digests", counted)
    [parallel] = scan_archive(archive, options=ScanOptions(workers=2)).images
    assert taken_back  # some batches were examined here, not waited for
    assert parallel.findings == alone.findings


def test_a_small_input_is_examined_without_worker_processes(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starting and stopping workers would cost a small image more than they save."""
    from analyzer.detectors.context import ScanOptions  # noqa: PLC0415
    from analyzer.secrets import pool  # noqa: PLC0415

    def no_pool(*args: object) -> None:
        raise AssertionError("a pool for a small input")

    monkeypatch.setattr(pool.ExaminerPool, "__init__", no_pool)
    assert scan_archive(archive, options=ScanOptions(workers=4)).images


def test_yaml_that_breaks_detect_secrets_does_not_stop_the_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """detect-secrets' YAML transformer raises on an impossible date and never returns on a
    sequence that holds itself; the scan goes on and still reads those files line by line."""
    from fixtures.detector_cases import base, clean_image  # noqa: PLC0415
    from fixtures.formats import write_docker_archive  # noqa: PLC0415
    from fixtures.spec import FileSpec  # noqa: PLC0415

    secret = "password: 'hunter2-Very-Long-Pass'\n"
    files = [
        FileSpec("etc/app/dates.yaml", f"when: 2020-13-45\n{secret}".encode()),
        FileSpec("etc/app/loop.yaml", f"loop: &s [a, *s]\nodd: 'x\ty'\n{secret}".encode()),
    ]
    archive = write_docker_archive([clean_image(base(*files))], tmp_path / "yaml.tar")
    assert main(["scan", str(archive), "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)["images"][0]["findings"]
    assert {(f["path"], f["line"]) for f in found if f["rule_id"] == "IA-SECRET-KEYWORD"} == {
        ("/etc/app/dates.yaml", 2),
        ("/etc/app/loop.yaml", 3),
    }


def test_a_file_over_the_size_limit_gets_a_notice_naming_it(archive: Path) -> None:
    """A file too large to examine is said, not silently skipped."""
    from analyzer.detectors.context import ScanOptions  # noqa: PLC0415

    result = scan_archive(archive, options=ScanOptions(max_file_bytes=100))
    [image] = result.images
    assert dict(image.facts)["secret_scan"]["oversized_files"] >= 1
    assert any(
        "/app/id_rsa in layer 1" in n and "not examined for secrets" in n for n in result.notices
    )


def test_a_quoted_line_is_scrubbed_before_it_is_cut(archive: Path) -> None:
    """A build rule quotes the step cut to 160 characters; cut first, the secret would no
    longer match in full and most of it would show."""
    [report] = scan_archive(archive).images
    [tls] = [f for f in report.findings if f.rule_id == "IA-BUILD-TLS-OFF"]
    assert len(tls.evidence) > 150 and planted.TLS_PASSWORD[4:9] not in tls.evidence


def test_a_file_secret_quoted_by_the_build_step_that_wrote_it_is_redacted_from_the_scan(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sed -i 's/__DB__/VALUE/'` quotes a value that only the file examination finds: the
    scan knows it by length and sha256 and redacts it from every history line it quotes."""
    main(["scan", str(archive), "--format", "json", "--bundle", str(tmp_path / "bundle")])
    out, err = capsys.readouterr()
    assert planted.SED_PASSWORD not in out + err
    for written in (tmp_path / "bundle").rglob("*"):
        assert planted.SED_PASSWORD.encode() not in written.read_bytes(), written.name
    [image] = json.loads(out)["images"]
    step = next(f for f in image["findings"] if f["path"] == "/etc/db.yml")
    assert "s/__DB__/Sed-..." in step["created_by"]


def test_forked_workers_read_the_files_from_memory_they_share_with_the_reader(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where workers are forked, a file's bytes are written once into memory the workers
    share, not pickled through a pipe; what they find is what one process finds."""
    from analyzer import scan  # noqa: PLC0415
    from analyzer.detectors.context import ScanOptions  # noqa: PLC0415
    from analyzer.secrets import pool, sink  # noqa: PLC0415

    [alone] = scan_archive(archive, options=ScanOptions(workers=1)).images
    monkeypatch.setattr(scan, "POOL_FROM_BYTES", 0)
    monkeypatch.setattr(sink, "PARALLEL_AFTER", 0)
    shared: list[int] = []
    piped: list[int] = []
    submit_reserved, submit = pool.ExaminerPool.submit_reserved, pool.ExaminerPool.submit

    def counted_shared(self: pool.ExaminerPool, key: Any, path: str, at: int, n: int) -> None:
        shared.append(n)
        submit_reserved(self, key, path, at, n)

    def counted_piped(self: pool.ExaminerPool, key: Any, path: str, data: bytes) -> None:
        piped.append(len(data))
        submit(self, key, path, data)

    monkeypatch.setattr(pool.ExaminerPool, "submit_reserved", counted_shared)
    monkeypatch.setattr(pool.ExaminerPool, "submit", counted_piped)
    [parallel] = scan_archive(archive, options=ScanOptions(workers=2)).images
    assert shared and not piped
    assert parallel.findings == alone.findings


def test_without_shared_memory_the_files_travel_through_the_pipe(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory that cannot be mapped (a tight ulimit) costs speed, not findings."""
    import mmap  # noqa: PLC0415

    from analyzer import scan  # noqa: PLC0415
    from analyzer.detectors.context import ScanOptions  # noqa: PLC0415
    from analyzer.secrets import sink  # noqa: PLC0415

    [alone] = scan_archive(archive, options=ScanOptions(workers=1)).images
    monkeypatch.setattr(scan, "POOL_FROM_BYTES", 0)
    monkeypatch.setattr(sink, "PARALLEL_AFTER", 0)

    def no_memory(*args: object) -> None:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(mmap, "mmap", no_memory)
    [parallel] = scan_archive(archive, options=ScanOptions(workers=2)).images
    assert parallel.findings == alone.findings


def test_a_file_longer_than_its_tar_header_said_is_examined_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reader reserves room in shared memory by the size a file's header gives; bytes
    beyond it are neither cut off nor written past the room (into other files' or out of the
    memory): the file is collected whole and examined."""
    import hashlib  # noqa: PLC0415

    from analyzer.filesystem.content import PendingFile  # noqa: PLC0415
    from analyzer.secrets import pool  # noqa: PLC0415
    from analyzer.secrets.engine import SecretEngine  # noqa: PLC0415
    from analyzer.secrets.sink import SecretSink  # noqa: PLC0415

    monkeypatch.setattr(pool, "_BATCH_BYTES", 64)  # the whole shared memory is 5 x 64 bytes

    data = b"# settings\n" * 40 + b"password = 'Kq3v-Very-Long-Pass-88'\n"
    found = []
    for workers in (1, 2):
        sink = SecretSink(SecretEngine(), workers=workers)
        try:
            consumer = sink.open("layer", PendingFile("/app/settings.ini", 16, 0o644))
            assert consumer is not None
            for start in range(0, len(data), 100):
                consumer.feed(data[start : start + 100])
            consumer.close(hashlib.sha256(data).hexdigest())
            sink.complete()
        finally:
            sink.close()
        found.append(sink.hits)
    assert found[0] == found[1]
    [(where, hits)] = found[0].items()
    assert where == ("layer", "/app/settings.ini", 0) and [h.line for h in hits] == [41]


def _name_token(seed: str) -> str:
    """A GitHub token shape made from `seed` (deterministic, nowhere in any real image)."""
    import base64  # noqa: PLC0415
    import hashlib  # noqa: PLC0415

    letters = base64.b64encode(hashlib.sha256(seed.encode()).digest() * 2).decode()
    return "ghp_" + "".join(c for c in letters if c.isalnum())[:36]


NAMED, LINKED, DELETED, VALUED, KEPT = (
    _name_token(s) for s in ("named", "linked", "deleted", "xattr", "kept")
)


@pytest.fixture(scope="module")
def names_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tokens in a file name, in a symlink's target, in the name of a file a later layer
    deletes and in an extended attribute's value; the tokens are in no file's content, no
    config field and no build step."""
    from fixtures.detector_cases import base, clean_image  # noqa: PLC0415
    from fixtures.formats import write_docker_archive  # noqa: PLC0415
    from fixtures.spec import FileSpec, LayerSpec  # noqa: PLC0415

    added = LayerSpec(
        (
            FileSpec("app", kind="dir"),
            FileSpec(f"app/cache-{NAMED}.json", b"{}\n"),
            FileSpec("app/current", kind="symlink", link=f"/srv/{LINKED}/data"),
            FileSpec(f"app/old-{DELETED}.txt", b"old\n"),
            FileSpec("app/tool", b"tool\n", xattrs={"user.api": VALUED.encode() + b"\x00"}),
            FileSpec(f"app/a-{KEPT}.txt", b"a\n"),
            FileSpec("opt", kind="dir"),
            FileSpec(f"opt/b-{KEPT}.txt", b"b\n"),
        ),
        created_by="COPY app /app",
    )
    deleted = LayerSpec(
        (FileSpec(f"app/.wh.old-{DELETED}.txt"), FileSpec(f"app/.wh.a-{KEPT}.txt")),
        created_by="RUN rm /app/old* /app/a-*",
    )
    image = clean_image(base(), added, deleted)
    return write_docker_archive([image], tmp_path_factory.mktemp("names") / "names.tar")


def _by_value(findings: list[Finding], value: str) -> Finding:
    import hashlib  # noqa: PLC0415

    digest = hashlib.sha256(value.encode()).hexdigest()
    [found] = [f for f in findings if dict(f.details).get("secret_sha256") == digest]
    return found


def test_a_token_in_a_file_name_is_reported_on_that_file_in_the_layer_that_added_it(
    names_archive: Path,
) -> None:
    [report] = scan_archive(names_archive).images
    named = _by_value(report.findings, NAMED)
    assert named.path == f"/app/cache-{NAMED}.json" and named.layer_index == 1
    assert named.present_in_final and not named.recoverable
    assert dict(named.details)["source"].startswith("FILE NAME /app/cache-ghp_")
    assert NAMED not in report.scrub(named.path)  # the path itself is redacted in every output


def test_a_token_in_a_link_target_is_reported_on_the_link(names_archive: Path) -> None:
    [report] = scan_archive(names_archive).images
    linked = _by_value(report.findings, LINKED)
    assert linked.path == "/app/current" and linked.layer_index == 1 and linked.present_in_final
    source = dict(linked.details)["source"]  # redacted already
    assert source.startswith("LINK TARGET /srv/ghp_... (40 chars, sha256:")
    assert source.endswith("/data OF /app/current")


def test_a_token_in_the_name_of_a_deleted_file_is_still_recoverable(names_archive: Path) -> None:
    [report] = scan_archive(names_archive).images
    gone = _by_value(report.findings, DELETED)
    assert gone.path == f"/app/old-{DELETED}.txt" and gone.layer_index == 1
    assert not gone.present_in_final and gone.recoverable
    assert dict(gone.details)["removed_in_layer"] == "2"
    assert "deleted in layer 2 (whiteout); still recoverable from layer 1's tar" in gone.evidence


def test_a_token_deleted_under_one_name_but_kept_under_another_is_present(
    names_archive: Path,
) -> None:
    """One finding per value, at the first name that holds it: when that name is deleted but
    another keeps the token in the final filesystem, the finding says so rather than call it
    removed."""
    [report] = scan_archive(names_archive).images
    kept = _by_value(report.findings, KEPT)
    assert kept.path == f"/app/a-{KEPT}.txt" and kept.present_in_final
    assert "deleted in layer 2 (whiteout) here, but still in the final filesystem at /opt/b-" in (
        kept.evidence
    )
    assert "removed_in_layer" not in dict(kept.details)


def test_a_token_in_an_extended_attribute_s_value_is_reported_on_its_file(
    names_archive: Path,
) -> None:
    [report] = scan_archive(names_archive).images
    valued = _by_value(report.findings, VALUED)
    assert valued.path == "/app/tool" and valued.layer_index == 1 and valued.present_in_final
    assert dict(valued.details)["source"] == "XATTR VALUE OF user.api ON /app/tool"


def test_tokens_in_names_never_leave_the_tool_in_full(
    names_archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(names_archive), "--format", "json", "-q"]) == 0
    out = capsys.readouterr().out
    assert not [token for token in (NAMED, LINKED, DELETED, VALUED, KEPT) if token in out]
    paths = {f["path"] for f in json.loads(out)["images"][0]["findings"]}
    assert "/app/current" in paths and not [p for p in paths if "ghp_" in p and "..." not in p]

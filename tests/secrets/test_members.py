"""Secrets inside archive files of an image: a Spring Boot jar's application.properties, an SSH
key in a backup .tar.gz, an AWS key in a .env.gz. The members are examined as files of their
own, one level deep and within bounds; the hit names the member; compressed documentation
under /usr/share is examined as stored; what cannot be read is counted, never an error."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from pathlib import Path

import pytest
import zstandard

from analyzer.secrets import members as archive
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.sink import Examiner, SecretHit
from fixtures.secret_image import AWS_KEY_ID, AWS_SECRET, DB_PASSWORD, PRIVATE_KEY

PROPERTIES = f"spring.application.name=shop\nspring.datasource.password={DB_PASSWORD}\n".encode()
DOTENV = f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n".encode()


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in files.items():
            out.writestr(name, data)
    return buffer.getvalue()


def tarred(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as out:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def examiner() -> Examiner:
    return Examiner(SecretEngine())


def kinds(hits: tuple[SecretHit, ...]) -> list[tuple[str, str]]:
    return sorted((h.kind, h.detail.partition(":")[0]) for h in hits)


def test_a_password_in_a_spring_boot_jar_is_found_and_names_its_member(
    examiner: Examiner,
) -> None:
    jar = zipped(
        {
            "META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n",
            "BOOT-INF/classes/application.properties": PROPERTIES,
        }
    )
    hits, counts = examiner.examine("/app/app.jar", jar)
    [hit] = hits
    assert hit.kind == "keyword" and hit.redacted.length == len(DB_PASSWORD)
    assert hit.detail.startswith("in member 'BOOT-INF/classes/application.properties' (line 2): ")
    assert hit.line == 0  # the line is the member's, named in the detail, not the jar's
    assert (counts.examined, counts.members, counts.unread_members) == (1, 2, 0)


@pytest.mark.parametrize(
    "compress",
    [gzip.compress, lzma.compress, bz2.compress, zstandard.ZstdCompressor().compress, bytes],
    ids=["gzip", "xz", "bzip2", "zstd", "plain"],
)
def test_an_ssh_key_in_a_backup_tarball_is_found_whatever_its_compression(
    compress: object, examiner: Examiner
) -> None:
    backup = tarred({"home/u/.ssh/id_rsa": PRIVATE_KEY.encode(), "home/u/notes.txt": b"hi\n"})
    data = compress(backup)  # type: ignore[operator]
    [hit] = examiner.examine("/srv/backup.tar.x", data)[0]
    assert hit.kind == "private-key"
    assert hit.detail.startswith("in member 'home/u/.ssh/id_rsa' (line 1): ")


def test_a_single_compressed_file_is_read_under_its_own_name(examiner: Examiner) -> None:
    """`creds.env.gz` holds `creds.env`: the .env rules apply to it as to the plain file."""
    hits, _ = examiner.examine("/app/creds.env.gz", gzip.compress(DOTENV))
    assert kinds(hits) == [
        ("AWS Access Key", "in member 'creds.env' (line 1)"),
        ("AWS Secret Access Key", "in member 'creds.env' (line 2)"),
    ]
    assert "(also: dotenv)" in max(hits, key=lambda h: h.line + len(h.detail)).detail


def test_compressed_documentation_is_examined_as_stored(examiner: Examiner) -> None:
    """Every manual page and changelog of a Debian image is gzip: not opened (the checked
    text of the verdicts says so)."""
    page = gzip.compress(DOTENV)
    assert examiner.examine("/usr/share/doc/app/changelog.gz", page)[0] == ()
    assert examiner.examine("/usr/share/man/man1/app.1.gz", page)[1].members == 0
    assert examiner.examine("/opt/app/changelog.gz", page)[1].members == 1


def test_an_archive_inside_an_archive_is_examined_as_stored_and_counted_apart(
    examiner: Examiner,
) -> None:
    """One level deep: a fat jar's BOOT-INF/lib/*.jar are not opened; the assessor is told
    they were not (counted, and the first one named), apart from the members a bound or an
    error left unread: one level is the scan's stated scope, not a check that failed."""
    inner = zipped({"application.properties": PROPERTIES})
    hits, counts = examiner.examine("/app/app.jar", zipped({"BOOT-INF/lib/dep.jar": inner}))
    assert hits == () and counts.members == 1
    assert counts.unread_members == 0 and counts.nested_archives == 1
    assert counts.nested_named == ["'/app/app.jar' ('BOOT-INF/lib/dep.jar')"]


def test_archives_are_recognised_by_their_bytes_not_their_names(examiner: Examiner) -> None:
    assert examiner.examine("/app/data.bin", zipped({".env": DOTENV}))[1].members == 1
    assert examiner.examine("/app/app.jar", b"not a zip at all\n")[1].members == 0


def test_an_unreadable_archive_is_counted_never_an_error(examiner: Examiner) -> None:
    jar = zipped({"a.properties": PROPERTIES})
    hits, counts = examiner.examine("/app/broken.jar", jar[: len(jar) // 2])
    assert hits == ()
    assert counts.unread_members == 1
    [named] = counts.unread_archives
    assert named.startswith("'/app/broken.jar': the archive cannot be read")
    truncated = gzip.compress(DOTENV)[:-12]
    assert examiner.examine("/app/x.gz", truncated)[1].unread_members == 1


def test_a_bomb_is_read_within_the_bounds(
    examiner: Examiner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Members past the count or byte bound are left unread and each of them is counted."""
    monkeypatch.setattr(archive, "MAX_MEMBERS", 3)
    many = zipped({f"f{i}.txt": b"x\n" for i in range(10)})
    counts = examiner.examine("/app/many.zip", many)[1]
    assert (counts.members, counts.unread_members) == (3, 7)
    assert "over 3 members" in counts.unread_archives[0]
    monkeypatch.setattr(archive, "MAX_BYTES", 1 << 16)
    bomb = gzip.compress(b"\0" * (1 << 20))
    counts = examiner.examine("/app/bomb.gz", bomb)[1]
    assert counts.members == 1 and counts.unread_members == 1


def test_a_scan_reports_a_secret_in_a_jar_of_the_image_and_names_what_it_could_not_open(
    tmp_path: Path,
) -> None:
    """End to end: the finding is on the jar's path, its evidence names the member; a jar cut
    short is a notice naming it; the verdicts' checked text says what was opened."""
    from analyzer.detectors.context import ScanOptions  # noqa: PLC0415
    from analyzer.scan import scan_archive  # noqa: PLC0415
    from fixtures.detector_cases import base, clean_image  # noqa: PLC0415
    from fixtures.formats import write_docker_archive  # noqa: PLC0415
    from fixtures.spec import FileSpec  # noqa: PLC0415

    jar = zipped({"BOOT-INF/classes/application.properties": PROPERTIES})
    broken = zipped({"a.properties": b"x=1\n"})[:40]
    files = (FileSpec("app/app.jar", jar), FileSpec("app/old.jar", broken))
    image = clean_image(base(FileSpec("app", kind="dir"), *files))
    archive = write_docker_archive([image], tmp_path / "jar.tar")
    result = scan_archive(archive, options=ScanOptions(workers=1))
    [report] = result.images
    [found] = [f for f in report.findings if f.rule_id.startswith("IA-SECRET")]
    assert (found.rule_id, found.path) == ("IA-SECRET-KEYWORD", "/app/app.jar")
    assert "in member 'BOOT-INF/classes/application.properties' (line 2)" in found.evidence
    assert DB_PASSWORD not in found.evidence
    [notice] = [n for n in result.notices if "of archive files" in n]
    assert "1 member of archive files was not examined" in notice
    assert "'/app/old.jar': the archive cannot be read" in notice
    scanned = dict(report.facts)["secret_scan"]
    assert isinstance(scanned, dict) and scanned["archive_members_examined"] == 1


def test_the_notice_names_the_first_archives_left_unread_and_counts_every_member(
    tmp_path: Path,
) -> None:
    from analyzer.detectors.context import ScanOptions  # noqa: PLC0415
    from analyzer.scan import scan_archive  # noqa: PLC0415
    from fixtures.detector_cases import base, clean_image  # noqa: PLC0415
    from fixtures.formats import write_docker_archive  # noqa: PLC0415
    from fixtures.spec import FileSpec  # noqa: PLC0415

    broken = zipped({"a.properties": b"x=1\n"})[:40]
    jars = [FileSpec(f"app/old{i}.jar", broken) for i in range(7)]
    image = clean_image(base(FileSpec("app", kind="dir"), *jars))
    result = scan_archive(
        write_docker_archive([image], tmp_path / "jars.tar"), options=ScanOptions(workers=1)
    )
    [notice] = [n for n in result.notices if "members of archive files" in n]
    assert "7 members of archive files were not examined" in notice
    assert "(the first 5 archives): '/app/old0.jar'" in notice
    assert notice.count(".jar': the archive cannot be read") == 5


def test_a_value_in_two_members_is_one_hit_naming_both_members(examiner: Examiner) -> None:
    """The same key in two members of one archive: one finding, and the responder still
    learns the second place it is in; the kept hit's own kind is not repeated in `also`."""
    hits, _ = examiner.examine("/app/keys.zip", zipped({"a.env": DOTENV, "b/c.env": DOTENV}))
    by_first = [h for h in hits if h.detail.startswith("in member 'a.env'")]
    assert by_first and all("in member 'b/c.env'" in h.detail for h in by_first)
    assert "; also in member 'b/c.env' (line 1)" in by_first[0].detail + by_first[-1].detail
    for hit in hits:
        assert f"(also: {hit.kind}" not in hit.detail and f", {hit.kind})" not in hit.detail

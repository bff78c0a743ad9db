"""The documents inside what an auditor carries in: loose files, folders, .zip and .tar(.gz).

Archive members are read in memory, one at a time and at most ``MAX_DOCUMENT_BYTES`` each;
nothing is extracted, so a member named ``../../etc/cron.d/x`` or an absolute path is only a
label in a notice, and a member claiming (or inflating to) gigabytes is skipped with a notice.
Folders are walked without following symbolic links. Only ``.json``, ``.yaml`` and ``.yml``
files are read from folders and archives; a loose file is read whatever its name.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml  # type: ignore[import-untyped]

from analyzer.errors import UsageError

MAX_DOCUMENT_BYTES = 64 << 20
"""The largest document read (OSV's biggest records are a few MB; a secdb file about 1 MB)."""
_SUFFIXES = (".json", ".yaml", ".yml")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DAMAGED_MEMBER = (
    zipfile.BadZipFile,
    OSError,
    NotImplementedError,
    EOFError,
    RuntimeError,  # encrypted
    zlib.error,  # deflate data that does not decode
    lzma.LZMAError,
)
"""What reading one damaged zip member raises: the member is skipped with a note."""


@dataclass(frozen=True, slots=True)
class Document:
    """One file's bytes and where it came from ("SRC!member" for archive members)."""

    where: str
    data: bytes


def documents(path: Path, notes: list[str]) -> Iterator[Document]:
    """Every document of one source; what cannot be read becomes a note."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror})") from None
    if stat.S_ISDIR(mode):
        yield from _folder(path, notes)
    elif zipfile.is_zipfile(path):
        yield from _zip(path, notes)
    elif _is_tar(path):
        yield from _tar(path, notes)
    elif stat.S_ISREG(mode):
        data = _read_file(path, notes)
        if data is not None:
            yield Document(str(path), data)
    else:
        raise UsageError(f"{path}: not a file, folder or archive")


def source_sha256(path: Path) -> str:
    """The sha256 of a file; of a folder, the sha256 of its sorted "digest  relative path"
    lines (as sha256sum prints them) for the files it reads."""
    if not path.is_dir():
        digest = hashlib.sha256()
        try:
            with path.open("rb") as stream:
                while chunk := stream.read(1 << 20):
                    digest.update(chunk)
        except OSError as error:
            raise UsageError(f"{path}: cannot be read ({error.strerror})") from None
        return digest.hexdigest()
    lines = sorted(
        f"{source_sha256(file)}  {file.relative_to(path).as_posix()}\n"
        for file in _folder_files(path)
        if os.access(file, os.R_OK)  # one that cannot be read was skipped with a note
    )
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def parse_document(document: Document) -> object:
    """The JSON or YAML value of a document; raises ValueError saying why it is neither."""
    try:
        text = document.data.decode("utf-8-sig", "strict")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (byte {error.start})") from None
    try:
        if text.lstrip()[:1] in ("{", "["):
            return json.loads(text)
        return yaml.load(text, Loader=_Loader)  # a safe loader: plain data only
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg} at line {error.lineno})") from None
    except yaml.YAMLError as error:
        raise ValueError(f"not JSON or YAML ({str(error).splitlines()[0][:80]})") from None
    except RecursionError:
        raise ValueError("nested too deep") from None


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except (OSError, tarfile.TarError, EOFError):
        return False


def _folder_files(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            file = Path(folder, name)
            if name.endswith(_SUFFIXES) and file.is_file() and not file.is_symlink():
                yield file


def _folder(root: Path, notes: list[str]) -> Iterator[Document]:
    for file in _folder_files(root):
        data = _read_file(file, notes)
        if data is not None:
            yield Document(str(file), data)


def _read_file(path: Path, notes: list[str]) -> bytes | None:
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as error:
        notes.append(f"{path}: cannot be read ({error.strerror}); skipped")
        return None
    if len(data) > MAX_DOCUMENT_BYTES:
        notes.append(f"{path}: larger than {MAX_DOCUMENT_BYTES >> 20} MiB; skipped")
        return None
    return data


def _zip(path: Path, notes: list[str]) -> Iterator[Document]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise UsageError(f"{path}: not a readable zip ({error})") from None
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.endswith(_SUFFIXES):
                continue
            where = f"{path}!{info.filename[:200]}"
            if info.file_size > MAX_DOCUMENT_BYTES:
                notes.append(f"{where}: larger than {MAX_DOCUMENT_BYTES >> 20} MiB; skipped")
                continue
            try:
                with archive.open(info) as member:
                    data = member.read(MAX_DOCUMENT_BYTES + 1)
            except _DAMAGED_MEMBER as error:
                notes.append(f"{where}: cannot be read ({error}); skipped")
                continue
            if len(data) > MAX_DOCUMENT_BYTES:
                notes.append(f"{where}: inflates past {MAX_DOCUMENT_BYTES >> 20} MiB; skipped")
                continue
            yield Document(where, data)


def _tar(path: Path, notes: list[str]) -> Iterator[Document]:
    try:
        with tarfile.open(path, mode="r|*") as archive:  # streamed: one pass, no member index
            yield from _tar_members(path, archive, notes)
    except (tarfile.TarError, OSError, EOFError) as error:
        notes.append(f"{path}: the archive ends early or is damaged ({error}); read up to there")


def _tar_members(path: Path, archive: tarfile.TarFile, notes: list[str]) -> Iterator[Document]:
    for member in archive:
        if not member.isfile() or not member.name.endswith(_SUFFIXES):
            continue
        where = f"{path}!{member.name[:200]}"
        if member.size > MAX_DOCUMENT_BYTES:
            notes.append(f"{where}: larger than {MAX_DOCUMENT_BYTES >> 20} MiB; skipped")
            continue
        stream = archive.extractfile(member)  # a file object over the stream; nothing written
        if stream is not None:
            yield Document(where, stream.read(MAX_DOCUMENT_BYTES))

"""The files of an installed Python distribution and their SHA-256, from ``*.dist-info/RECORD``.

RECORD is a CSV file (PyPA "Recording installed projects"): ``path,hash,size`` per installed
file, the path relative to the directory that holds the ``.dist-info`` directory (site-packages;
``../../../bin/tool`` for scripts), the hash ``<algorithm>=<urlsafe base64, no padding>``, and
sha256 what pip writes. RECORD itself and compiled ``.pyc`` files have no hash and are left out.

A RECORD says which distribution a file belongs to and whether it is still the installed file,
but not where the distribution came from: the image owner's own application, built into a wheel
and installed with ``--find-links`` (a common multi-stage build), looks exactly like a package
from PyPI (``direct_url.json``, PEP 610, is only written for direct URL installs). So a Python
distribution is never a vendor (``Owner.vendor`` False): a secret-looking hit in its files is
judged as in any file, and the finding says which distribution the file belongs to.
"""

from __future__ import annotations

import binascii
import csv
import io
from base64 import urlsafe_b64decode

from analyzer.filesystem.paths import normalize, parent
from analyzer.inventory.model import Notices
from analyzer.inventory.ownership import Owner, Recorded, RecordedFile
from analyzer.text import printable

_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


def distribution_name(record_path: str) -> str:
    """The distribution a RECORD belongs to, from its ``.dist-info`` directory name.

    >>> distribution_name("/usr/lib/python3/site-packages/PyJWT-2.8.0.dist-info/RECORD")
    'PyJWT'
    """
    directory = parent(record_path).rsplit("/", 1)[-1].removesuffix(".dist-info")
    return directory.split("-", 1)[0] or "(unnamed)"


def parse_record(data: bytes, record_path: str) -> Recorded:
    """The hashed files of the RECORD at `record_path` (an absolute path in the image).

    >>> row = b"jwt/api_jwt.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\\n"
    >>> f = parse_record(row, "/site/PyJWT-2.8.0.dist-info/RECORD").files[0]
    >>> f.path, f.owner.package, f.digest.hex()[:8]
    ('/site/jwt/api_jwt.py', 'PyJWT', 'e3b0c442')
    """
    owner = Owner(distribution_name(record_path), "python", vendor=False)
    site = parent(parent(record_path))
    notices = Notices()
    files: list[RecordedFile] = []
    rows = csv.reader(io.StringIO(data.decode("utf-8", "surrogateescape"), newline=""))
    where = printable(record_path)
    try:
        for row in rows:
            recorded = _row(row, site, owner)
            if recorded is not None:
                files.append(recorded)
            elif len(row) >= 2 and row[1]:
                notices.add(f"{where} line {rows.line_num}: unreadable hash")
    except csv.Error as error:
        notices.add(f"{where} line {rows.line_num}: {printable(str(error))}; the rest is not read")
    return Recorded(tuple(files), notices.final())


def _row(row: list[str], site: str, owner: Owner) -> RecordedFile | None:
    if len(row) < 2 or not row[0] or "=" not in row[1]:
        return None
    algorithm, _, encoded = row[1].partition("=")
    try:
        digest = urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(digest) != _SIZES.get(algorithm, -1):
        return None
    path = row[0] if row[0].startswith("/") else f"{site.rstrip('/')}/{row[0]}"
    return RecordedFile(normalize(path)[0], algorithm, digest, owner)

"""The files of the packages in data/rpmdb-files-rpm418.sqlite.gz (see make-rpmdb-files.sh).

Run as a script to write them under a directory, one tree per package (what rpmbuild packs);
the tests import FILES to build an image holding the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

FILES: dict[str, dict[str, bytes]] = {
    "vendor-docs": {
        "/usr/share/doc/vendor-docs/example.ini": b"[db]\npassword = Rv7-Kq2Lm9Xt\n",
        "/etc/vendor-docs/app.ini": b"[app]\npassword = Cf4-Wz8Tq1Ln\n",
    },
    "old-digests": {
        "/usr/lib/old-digests/data.txt": b"[svc]\npassword = Md5-Wq3Zr8Lp\n",
    },
}
"""Package -> path -> content."""


def write(root: Path) -> None:
    """Write every package's files under root/<package>/ (plus old-digests' link and sub/)."""
    for package, files in FILES.items():
        for path, data in files.items():
            target = root / package / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    lib = root / "old-digests/usr/lib/old-digests"
    (lib / "sub").mkdir(exist_ok=True)
    (lib / "link").symlink_to("data.txt")


if __name__ == "__main__":
    write(Path(sys.argv[1]))

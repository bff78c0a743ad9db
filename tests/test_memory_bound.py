"""Every command stays inside 1 GiB of address space at the default limits on the biggest
listing they admit: one layer of 550,000 empty files of 250-character names (issue 13).

The outputs that grow with the number of paths (ls in every format, the bundle's inventory)
are written while they are made; what stays is the filesystem view itself. Each run takes
20-40 s: these tests are slow.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.big import long_names_layout
from tests.bounded import run_cli

FILES = 550_000
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big_listing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return long_names_layout(tmp_path_factory.mktemp("memory") / "layout", FILES)


def count(path: Path, needle: bytes) -> int:
    """Occurrences of `needle` in the file at `path`, read a block at a time."""
    found, tail = 0, b""
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            found += (tail + block).count(needle)
            tail = block[-len(needle) + 1 :]
    return found


@pytest.mark.parametrize(
    ("options", "each_file"),
    [
        (["-f", "json"], b'"type": "file"'),
        ([], b"-rw-r--r--"),
        (["--history", "-f", "json"], b'"type": "file"'),
        (["--find", "*_x*"], b"present"),
    ],
)
def test_ls_of_550_000_long_names_stays_within_1_gib(
    options: list[str], each_file: bytes, big_listing: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = run_cli("ls", "-q", str(big_listing), *options, timeout=600, stdout=out)
    assert done.returncode == 0, done.stderr[-3000:]
    assert count(out, each_file) == FILES


def test_ls_json_into_a_file_of_550_000_long_names_stays_within_1_gib(
    big_listing: Path, tmp_path: Path
) -> None:
    out = tmp_path / "listing.json"
    done = run_cli("ls", "-q", str(big_listing), "-f", "json", "-o", str(out), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert count(out, b'"path": "/') == FILES + 1  # and their directory
    assert [p.name for p in tmp_path.iterdir()] == ["listing.json"]


@pytest.mark.parametrize("command", [["inspect"], ["scan", "-f", "json"]])
def test_inspect_and_scan_of_550_000_long_names_stay_within_1_gib(
    command: list[str], big_listing: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = run_cli(command[0], "-q", str(big_listing), *command[1:], timeout=600, stdout=out)
    assert done.returncode == 0, done.stderr[-3000:]


def test_a_bundle_of_550_000_long_names_fits_in_1_gib_with_room_to_spare(
    big_listing: Path, tmp_path: Path
) -> None:
    """The bundle's inventory.csv lists every path: it peaked at 988 MiB of address space
    (text, copy and bytes held together) before it was encoded in batches (836 MiB); 64 MiB
    less than the bound keeps it from creeping back to the edge."""
    bundle = tmp_path / "bundle"
    done = run_cli(
        "scan",
        "-q",
        str(big_listing),
        "--bundle",
        str(bundle),
        timeout=600,
        memory=(1 << 30) - (64 << 20),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert count(bundle / "inventory.csv", b",file,") == FILES

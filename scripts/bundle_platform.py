"""Print the platform tag an offline bundle needs, from the file names of the wheels it holds.

A wheel names the platforms it runs on in the last part of its file name (PEP 425, PEP 600):
`manylinux_2_17_x86_64.manylinux2014_x86_64` runs on x86_64 Linux with glibc 2.17 or newer,
`linux_x86_64` is a wheel pip built on this machine (no portability promise), `any` runs
anywhere. A wheel runs where any one of its tags does; a bundle runs where every wheel does, so
its tag is the newest glibc that some wheel requires: `manylinux_2_17_x86_64`. One locally built
wheel makes the whole bundle `linux_x86_64`: it is then for machines like the one that built it.

Usage (scripts/offline-bundle runs it): python3 scripts/bundle_platform.py WHEEL...
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import PurePath

# PEP 600 names the glibc version; the older manylinux tags are aliases of these.
LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_(\w+)")
LEGACY = re.compile(r"(manylinux1|manylinux2010|manylinux2014)_(\w+)")
LOCAL_LINUX = re.compile(r"linux_(\w+)")

Glibc = tuple[tuple[int, int], str]
"""A glibc version a wheel needs and the machine architecture it is built for."""


def platform_tags(wheel: str) -> list[str]:
    """The platform tags in a wheel's file name: `x-1.0-cp311-cp311-a.b.whl` -> `[a, b]`."""
    name = PurePath(wheel).name
    if not name.endswith(".whl") or name.count("-") < 4:
        raise ValueError(f"{name} is not a wheel file name (name-version-python-abi-platform.whl)")
    return name.removesuffix(".whl").split("-")[-1].split(".")


def manylinux_floor(tag: str) -> Glibc | None:
    """The glibc version and architecture a manylinux tag promises, None for any other tag."""
    if match := MANYLINUX.fullmatch(tag):
        return (int(match[1]), int(match[2])), match[3]
    if match := LEGACY.fullmatch(tag):
        return LEGACY_MANYLINUX[match[1]], match[2]
    return None


def wheel_floor(wheel: str) -> Glibc | str | None:
    """What one wheel needs: a glibc floor, a local `linux_<arch>` tag, or None for `any`."""
    tags = platform_tags(wheel)
    if tags == ["any"]:
        return None
    floors = [floor for tag in tags if (floor := manylinux_floor(tag)) is not None]
    if floors:
        return min(floors)
    local = [tag for tag in tags if LOCAL_LINUX.fullmatch(tag)]
    if local:
        return local[0]
    raise ValueError(f"{PurePath(wheel).name}: platform {'.'.join(tags)} is not Linux (glibc)")


def bundle_platform(wheels: Iterable[str]) -> str:
    """The tag of the platforms where every one of these wheels installs."""
    floors: list[Glibc] = []
    local: set[str] = set()
    for wheel in wheels:
        need = wheel_floor(wheel)
        if isinstance(need, str):
            local.add(need)
        elif need is not None:
            floors.append(need)
    arches = {arch for _, arch in floors} | {tag.removeprefix("linux_") for tag in local}
    if len(arches) > 1:
        raise ValueError(f"the wheels are built for different machines: {sorted(arches)}")
    if local:
        return local.pop()
    if not floors:
        return "any"
    (major, minor), arch = max(floors)
    return f"manylinux_{major}_{minor}_{arch}"


def main(argv: list[str]) -> int:
    """Print the bundle's platform tag; exit 2 with the reason when the wheels disagree."""
    if not argv:
        print("usage: bundle_platform.py WHEEL...", file=sys.stderr)
        return 2
    try:
        print(bundle_platform(argv))
    except ValueError as exc:
        print(f"bundle_platform.py: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

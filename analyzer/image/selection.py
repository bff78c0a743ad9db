"""Which images of an archive a command reads: `--platform` and `--image` choose them.

`--image` names an image the ways a user has at hand: its number N in the order the archive
lists its images (the order of `inspect` and `ls`, 1 first, with or without `--platform`), its
manifest or config digest (whole, or its first 12 or more hex digits, as tables show it), or a
reference the archive gives it, as listed or as docker completes a name (`shop` is
`docker.io/library/shop:latest`). Every image the value names in any of these ways is chosen
(but a number that is also another image's reference is refused: which was meant is unknown),
and `--platform` keeps those of its platform: a multi-arch tag and `--platform` name one image.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from analyzer.archive.digest import REGISTERED
from analyzer.errors import UsageError
from analyzer.image.label import image_label
from analyzer.image.model import Catalog, Image, Platform
from analyzer.text import printable, quoted

MIN_DIGEST_DIGITS = 12
"""The fewest hex digits of a digest `--image` takes: as many as tables show (`short`)."""
SHOWN_CANDIDATES = 10
"""How many images a message lists before it says how many more there are."""
_NUMBER = re.compile(r"[0-9]{1,9}")
_DIGEST = re.compile(r"(?:([a-z0-9]+):)?([0-9a-f]+)")


def select_images(
    catalog: Catalog, platform: str | None, image: str | None = None
) -> tuple[Image, ...]:
    """The images to analyse: all of them, or those `--image` names and `--platform` fits."""
    wanted = _parse_platform(platform) if platform else None
    named = _named(catalog, image) if image else catalog.images
    if wanted is None:
        return named
    chosen = tuple(i for i in named if i.platform.matches(wanted))
    if chosen:
        return chosen
    if image:
        listed = candidate_list([candidate(image_number(catalog, i), i) for i in named])
        raise UsageError(f"{quoted(image)} names no image for platform {platform}, only: {listed}")
    available = ", ".join(sorted({str(i.platform) for i in catalog.images}))
    raise UsageError(f"no image for platform {platform}; the archive has: {available}")


def _parse_platform(platform: str) -> Platform:
    try:
        return Platform.parse(platform)
    except ValueError as exc:
        raise UsageError(f"--platform: {exc}") from None


def _named(catalog: Catalog, value: str) -> tuple[Image, ...]:
    """The images `--image value` names; none is an error that lists what there is, and so is
    a number that is also another image's reference (a tag `3`): which was meant is not known."""
    numbered = enumerate(catalog.images, start=1)
    by_name = tuple(image for image in catalog.images if _names_by_name(value, image))
    by_number = tuple(image for n, image in numbered if _names_by_number(value, n))
    if by_number and by_name and not set(map(id, by_number)) <= set(map(id, by_name)):
        [number_image] = by_number
        others = candidate_list([candidate(image_number(catalog, i), i) for i in by_name])
        raise UsageError(
            f"{quoted(value)} is the number of image {image_number(catalog, number_image)} and "
            f"names other images by reference or digest: {others}; name the image by its "
            f"digest ({MIN_DIGEST_DIGITS} or more hex digits) or its full reference"
        )
    named = by_name or by_number
    if named:
        return named
    listed = candidate_list(
        [candidate(number, image) for number, image in enumerate(catalog.images, start=1)]
    )
    raise UsageError(
        f"{quoted(value)} names no image of the archive, which holds "
        f"{len(catalog.images)}: {listed}; name one by reference, by digest ({MIN_DIGEST_DIGITS} "
        "or more hex digits) or by number"
    )


def _names_by_number(value: str, number: int) -> bool:
    return _NUMBER.fullmatch(value) is not None and int(value) == number


def _names_by_name(value: str, image: Image) -> bool:
    """True when `value` names `image` by digest or reference."""
    if _names_digest(value.lower(), (image.manifest_digest, image.config_digest)):
        return True
    return any(value == ref or familiar(value) == familiar(ref) for ref in image.refs)


def _names_digest(value: str, digests: Sequence[str]) -> bool:
    """True when `value` is one of `digests`, or its first 12+ hex digits (algorithm optional)."""
    match = _DIGEST.fullmatch(value)
    if match is None or len(match[2]) < MIN_DIGEST_DIGITS:
        return False
    algorithm, digits = match[1], match[2]
    if algorithm is not None and algorithm not in REGISTERED:
        return False  # `shop:0123456789ab` is a tag, not a digest
    for digest in digests:
        kind, _, encoded = digest.partition(":")
        if encoded.startswith(digits) and algorithm in (None, kind):
            return True
    return False


def familiar(reference: str) -> str:
    """`reference` completed as docker completes a name: registry docker.io (and its library
    namespace for a one-part name), tag latest when it has neither tag nor digest.

    >>> familiar("alpine"), familiar("example/shop:1.0")
    ('docker.io/library/alpine:latest', 'docker.io/example/shop:1.0')
    >>> familiar("ghcr.io/org/app"), familiar("localhost:5000/app@sha256:ab")
    ('ghcr.io/org/app:latest', 'localhost:5000/app@sha256:ab')
    """
    name, at, digest = reference.partition("@")
    first, slash, rest = name.partition("/")
    registry, path = (first, rest) if slash and _is_registry(first) else ("docker.io", name)
    if registry == "index.docker.io":
        registry = "docker.io"
    if registry == "docker.io" and "/" not in path:
        path = f"library/{path}"
    if not at and ":" not in path.rpartition("/")[2]:
        path = f"{path}:latest"
    return f"{registry}/{path}{at}{digest}"


def _is_registry(first: str) -> bool:
    """Whether the first part of a name is a registry host, as docker decides it."""
    return "." in first or ":" in first or first == "localhost"


def image_number(catalog: Catalog, image: Image) -> int:
    """The number of `image` in its archive's list (1 first), as `--image N` takes it."""
    for number, listed in enumerate(catalog.images, start=1):
        if listed is image:
            return number
    raise ValueError("the image is not one of the catalog's")


def candidate(number: int, image: Image, scrub: Callable[[str], str] = str) -> str:
    """One image as a message offers it for `--image`: its number, label and platform, passed
    through its redactor and cut short (a tag may quote a secret, or be megabytes long)."""
    label = quoted(scrub(image_label(image.refs, image.config_digest)), 80)
    return f"{number} {label} ({printable(scrub(str(image.platform)))[:40]})"


def candidate_list(candidates: Sequence[str]) -> str:
    """The first candidates, and how many more there are.

    >>> candidate_list(["1 'a' (linux/amd64)"] * 12)[-10:]
    'and 2 more'
    """
    shown = ", ".join(candidates[:SHOWN_CANDIDATES])
    more = len(candidates) - SHOWN_CANDIDATES
    return f"{shown}, and {more} more" if more > 0 else shown

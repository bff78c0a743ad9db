"""`--image` names an image of an archive of several by its number, a digest or a reference, and
`--platform` narrows what it names; a value that names nothing is an error listing what there is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer import UsageError
from analyzer.archive.digest import short
from analyzer.archive.source import open_archive
from analyzer.cli import main
from analyzer.image.loader import load_catalog
from analyzer.image.model import Catalog
from analyzer.image.selection import familiar, select_images
from fixtures.formats import write_docker_archive
from fixtures.spec import FileSpec, ImageSpec, LayerSpec


def catalog_of(archive: Path) -> Catalog:
    return load_catalog(open_archive(archive))


def chosen_refs(catalog: Catalog, image: str, platform: str | None = None) -> list[list[str]]:
    return [list(i.refs) for i in select_images(catalog, platform, image)]


@pytest.fixture(scope="module")
def two(built: dict[str, Path]) -> Catalog:
    """A `docker save` of two linux/amd64 images: the example tagged example/shop:latest and
    example/shop:1.0, then an untagged one."""
    return catalog_of(built["docker-legacy-multi"])


@pytest.fixture(scope="module")
def multiarch(built: dict[str, Path]) -> Catalog:
    """An OCI layout whose tags (docker.io/example/shop:latest, latest) name both its images,
    linux/amd64 and linux/arm64/v8."""
    return catalog_of(built["oci-multiarch"])


def test_a_number_names_the_image_at_that_place_in_the_archive_s_list(two: Catalog) -> None:
    assert [select_images(two, None, n) for n in ("1", "2")] == [(i,) for i in two.images]


def test_a_reference_names_its_image_as_listed_or_as_docker_completes_it(
    two: Catalog, multiarch: Catalog
) -> None:
    tagged = [["example/shop:latest", "example/shop:1.0"]]
    for value in ("example/shop:1.0", "docker.io/example/shop:1.0", "example/shop"):
        assert chosen_refs(two, value) == tagged
    assert len(chosen_refs(multiarch, "example/shop:latest")) == 2  # listed docker.io/...
    assert familiar("alpine") == "docker.io/library/alpine:latest"


def test_a_digest_or_its_first_twelve_hex_digits_names_the_image(
    two: Catalog, multiarch: Catalog
) -> None:
    untagged = two.images[1]
    config = untagged.config_digest
    for value in (config, config[:19], config.removeprefix("sha256:")[:12], config.upper()):
        assert select_images(two, None, value) == (untagged,)
    arm = multiarch.images[1]
    assert select_images(multiarch, None, arm.manifest_digest) == (arm,)


def test_a_short_or_foreign_digest_names_no_image(two: Catalog) -> None:
    digits = two.images[1].config_digest.removeprefix("sha256:")
    for value in (digits[:11], f"sha512:{digits}", f"shop:{digits[:12]}"):
        with pytest.raises(UsageError, match="names no image"):
            select_images(two, None, value)


def test_image_and_platform_together_name_one_image_of_a_multi_arch_tag(
    multiarch: Catalog,
) -> None:
    assert select_images(multiarch, None, "latest") == multiarch.images
    assert select_images(multiarch, "linux/arm64", "latest") == multiarch.images[1:]


def test_a_value_that_names_nothing_is_an_error_listing_every_image_with_its_number(
    two: Catalog,
) -> None:
    untagged = short(two.images[1].config_digest)
    with pytest.raises(UsageError) as error:
        select_images(two, None, "example/shop:2.0")
    assert str(error.value) == (
        "'example/shop:2.0' names no image of the archive, which holds 2: "
        f"1 'example/shop:latest' (linux/amd64), 2 '{untagged}' (linux/amd64); "
        "name one by reference, by digest (12 or more hex digits) or by number"
    )
    with pytest.raises(UsageError, match=r"^'3' names no image of the archive, which holds 2"):
        select_images(two, None, "3")


def test_an_image_named_but_not_of_the_platform_is_an_error_naming_its_platform(
    two: Catalog,
) -> None:
    untagged = short(two.images[1].config_digest)
    with pytest.raises(UsageError) as error:
        select_images(two, "linux/arm64", "2")
    assert str(error.value) == (
        f"'2' names no image for platform linux/arm64, only: 2 '{untagged}' (linux/amd64)"
    )


def test_inspect_shows_the_number_that_chooses_each_image(
    built: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The number --image takes is on inspect's page (and in its JSON), the same when
    --image or --platform has kept only some of the images."""
    archive = str(built["docker-legacy-multi"])
    assert main(["inspect", archive]) == 0
    shown = [line.split()[:2] for line in capsys.readouterr().out.splitlines()]
    assert [s for s in shown if s[:1] == ["image"]] == [["image", "1"], ["image", "2"]]
    assert main(["inspect", archive, "--image", "2", "-f", "json"]) == 0
    [image] = json.loads(capsys.readouterr().out)["images"]
    assert image["number"] == 2
    assert main(["inspect", str(built["docker-legacy"])]) == 0
    assert not [line for line in capsys.readouterr().out.splitlines() if line.startswith("image ")]


def test_a_number_that_is_also_another_images_tag_is_refused_not_both_chosen(
    tmp_path: Path,
) -> None:
    """`docker save shop:1 3 other:1`: `--image 3` could mean the third image or the one
    tagged 3; reading both would be a guess. A number that is the same image's tag is fine."""
    specs = [
        ImageSpec(layers=(LayerSpec((FileSpec(f"f{n}", b"x"),), "ADD f /"),), repo_tags=(tag,))
        for n, tag in enumerate(("shop:1", "3", "other:1"))
    ]
    catalog = catalog_of(write_docker_archive(specs, tmp_path / "three.tar"))
    with pytest.raises(UsageError) as refused:
        select_images(catalog, None, "3")
    assert "'3' is the number of image 3 and names other images" in str(refused.value)
    assert "2 '3' (linux/amd64)" in str(refused.value)
    assert chosen_refs(catalog, "docker.io/library/3:latest") == [["3"]]
    assert chosen_refs(catalog, "2") == [["3"]]

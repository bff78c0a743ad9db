"""A bundle of several images opens with report.md and report.html listing every image with its
verdict line and a link into its folder; both are covered by SHA256SUMS like every file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from analyzer.bundle.overview import ImageEntry, overview_html, overview_markdown
from analyzer.cli import main
from analyzer.findings.verdicts import Status, verdict_line
from fixtures.example import example_image
from fixtures.formats import write_docker_archive
from fixtures.leaky_image import SECRETS, leaky_image
from tests.bundle.test_html import parse
from tests.conftest import REALWORLD

REGCLIENT = REALWORLD / "images" / "regclient" / "testdata" / "testrepo"
"""An OCI layout of 21 images (regclient's test repository)."""


def bundled(archive: Path, out: Path) -> Path:
    assert main(["scan", str(archive), "--jobs", "1", "-q", "--bundle", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def multiarch(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bundled(built["oci-multiarch"], tmp_path_factory.mktemp("overview") / "evidence")


def image_verdict(folder: Path) -> str:
    report: dict[str, Any] = json.loads((folder / "report.json").read_text("utf-8"))
    return verdict_line(Status(r["status"]) for r in report["requirements"])


def test_the_page_lists_every_image_with_its_verdict_and_a_link_to_its_report(
    multiarch: Path,
) -> None:
    index = json.loads((multiarch / "index.json").read_text("utf-8"))
    page = parse((multiarch / "report.html").read_text("utf-8"))
    rows = page.having("tr", class_="image")
    assert [r["data-folder"] for r in rows] == [e["folder"] for e in index["images"]]
    links = [a["href"] for a in page.having("a")]
    assert links == [f"{e['folder']}/report.html" for e in index["images"]]
    assert all((multiarch / link).is_file() for link in links if link)
    text = "".join(page.text)
    for entry in index["images"]:
        assert image_verdict(multiarch / entry["folder"]) in text
    assert "2 images: " in text and "linux/arm64/v8" in text


def test_the_markdown_lists_the_same_images_and_links_to_their_markdown(
    multiarch: Path,
) -> None:
    index = json.loads((multiarch / "index.json").read_text("utf-8"))
    markdown = (multiarch / "report.md").read_text("utf-8")
    links = re.findall(r"\]\(([^)]+)\)", markdown)
    assert links == [f"{e['folder']}/report.md" for e in index["images"]]
    for entry in index["images"]:
        row = next(line for line in markdown.splitlines() if entry["folder"] in line)
        assert image_verdict(multiarch / entry["folder"]) in row


def test_the_overview_is_listed_in_sha256sums_and_the_bundle_verifies(
    multiarch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = (multiarch / "SHA256SUMS").read_text("utf-8")
    assert "  report.html\n" in listed and "  report.md\n" in listed
    assert main(["verify", str(multiarch)]) == 0
    assert "OK report.html" in capsys.readouterr().out


def test_a_bundle_of_one_image_has_its_own_report_at_the_top(
    built: dict[str, Path], tmp_path: Path
) -> None:
    out = bundled(built["example"], tmp_path / "evidence")
    assert (out / "report.md").read_text("utf-8").startswith("# Image audit: example/shop:latest")


def test_names_from_the_archive_stay_text(tmp_path: Path) -> None:
    hostile = ImageEntry(
        folder="image-1-abc",
        names='evil"><script>alert(1)</script>|pipe',
        platform="linux/amd64\n| forged | row |",
        verdict="1 requirement fails",
        failing=True,
        counts=(("critical", 1),),
    )
    facts = {"name": "<b>in.tar</b>", "size": 1, "sha256": "0" * 64}
    page = parse(overview_html([hostile], facts))
    assert not page.having("script") and not page.having("b")
    assert 'evil"><script>alert(1)</script>|pipe' in "".join(page.text)
    rows = [line for line in overview_markdown([hostile], facts).splitlines() if "|" in line]
    assert len(rows) == 3 and "\\<script>" in rows[-1] and "\\| forged" in rows[-1]


@pytest.mark.realworld
def test_an_archive_of_21_images_gets_one_page_naming_each(tmp_path: Path) -> None:
    out = bundled(REGCLIENT, tmp_path / "evidence")
    page = parse((out / "report.html").read_text("utf-8"))
    assert len(page.having("tr", class_="image")) == 21
    assert "21 images: " in "".join(page.text)
    assert (
        len(re.findall(r"\]\(image-\d+-[0-9a-f]{12}/report\.md\)", (out / "report.md").read_text()))
        == 21
    )


def test_no_secret_reaches_the_overview(tmp_path: Path) -> None:
    archive = write_docker_archive([leaky_image(), example_image()], tmp_path / "two.tar")
    out = bundled(archive, tmp_path / "evidence")
    for name in ("report.md", "report.html"):
        text = (out / name).read_text("utf-8")
        assert "leak/app:" in text and not [s for s in SECRETS if s in text], name

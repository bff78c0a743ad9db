"""The package inventory detector: every package of the final filesystem, with the layer that
installed it, in time linear in the size of the package databases."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from analyzer.scan import scan_archive
from fixtures.formats import write_docker_archive
from fixtures.spec import FileSpec, ImageSpec, LayerSpec


def dpkg_status(names: list[str]) -> bytes:
    """A dpkg status file listing `names`, each installed at version 1.0."""
    return b"".join(
        b"Package: %s\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\n\n"
        % name.encode()
        for name in names
    )


def image_with_status_layers(*versions: list[str]) -> ImageSpec:
    """One layer per dpkg status version (bottom first)."""
    layers = tuple(
        LayerSpec((FileSpec("var/lib/dpkg/status", dpkg_status(names)),), f"RUN step {i}")
        for i, names in enumerate(versions)
    )
    return ImageSpec(layers=layers, repo_tags=("example/pkgs:1",))


def inventoried(spec: ImageSpec, tmp_path: Path) -> dict[str, object]:
    [report] = scan_archive(write_docker_archive([spec], tmp_path / "image.tar")).images
    packages = dict(report.facts)["packages"]
    assert isinstance(packages, list)
    return {str(p["name"]): p["layer"] for p in packages}


def test_package_is_attributed_to_the_first_layer_of_its_last_unbroken_run(
    tmp_path: Path,
) -> None:
    spec = image_with_status_layers(
        ["base", "removed-then-back"],
        ["base", "added-in-1"],
        ["base", "added-in-1", "removed-then-back"],
        ["base", "added-in-1", "removed-then-back", "added-in-3"],
    )
    assert inventoried(spec, tmp_path) == {
        "base": 0,
        "added-in-1": 1,
        "removed-then-back": 2,
        "added-in-3": 3,
    }


def test_inventory_of_a_status_file_with_fifty_thousand_packages_is_linear(
    tmp_path: Path,
) -> None:
    # Before the fix each package was looked up in every version's tuple of packages: 20,000
    # packages took 49 s and 50,000 several minutes. Linear work takes seconds.
    names = [f"pkg{i}" for i in range(50_000)]
    archive = write_docker_archive(
        [image_with_status_layers(names[:100], names)], tmp_path / "big.tar"
    )
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from analyzer.scan import scan_archive
        [report] = scan_archive(Path({str(archive)!r})).images
        print(len(dict(report.facts)["packages"]))
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert run.stdout.split() == ["50000"]


def scan_notices(layer: LayerSpec, tmp_path: Path) -> list[str]:
    spec = ImageSpec(layers=(layer,), repo_tags=("example/pkgs:1",))
    return list(scan_archive(write_docker_archive([spec], tmp_path / "image.tar")).notices)


def test_a_bad_line_of_the_dpkg_status_file_is_one_notice_with_visible_escapes(
    tmp_path: Path,
) -> None:
    # the inventory and the conffiles reader both read the file: the problem is reported once
    status = dpkg_status(["a"]) + b"\xbd\x80 junk\n"
    notices = scan_notices(LayerSpec((FileSpec("var/lib/dpkg/status", status),)), tmp_path)
    about_line = [n for n in notices if "dpkg status line 6" in n]
    assert about_line == [
        "example/pkgs:1: /var/lib/dpkg/status: dpkg status line 6: not a 'Field: value' line: "
        "'\\xbd\\x80 junk'"
    ]


def test_a_bad_line_of_a_distroless_status_d_file_is_one_notice(tmp_path: Path) -> None:
    layer = LayerSpec(
        (
            FileSpec("var/lib/dpkg/status.d", kind="dir"),
            FileSpec("var/lib/dpkg/status.d/a", dpkg_status(["a"]) + b"junk\n"),
            FileSpec("var/lib/dpkg/status.d/a.md5sums", b"0" * 32 + b"  usr/bin/a\n"),
        )
    )
    notices = scan_notices(layer, tmp_path)
    [notice] = [n for n in notices if "dpkg status line" in n]
    assert notice.startswith("example/pkgs:1: /var/lib/dpkg/status.d/a")
    assert notice.endswith(": dpkg status line 6: not a 'Field: value' line: 'junk'")

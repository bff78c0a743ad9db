"""The air-gapped install: scripts/offline-bundle packs every wheel image-audit needs, and the
bundle's install.sh installs a working `image-audit` with pip --no-index and no network.

The bundle is built once (with the network, to collect the wheels) for the interpreter running
these tests, then installed from an unpacked copy into a fresh venv, inside `unshare -n` (a
network namespace with no interface but loopback) when running as root, as CI does. Every
command of the installed venv runs from a temporary directory, never the repository, so
`analyzer` can only come from the installed wheel. The platform-tag helper
(scripts/bundle_platform.py) has fast tests of its own.
"""

from __future__ import annotations

import configparser
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import pytest
from packaging.requirements import Requirement
from packaging.tags import sys_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "offline-bundle"
PYTAG = f"cp{sys.version_info[0]}{sys.version_info[1]}"
BUILD_TIMEOUT = 900


def load_bundle_platform() -> ModuleType:
    """scripts/bundle_platform.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "bundle_platform", ROOT / "scripts" / "bundle_platform.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle_platform = load_bundle_platform()


# ---- the bundle's platform tag, from wheel file names (fast) --------------------------------


def test_bundle_needs_the_newest_glibc_that_any_wheel_needs() -> None:
    wheels = [
        "tabulate-0.10.0-py3-none-any.whl",
        "charset_normalizer-3.5.3-cp311-cp311-manylinux1_x86_64.manylinux_2_28_x86_64.whl",
        "zstandard-0.25.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        "isal-1.9.1-cp311-cp311-manylinux_2_12_x86_64.manylinux2010_x86_64.whl",
    ]
    assert bundle_platform.bundle_platform(wheels) == "manylinux_2_17_x86_64"


def test_a_wheel_built_on_this_machine_makes_the_bundle_local() -> None:
    wheels = [
        "zstandard-0.25.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        "oddity-1.0-cp311-cp311-linux_x86_64.whl",
    ]
    assert bundle_platform.bundle_platform(wheels) == "linux_x86_64"


def test_pure_python_wheels_run_anywhere() -> None:
    assert bundle_platform.bundle_platform(["a-1-py3-none-any.whl"]) == "any"


def test_wheels_for_different_machines_or_systems_are_refused() -> None:
    mixed = [
        "a-1-cp311-cp311-manylinux_2_17_x86_64.whl",
        "b-1-cp311-cp311-manylinux_2_17_aarch64.whl",
    ]
    with pytest.raises(ValueError, match="different machines"):
        bundle_platform.bundle_platform(mixed)
    with pytest.raises(ValueError, match="not Linux"):
        bundle_platform.bundle_platform(["c-1-cp311-cp311-macosx_11_0_arm64.whl"])
    with pytest.raises(ValueError, match="not a wheel"):
        bundle_platform.bundle_platform(["c-1.0.tar.gz"])


# ---- building the bundle (needs the package index) ------------------------------------------


def base_python() -> str:
    """The interpreter behind this test's venv: the bundle is built and installed for it."""
    major, minor = sys.version_info[:2]
    candidate = Path(sys.base_prefix) / "bin" / f"python{major}.{minor}"
    return str(candidate) if candidate.is_file() else sys.executable


def clean_env() -> dict[str, str]:
    """This environment without anything that would point Python at the repository."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env


def apt_can_download_libmagic() -> bool:
    """Whether apt's package lists name a downloadable libmagic1 (they do after apt-get update)."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        return False
    command = ["apt-get", "download", "--print-uris", "libmagic1", "libmagic-mgc"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return done.returncode == 0 and all(
        f" {n}_" in done.stdout for n in ("libmagic1", "libmagic-mgc")
    )


def build_bundle(out: Path, *options: str, umask: int = 0o022) -> Path:
    """Run scripts/offline-bundle for this interpreter; the bundle's path (its last stdout line)."""
    command = [str(SCRIPT), "--python", base_python(), "--output", str(out), *options]
    done = subprocess.run(
        ["bash", "-c", f'umask {umask:03o} && exec "$@"', "offline-bundle", *command],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
        env=clean_env(),
    )
    assert done.returncode == 0, f"scripts/offline-bundle failed:\n{done.stderr}"
    return Path(done.stdout.splitlines()[-1])


class Bundle(NamedTuple):
    tarball: Path
    options: tuple[str, ...]
    with_debs: bool


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    with_debs = apt_can_download_libmagic()
    options = ("--with-libmagic-debs",) if with_debs else ()
    tarball = build_bundle(tmp_path_factory.mktemp("bundle"), *options)
    return Bundle(tarball, options, with_debs)


def unpack(tarball: Path, into: Path) -> Path:
    """`tar xzf` as a user would; the bundle's one top-level directory."""
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-xzf", str(tarball), "-C", str(into)], check=True)
    [top] = into.iterdir()
    return top


@pytest.fixture(scope="module")
def unpacked(bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unpack(bundle.tarball, tmp_path_factory.mktemp("unpacked"))


@pytest.fixture
def bundle_copy(unpacked: Path, tmp_path: Path) -> Path:
    """A copy of the unpacked bundle that a test may damage."""
    return Path(shutil.copytree(unpacked, tmp_path / unpacked.name))


def setup_cfg_version() -> str:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return parser["metadata"]["version"]


def wheels(top: Path) -> dict[str, Path]:
    """The bundle's wheels by canonical project name."""
    return {
        canonicalize_name(parse_wheel_filename(w.name)[0]): w
        for w in sorted((top / "wheels").iterdir())
    }


def metadata(wheel: Path) -> Message:
    """The METADATA of a wheel."""
    with zipfile.ZipFile(wheel) as zf:
        [name] = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(zf.read(name).decode())


@pytest.mark.slow
def test_bundle_is_named_for_its_version_platform_and_python(bundle: Bundle) -> None:
    name = bundle.tarball.name
    prefix = f"image-audit-{setup_cfg_version()}-offline-"
    assert name.startswith(prefix) and name.endswith(f"-{PYTAG}.tar.gz"), name
    platform = name.removeprefix(prefix).removesuffix(f"-{PYTAG}.tar.gz")
    assert platform.startswith(("manylinux_", "linux_")) and platform.endswith("_x86_64"), name
    with tarfile.open(bundle.tarball) as tar:
        tops = {member.name.split("/")[0] for member in tar.getmembers()}
    assert tops == {name.removesuffix(".tar.gz")}


@pytest.mark.slow
def test_tarball_checksum_beside_it_verifies(bundle: Bundle) -> None:
    sums = bundle.tarball.with_name(bundle.tarball.name + ".sha256")
    digest = hashlib.sha256(bundle.tarball.read_bytes()).hexdigest()
    assert sums.read_text() == f"{digest}  {bundle.tarball.name}\n"
    done = subprocess.run(["sha256sum", "-c", sums.name], cwd=sums.parent, check=False)
    assert done.returncode == 0


@pytest.mark.slow
def test_bundle_holds_wheels_only_and_the_working_trees_package(unpacked: Path) -> None:
    found = wheels(unpacked)
    assert all(w.suffix == ".whl" for w in found.values())
    assert {"image-audit", "pip"} <= set(found)
    own = found["image-audit"]
    assert parse_wheel_filename(own.name)[1].public == setup_cfg_version()
    with zipfile.ZipFile(own) as zf:
        names = zf.namelist()
        assert zf.read("analyzer/cli.py") == (ROOT / "analyzer" / "cli.py").read_bytes()
    assert not [n for n in names if n.startswith(("tests/", "fixtures/", "scripts/"))]


@pytest.mark.slow
def test_every_requirement_of_every_bundled_wheel_is_bundled(unpacked: Path) -> None:
    """The closure of image-audit's Requires-Dist, read from the wheels themselves: a dependency
    added to setup.cfg later must appear here without anyone listing it."""
    found = wheels(unpacked)
    supported = set(sys_tags())
    for wheel in found.values():
        assert parse_wheel_filename(wheel.name)[3] & supported, f"{wheel.name} cannot install here"
    pending: list[tuple[str, frozenset[str]]] = [("image-audit", frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        project, extras = pending.pop()
        if (project, extras) in seen:
            continue
        seen.add((project, extras))
        for line in metadata(found[project]).get_all("Requires-Dist") or []:
            req = Requirement(line)
            if req.marker and not any(req.marker.evaluate({"extra": e}) for e in {"", *extras}):
                continue
            name = canonicalize_name(req.name)
            assert name in found, f"{project} requires {req}: no wheel for it in the bundle"
            version = parse_wheel_filename(found[name].name)[1]
            assert req.specifier.contains(version, prereleases=True), f"{found[name].name}: {req}"
            pending.append((name, frozenset(req.extras)))
    setup_cfg = configparser.ConfigParser()
    setup_cfg.read(ROOT / "setup.cfg")
    declared = setup_cfg["options"]["install_requires"].split()
    for line in declared:
        assert canonicalize_name(Requirement(line).name) in {p for p, _ in seen}, line


@pytest.mark.slow
def test_sha256sums_cover_every_other_file_of_the_bundle(unpacked: Path) -> None:
    listed = {}
    for line in (unpacked / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {p.relative_to(unpacked).as_posix() for p in unpacked.rglob("*") if p.is_file()}
    files.remove("SHA256SUMS")
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((unpacked / name).read_bytes()).hexdigest() == digest, name
    assert {"install.sh", "README.txt", "constraints.txt", "example/example.tar"} <= files


@pytest.mark.slow
def test_bundle_carries_debian_libmagic_debs_when_asked(bundle: Bundle, unpacked: Path) -> None:
    if not bundle.with_debs:
        pytest.skip("apt cannot download libmagic1 here (no apt-get or no package lists)")
    debs = sorted((unpacked / "debs").glob("*.deb"))
    fields = {
        subprocess.run(
            ["dpkg-deb", "--field", str(deb), "Package"], capture_output=True, text=True, check=True
        ).stdout.strip()
        for deb in debs
    }
    assert fields == {"libmagic1", "libmagic-mgc"}
    assert "apt-get install ./debs/libmagic-mgc_" in (unpacked / "README.txt").read_text()


@pytest.mark.slow
def test_same_inputs_give_the_same_bundle_bytes(
    bundle: Bundle, unpacked: Path, tmp_path: Path
) -> None:
    """Rebuilt with the first bundle's constraints.txt (and another umask): identical bytes."""
    again = build_bundle(
        tmp_path, *bundle.options, "--constraints", str(unpacked / "constraints.txt"), umask=0o077
    )
    assert again.name == bundle.tarball.name
    assert again.read_bytes() == bundle.tarball.read_bytes()


# ---- installing it with no network ----------------------------------------------------------


def network_cut() -> str | None:
    """Why the network cannot be cut here, or None when `unshare -n` works (root)."""
    if os.geteuid() != 0:
        return "not root: unshare -n cannot cut the network"
    if shutil.which("unshare") is None:
        return "unshare is not installed"
    done = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True, check=False)
    return None if done.returncode == 0 else f"unshare -n true failed: {done.stderr.strip()}"


def can_mount_privately() -> bool:
    """Whether this process may make a private mount namespace (`unshare -m`, root)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return (
        subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode == 0
    )


def offline(command: list[str]) -> list[str]:
    """The command inside a network namespace of its own where possible."""
    return command if network_cut() else ["unshare", "-n", "--", *command]


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        offline(command),
        cwd=cwd,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def install(
    top: Path, venv: Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the bundle's install.sh for this interpreter, with no network."""
    return run([str(top / "install.sh"), "--python", base_python(), str(venv)], cwd, env)


class Installed(NamedTuple):
    venv: Path
    cwd: Path
    output: str


@pytest.fixture(scope="module")
def installed(unpacked: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    cwd = tmp_path_factory.mktemp("elsewhere")
    venv = cwd / "image-audit-venv"
    done = install(unpacked, venv, cwd)
    assert done.returncode == 0, f"install.sh failed:\n{done.stdout}\n{done.stderr}"
    return Installed(venv, cwd, done.stdout + done.stderr)


@pytest.mark.slow
def test_install_ran_with_the_network_cut() -> None:
    reason = network_cut()
    if reason:
        pytest.skip(f"{reason}; the install used pip --no-index only (network not cut)")
    probe = "import socket; print(sorted(name for _, name in socket.if_nameindex()))"
    done = run([sys.executable, "-c", probe], Path("/"))
    assert done.stdout.strip() == "['lo']"


@pytest.mark.slow
def test_installed_image_audit_reports_its_version(installed: Installed) -> None:
    assert f"image-audit {setup_cfg_version()} is installed in {installed.venv}" in installed.output
    done = run([str(installed.venv / "bin" / "image-audit"), "--version"], installed.cwd)
    assert done.returncode == 0
    assert setup_cfg_version() in done.stdout
    python = str(installed.venv / "bin" / "python")
    assert run([python, "-m", "analyzer", "--version"], installed.cwd).stdout == done.stdout


@pytest.mark.slow
def test_installed_venv_uses_the_wheel_not_the_repository(installed: Installed) -> None:
    probe = (
        "import importlib.util, analyzer; "
        "print(analyzer.__file__); print(importlib.util.find_spec('fixtures'))"
    )
    done = run([str(installed.venv / "bin" / "python"), "-c", probe], installed.cwd)
    where, fixtures = done.stdout.splitlines()
    assert Path(where).is_relative_to(installed.venv / "lib"), where
    assert fixtures == "None"


@pytest.mark.slow
def test_installed_image_audit_lists_its_rules(installed: Installed) -> None:
    done = run([str(installed.venv / "bin" / "image-audit"), "rules"], installed.cwd)
    assert done.returncode == 0, done.stderr
    assert "IA-SECRET-PRIVATE-KEY" in done.stdout and "IA-USER-ROOT" in done.stdout


@pytest.mark.slow
def test_installed_image_audit_scans_the_example_image(installed: Installed) -> None:
    made = subprocess.run(
        [sys.executable, "-m", "fixtures", "build", str(installed.cwd / "image"), "example"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    archive = made.stdout.splitlines()[0]
    image_audit = str(installed.venv / "bin" / "image-audit")
    done = run([image_audit, "scan", archive, "--format", "json", "-q"], installed.cwd)
    assert done.returncode == 0, done.stderr
    [image] = json.loads(done.stdout)["images"]
    rules = {f["rule_id"] for f in image["findings"]}
    # The deleted key (layer contents), the setuid helper (modes) and root (config).
    assert {"IA-SECRET-PRIVATE-KEY", "IA-SETUID", "IA-USER-ROOT"} <= rules


@pytest.mark.slow
def test_installer_refuses_a_tampered_wheel(bundle_copy: Path, tmp_path: Path) -> None:
    wheel = wheels(bundle_copy)["tabulate"]
    with wheel.open("ab") as f:
        f.write(b"\0")
    done = install(bundle_copy, tmp_path / "venv", tmp_path)
    assert done.returncode == 1
    assert f"wheels/{wheel.name}: FAILED" in done.stdout
    assert "refusing to install" in done.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.slow
def test_installer_refuses_a_wheel_that_sha256sums_does_not_list(
    bundle_copy: Path, tmp_path: Path
) -> None:
    tabulate = wheels(bundle_copy)["tabulate"]
    shutil.copy(tabulate, bundle_copy / "wheels" / "tabulate-99.0-py3-none-any.whl")
    done = install(bundle_copy, tmp_path / "venv", tmp_path)
    assert done.returncode == 1
    assert "not listed in SHA256SUMS" in done.stderr
    assert "wheels/tabulate-99.0-py3-none-any.whl" in done.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.slow
def test_installer_takes_wheels_from_the_bundle_only(bundle_copy: Path, tmp_path: Path) -> None:
    """A wheel missing from the bundle is not fetched from pip's configured find-links."""
    tabulate = wheels(bundle_copy)["tabulate"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(tabulate, elsewhere / tabulate.name)
    sums = bundle_copy / "SHA256SUMS"
    lines = sums.read_text().splitlines(keepends=True)
    sums.write_text("".join(line for line in lines if tabulate.name not in line))
    config = tmp_path / "xdg" / "pip" / "pip.conf"
    config.parent.mkdir(parents=True)
    config.write_text(f"[global]\nfind-links = {elsewhere}\n")
    env = {
        **clean_env(),
        "PIP_FIND_LINKS": str(elsewhere),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
    }
    done = install(bundle_copy, tmp_path / "venv", tmp_path, env=env)
    assert done.returncode == 1
    assert "tabulate" in done.stderr
    assert "removed the incomplete venv" in done.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.slow
def test_installer_leaves_a_non_empty_directory_alone(unpacked: Path, tmp_path: Path) -> None:
    target = tmp_path / "venv"
    target.mkdir()
    (target / "notes.txt").write_text("an auditor's notes\n")
    done = install(unpacked, target, tmp_path)
    assert done.returncode == 1
    assert f"{target} exists and is not an empty directory" in done.stderr
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def other_python_minor() -> str | None:
    """A CPython of another minor version than this one, if the machine has one."""
    listed = subprocess.run(
        [str(ROOT / "scripts" / "other-pythons")], capture_output=True, text=True, check=False
    ).stdout
    mine = f"{sys.version_info[0]}.{sys.version_info[1]}."
    for line in listed.splitlines():
        version, path = line.split(" ", 1)
        if not version.startswith(mine):
            return path
    return None


@pytest.mark.slow
def test_installer_refuses_a_python_the_wheels_were_not_built_for(
    unpacked: Path, tmp_path: Path
) -> None:
    other = other_python_minor()
    if other is None:
        pytest.skip("no CPython of another minor version on this machine (scripts/other-pythons)")
    command = [str(unpacked / "install.sh"), "--python", other, str(tmp_path / "venv")]
    done = run(command, tmp_path)
    assert done.returncode == 1
    mine = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert f"this bundle's wheels are for CPython {mine} ({PYTAG})" in done.stderr
    assert not (tmp_path / "venv").exists()


SYSTEM_PYTHON = Path("/usr/bin/python3")


def system_ensurepip() -> Path | None:
    """Debian's python3-venv files (ensurepip, the pip wheel) of /usr/bin/python3, if present."""
    if not SYSTEM_PYTHON.is_file():
        return None
    probe = (
        "import ensurepip, os, sys; print(os.path.dirname(ensurepip.__file__), sys.version_info[1])"
    )
    done = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", probe], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return None
    where, minor = done.stdout.split()
    return Path(where) if (3, int(minor)) == sys.version_info[:2] else None


@pytest.mark.slow
def test_installs_with_debians_python_that_lacks_python3_venv(
    unpacked: Path, tmp_path: Path
) -> None:
    """Debian's python3 without python3-venv cannot make a venv with pip; install.sh still works
    (venv --without-pip, pip run from its bundled wheel). python3-venv is hidden by bind mounts
    in a private mount namespace."""
    ensurepip = system_ensurepip()
    if not can_mount_privately() or ensurepip is None:
        pytest.skip(f"needs root, unshare -m and {SYSTEM_PYTHON} {PYTAG} with python3-venv")
    empty = tmp_path / "empty"
    empty.mkdir()
    hidden = [ensurepip, *[p for p in [Path("/usr/share/python-wheels")] if p.is_dir()]]
    script = "\n".join(
        [
            *[f"mount --bind '{empty}' '{path}'" for path in hidden],
            f"if {SYSTEM_PYTHON} -m venv '{tmp_path}/with-pip' >/dev/null 2>&1; then",
            "    echo 'python3 -m venv still works: python3-venv is not hidden'; exit 3",
            "fi",
            f'exec "{unpacked}/install.sh" --python {SYSTEM_PYTHON} "{tmp_path}/venv"',
        ]
    )
    done = run(["unshare", "-m", "--", "sh", "-ec", script], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    version = run([str(tmp_path / "venv" / "bin" / "image-audit"), "--version"], tmp_path)
    assert setup_cfg_version() in version.stdout


def libmagic_file() -> str:
    """The file the dynamic loader maps for libmagic.so.1 here."""
    probe = (
        "import ctypes; ctypes.CDLL('libmagic.so.1'); "
        "print(next(l.split()[-1] for l in open('/proc/self/maps') if 'libmagic' in l))"
    )
    return subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.slow
def test_installer_says_how_to_get_libmagic_when_it_is_missing(
    bundle: Bundle, unpacked: Path, tmp_path: Path
) -> None:
    """libmagic hidden by a bind mount in a private mount namespace (root only)."""
    if not can_mount_privately():
        pytest.skip("hiding libmagic needs root and unshare -m")
    hide = 'mount --bind /dev/null "$0" && exec "$@"'
    command = [str(unpacked / "install.sh"), "--python", base_python(), str(tmp_path / "venv")]
    done = run(["unshare", "-m", "--", "sh", "-c", hide, libmagic_file(), *command], tmp_path)
    assert done.returncode == 1
    assert "libmagic is missing" in done.stderr
    if bundle.with_debs:
        assert f"apt-get install {unpacked}/debs/libmagic-mgc_*.deb" in done.stderr
    else:
        assert "apt-get install libmagic1" in done.stderr
    assert not (tmp_path / "venv").exists()

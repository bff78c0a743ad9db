"""scripts/bench_scan.py: the Debian tree is split into layers deterministically, each file in
exactly one layer with the directories above it, and the report's medians and ratios are right."""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from analyzer.filesystem.model import EntryKind
from analyzer.reader import read_archive
from tests.scripts import SCRIPTS, load_script


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("bench_scan")


def rootfs(root: Path) -> Path:
    files = {
        "etc/passwd": "root:x:0:0::/root:/bin/sh\n",
        "usr/bin/python3": "\x7fELF",
        "usr/lib/gcc/x86_64-linux-gnu/12/cc1": "\x7fELF cc1",
        "usr/include/stdio.h": "int printf(const char *, ...);\n",
        "usr/lib/x86_64-linux-gnu/libc.so.6": "\x7fELF libc",
        "usr/lib/python3.11/os.py": "import sys\n",
        "usr/lib/python3/dist-packages/pip/__init__.py": "",
        "usr/share/doc/README": "docs\n",
        "usr/lib/os-release": "ID=debian\n",
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    os.chmod(root / "usr/share", 0o700)
    (root / "bin").symlink_to("usr/bin")
    return root


def test_every_file_lands_in_exactly_one_layer_of_its_path_group(
    bench: ModuleType, tmp_path: Path
) -> None:
    plan = list(bench.layer_plan(bench.rootfs_specs(rootfs(tmp_path / "root"))))
    others = Counter(spec.path for _, spec in plan if spec.kind != "dir")
    assert set(others.values()) == {1} and len(others) == 10
    where = {spec.path: layer for layer, spec in plan if spec.kind != "dir"}
    assert where["usr/lib/gcc/x86_64-linux-gnu/12/cc1"] == where["usr/include/stdio.h"] == 1
    assert where["usr/lib/x86_64-linux-gnu/libc.so.6"] == 2
    assert where["usr/lib/python3.11/os.py"] == 3
    assert where["usr/lib/python3/dist-packages/pip/__init__.py"] == 3
    assert where["usr/share/doc/README"] == 4
    assert where["etc/passwd"] == where["usr/lib/os-release"] == where["bin"] == 0
    assert plan == list(bench.layer_plan(bench.rootfs_specs(tmp_path / "root")))


def test_each_layer_carries_the_directories_above_its_files_once(
    bench: ModuleType, tmp_path: Path
) -> None:
    plan = list(bench.layer_plan(bench.rootfs_specs(rootfs(tmp_path / "root"))))
    assert len(plan) == len(set((layer, spec.path) for layer, spec in plan))
    held = {(layer, spec.path) for layer, spec in plan}
    for layer, spec in plan:
        assert all((layer, parent) in held for parent in bench.ancestors(spec.path))
    share = [spec for _, spec in plan if spec.path == "usr/share"]
    assert [spec.mode for spec in share] == [0o700]


def test_the_built_archives_hold_the_tree_in_five_layers(bench: ModuleType, tmp_path: Path) -> None:
    built = bench.build(rootfs(tmp_path / "root"), tmp_path / "images")
    assert built.files == 9 and sum(built.layer_files) == 9
    views = {name: read_archive(Path(path)).images[0] for name, path in built.archives.items()}
    for view in views.values():
        assert len(view.listings) == 5
        readme = view.fs.get("/usr/share/doc/README")
        assert readme is not None and readme.kind is EntryKind.FILE
        link = view.fs.get("/bin")
        assert link is not None and link.kind is EntryKind.SYMLINK
    assert not (tmp_path / "images" / "blobs").exists()


def test_the_table_gives_medians_and_the_ratio_to_trivy(bench: ModuleType) -> None:
    phases = [
        {"read_s": 1.0, "hardening_s": 0.5, "secrets_s": 3.0, "bundle_s": 0.2},
        {"read_s": 2.0, "hardening_s": 0.4, "secrets_s": 5.0, "bundle_s": 0.3},
        {"read_s": 1.5, "hardening_s": 0.6, "secrets_s": 4.0, "bundle_s": 0.1},
    ]
    row = bench.Row("docker", 500.0, [4.0, 9.0, 6.0], [150.0, 170.0, 160.0], [3.0, 2.0, 4.0],
                    [220.0, 230.0, 225.0], phases, 7, 3)  # fmt: skip
    assert (row.scan_s, row.trivy_s, row.ratio) == (6.0, 3.0, 2.0)
    assert row.phase("read_s") == 1.5 and row.phase("secrets_s") == 4.0
    line = bench.table([row]).splitlines()[2].split()
    assert line == ["docker", "500", "6.00", "3.00", "2.00", "170", "230", "1.50", "0.50",
                    "4.00", "0.20", "7", "3"]  # fmt: skip


def test_without_trivy_the_table_shows_no_ratio(bench: ModuleType) -> None:
    row = bench.Row("oci-zstd", 300.0, [2.0, 1.0], [100.0, 110.0])
    assert row.trivy_s is None and row.ratio is None and row.scan_s == 1.5
    assert bench.table([row]).splitlines()[2].split()[3:5] == ["-", "-"]


def test_findings_are_compared_with_a_baseline_as_sets_in_any_order(
    bench: ModuleType, tmp_path: Path
) -> None:
    def doc(*findings: dict[str, str]) -> bytes:
        return json.dumps({"images": [{"findings": list(findings)}]}).encode()

    a, b, c = {"rule": "A", "path": "/x"}, {"rule": "B", "path": "/y"}, {"rule": "C", "path": "/z"}
    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    (tmp_path / "before" / "findings-docker.json").write_bytes(doc(a, b))
    (tmp_path / "after" / "findings-docker.json").write_bytes(doc(b, a))
    (tmp_path / "before" / "findings-oci-zstd.json").write_bytes(doc(a, b))
    (tmp_path / "after" / "findings-oci-zstd.json").write_bytes(doc(a, c))
    rows = [bench.Row("docker", 1.0, [1.0], [1.0]), bench.Row("oci-zstd", 1.0, [1.0], [1.0])]
    same, different = bench.compare_findings(rows, tmp_path / "after", tmp_path / "before")
    assert "findings the same" in same and "(2)" in same
    assert "DIFFERENT: 1 lost, 1 new" in different


def test_the_phases_are_the_differences_of_the_stages(bench: ModuleType) -> None:
    seconds = {
        "read": {"scan_s": 1.0},
        "hardening": {"scan_s": 1.5},
        "full": {"scan_s": 4.0, "bundle_s": 0.5},
    }
    assert bench.phases_from(seconds) == {
        "read_s": 1.0,
        "hardening_s": 0.5,
        "secrets_s": 2.5,
        "bundle_s": 0.5,
        "library_total_s": 4.5,
    }


def test_the_linearity_samples_are_nested_and_keep_every_directory(
    bench: ModuleType, tmp_path: Path
) -> None:
    """The quarter is inside the half, the half inside the whole; a sample holds the files
    whose path hashes below its fraction, in their layers, and every directory."""
    linear = sys.modules["bench_linear"]
    paths = [f"usr/lib/x{i}/file{i}.py" for i in range(2000)]
    quarter = {p for p in paths if linear.in_sample(0.25)(p)}
    half = {p for p in paths if linear.in_sample(0.5)(p)}
    assert quarter < half < set(paths) and 350 < len(quarter) < 650 and 850 < len(half) < 1150
    root = rootfs(tmp_path / "root")
    archive, files, size = bench.ensure_sample(root, tmp_path / "images", 0.5, False)
    fs = read_archive(Path(archive)).images[0].fs
    kinds = {path.lstrip("/"): entry.kind for path in fs.all_paths() if (entry := fs.get(path))}
    everything = list(bench.rootfs_specs(root))
    kept = [s for s in everything if s.kind != "dir" and linear.fraction_of(s.path) < 0.5]
    assert 0 < len(kept) < len([s for s in everything if s.kind != "dir"])  # a real cut
    assert {p for p, kind in kinds.items() if kind is not EntryKind.DIR} == {s.path for s in kept}
    assert files == len([s for s in kept if s.kind == "file"])
    assert all(kinds.get(s.path) is EntryKind.DIR for s in everything if s.kind == "dir")
    assert bench.ensure_sample(root, tmp_path / "images", 0.5, False) == (archive, files, size)


def test_the_line_fitted_to_the_samples_gives_the_fixed_cost_and_the_cost_per_byte() -> None:
    linear = sys.modules["bench_linear"]
    exact = linear.fit([(100.0, 0.8), (200.0, 1.1), (400.0, 1.7)])
    assert (round(exact.fixed, 9), round(exact.per_100mb, 9), round(exact.worst, 9)) == (
        0.5,
        0.3,
        0.0,
    )
    bent = linear.fit([(100.0, 0.8), (200.0, 1.4), (400.0, 1.7)])  # the middle point is off
    assert bent.worst > 0.1


def test_against_another_build_times_both_in_turn_and_compares_their_findings(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`bench-scan --against DIR` on a small tree, this checkout against itself: every run of
    either build is timed and found the same, so the exit code is 0."""
    repo = SCRIPTS.parent
    argv = ["--rootfs", str(rootfs(tmp_path / "root")), "--workdir", str(tmp_path / "work")]
    argv += ["--formats", "docker", "--repeat", "2", "--against", str(repo), "--json"]
    assert bench.main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["against"] == str(repo)
    (compared,) = doc["archives"]
    assert compared["archive"] == "docker" and compared["same_findings"]
    assert [len(compared["runs"][build]) for build in ("this", "other")] == [2, 2]
    assert all(run["cpu_seconds"] > 0 for run in compared["runs"]["other"])


def test_threads_says_where_the_time_of_a_scan_goes_by_phase_and_thread(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`bench-scan --threads` on a small tree: per archive, the medians of in-process probes
    (scripts/bench_threads.py): wall and main-thread CPU of the four phases, the other threads'
    and the workers' CPU, and the findings, the same as the scan's own."""
    argv = ["--rootfs", str(rootfs(tmp_path / "root")), "--workdir", str(tmp_path / "work")]
    assert (
        bench.main([*argv, "--formats", "docker,oci-zstd", "--repeat", "2", "--threads", "--json"])
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert sorted(doc["archives"]) == ["docker", "oci-zstd"]
    for name, figures in doc["archives"].items():
        phases = ["imports", "before the read", "read", "after the read"]
        assert list(figures["wall_s"]) == list(figures["main_cpu_s"]) == phases
        assert all(figures["wall_s"][p] > 0 for p in phases)
        assert figures["wall_s"]["imports"] >= figures["main_cpu_s"]["imports"] * 0.5
        parts = sum(figures["main_cpu_s"].values()) + sum(figures["threads_cpu_s"].values())
        assert 0 < parts <= figures["process_cpu_s"] + 0.05  # the probe sees no more than ran
        archive = str(tmp_path / "work" / "images" / f"{name}.tar")
        scanned = subprocess.run(
            [sys.executable, "-m", "analyzer", "scan", "--format", "json", archive],
            capture_output=True,
            check=False,
        )
        assert figures["findings"] == bench.count_findings(scanned.stdout)


def test_the_probe_names_threads_by_kind_and_takes_medians_per_figure() -> None:
    """scripts/bench_threads.py's examples (scripts/ is outside the doctest run)."""
    probe = load_script("bench_threads")
    results = doctest.testmod(probe)
    assert results.failed == 0 and results.attempted >= 4


def test_a_probe_whose_scan_fails_ends_with_the_scans_own_message(
    bench: ModuleType, tmp_path: Path
) -> None:
    with pytest.raises(SystemExit, match=r"failed \(exit 2\): image-audit: error: .*cannot open"):
        bench.probe_run(str(tmp_path / "missing.tar"), None)

"""scripts/bench_against.py (`bench-scan --against`): two builds are timed in alternating order,
the other build is found as a checkout or checked out from a git revision, and a comparison
says whether every run found the same."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from tests.scripts import load_script


@pytest.fixture(scope="module")
def against() -> ModuleType:
    return load_script("bench_against")


def committed(repo: Path, init: str) -> Path:
    """A git repository at `repo` whose one commit holds analyzer/__init__.py = `init`."""
    (repo / "analyzer").mkdir(parents=True)
    (repo / "analyzer" / "__init__.py").write_text(init)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    return repo


def test_neither_build_always_runs_first(against: ModuleType) -> None:
    """A process run right after another ran 5-7% faster on the bench machine (the same build
    in both places): the order changes every round so that neither build gets that for free."""
    ran: list[str] = []

    def run(build: str) -> object:
        ran.append(build)
        return against.Sample(1.0, 1.0, 1.0, ())

    samples = against.alternate(3, run)
    assert ran == ["this", "other", "other", "this", "this", "other"]
    assert len(samples["this"]) == len(samples["other"]) == 3


def test_the_comparison_gives_medians_minima_and_whether_the_findings_agree(
    against: ModuleType,
) -> None:
    def sample(seconds: float, findings: tuple[str, ...] = ("a", "b")) -> object:
        return against.Sample(seconds, seconds * 2, 100.0 + seconds, findings)

    same = against.Compared("docker", [sample(2.0), sample(1.0), sample(3.0)], [sample(4.0)] * 3)
    assert same.same_findings
    row = same.row()
    assert row[:8] == ["docker", 3, 4.0, 2.0, 4.0, 1.0, 8.0, 4.0]
    assert row[-1] == "2, the same"
    lost = against.Compared("oci-zstd", [sample(1.0)], [sample(1.0, ("a",))])
    assert not lost.same_findings and lost.row()[-1].startswith("2, DIFFERENT")
    assert lost.document()["differences"] == {"other run 1": {"lost": ["b"], "new": []}}


def test_a_directory_holding_the_package_is_the_other_build_as_it_is(
    against: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "old" / "analyzer").mkdir(parents=True)
    (tmp_path / "old" / "analyzer" / "__init__.py").write_text("")
    place, name = against.checkout(str(tmp_path / "old"), tmp_path / "work", tmp_path)
    assert place == (tmp_path / "old").resolve() and name == str(tmp_path / "old")
    env = against.environment(place, tmp_path / "hs")
    assert env["PYTHONPATH"].split(":")[0] == str(place)
    assert env["IMAGE_AUDIT_CACHE_DIR"] == str(tmp_path / "hs")


def test_the_other_build_is_the_one_imported_even_run_from_this_checkout(
    against: ModuleType, tmp_path: Path
) -> None:
    """`python -m analyzer` run from inside this repository (as bench-scan is) imports the
    other build's package, not the working directory's."""
    import sys  # noqa: PLC0415

    (tmp_path / "old" / "analyzer").mkdir(parents=True)
    (tmp_path / "old" / "analyzer" / "__main__.py").write_text("print('the other build')\n")
    env = against.environment(tmp_path / "old")
    here = Path(__file__).resolve().parent.parent  # this checkout: it has its own analyzer
    command = [sys.executable, "-m", "analyzer"]
    done = subprocess.run(command, cwd=here, env=env, capture_output=True, text=True, check=True)
    assert done.stdout == "the other build\n"


def test_a_git_revision_is_checked_out_once_beside_the_work(
    against: ModuleType, tmp_path: Path
) -> None:
    repo = committed(tmp_path / "repo", "VERSION = 1\n")
    (repo / "analyzer" / "__init__.py").write_text("VERSION = 2\n")  # uncommitted: not compared
    place, name = against.checkout("HEAD", tmp_path / "work", repo)
    assert place.parent == tmp_path / "work" / "against" and name.startswith("HEAD (")
    assert (place / "analyzer" / "__init__.py").read_text() == "VERSION = 1\n"
    assert against.checkout("HEAD", tmp_path / "work", repo)[0] == place  # reused
    with pytest.raises(SystemExit, match="neither a checkout nor a git revision"):
        against.checkout("no-such-revision", tmp_path / "work", repo)


def test_a_build_that_cannot_be_had_ends_the_benchmark_with_a_message_not_a_traceback(
    against: ModuleType, tmp_path: Path
) -> None:
    broken = tmp_path / "broken" / "analyzer"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("def (:\n")
    with pytest.raises(SystemExit, match=r"compiling .*analyzer failed \(exit 1\)"):
        against.compile_modules(broken.parent)
    repo = committed(tmp_path / "repo", "")
    head = ["git", "-C", str(repo), "rev-parse", "HEAD"]
    commit = subprocess.run(head, check=True, capture_output=True, text=True).stdout
    in_the_way = tmp_path / "work" / "against" / commit.strip()[:12]
    in_the_way.parent.mkdir(parents=True)
    in_the_way.write_text("a file where the worktree would go")
    with pytest.raises(SystemExit, match=r"could not check [0-9a-f]{12} out \(exit 128\): "):
        against.checkout("HEAD", tmp_path / "work", repo)

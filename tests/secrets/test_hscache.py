"""The compiled Hyperscan databases are kept on disk only when IMAGE_AUDIT_CACHE_DIR asks for
it; a cached database is loaded instead of compiled, and a bad cache is never an error."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from analyzer.secrets import assignments, hsdb
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.hscache import CACHE_VARIABLE
from analyzer.secrets.sink import Examiner
from analyzer.secrets.structure import BINARY_MARKERS, MARKERS
from fixtures.keys import pem_block

hs = pytest.importorskip("hyperscan")
KEY: hsdb.ShapeKey = (("ghp_[A-Za-z0-9]{36}", 0), (r"passw(?:or)?d\s*=", re.I))


def matches(database: Any, text: bytes) -> set[int]:
    found: set[int] = set()

    def on_match(shape: int, start: int, end: int, flags: int, context: Any) -> None:
        found.add(shape)

    database.scan(text, match_event_handler=on_match)
    return found


def compile_key(wide: bool = False) -> tuple[Any, set[int]]:
    accepted = {0, 1}
    return hsdb._compile(hs, KEY, accepted, wide=wide), accepted


def no_compile(*args: object, **kwargs: object) -> object:
    raise AssertionError("compiled although cached")


def test_without_the_variable_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(CACHE_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    database, _ = compile_key()
    assert matches(database, b"password = x") == {1}
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("wide", [False, True])
def test_a_cached_database_is_loaded_instead_of_compiled(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, wide: bool
) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    compile_key(wide)
    [cached] = (tmp_path / "cache").iterdir()
    monkeypatch.setattr(hsdb, "_compile_now", no_compile)
    database, accepted = compile_key(wide)
    assert accepted == {0, 1}
    assert matches(database, b"ghp_" + b"a" * 36 + b" passwd=") == {0, 1}
    assert cached.name.startswith("hsdb-")


def test_a_damaged_cache_file_is_compiled_anew_and_replaced(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    compile_key()
    [cached] = tmp_path.iterdir()
    cached.write_bytes(b"[0, 1]\nnot a database")
    database, _ = compile_key()
    assert matches(database, b"password=") == {1}
    monkeypatch.setattr(hsdb, "_compile_now", no_compile)
    assert matches(compile_key()[0], b"password=") == {1}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_cache_that_cannot_be_written_is_no_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tmp_path.chmod(0o500)
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    database, _ = compile_key()
    assert matches(database, b"password=") == {1}


def test_a_cache_path_that_is_a_file_is_no_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "cache").write_text("a file")
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    database, _ = compile_key()
    assert matches(database, b"password=") == {1}
    assert (tmp_path / "cache").read_text() == "a file"


def test_databases_prepared_at_install_time_are_loaded_instead_of_compiled(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The set-up scripts run `python -m analyzer.secrets.hsprepare` once; every scan after
    loads the default pattern sets' databases (the shapes', the keyword line check's; ASCII
    and wide each) from the installation."""
    from analyzer.secrets import hscache, hsprepare  # noqa: PLC0415

    monkeypatch.delenv(CACHE_VARIABLE, raising=False)
    monkeypatch.setattr(hscache, "installed_folder", lambda: tmp_path / "share")
    # 2 x (ASCII, wide), the markers (all; a binary's), the assignments
    assert len(hsprepare.prepare()) == 7
    assert len(list((tmp_path / "share").iterdir())) == 7
    monkeypatch.setattr(hsdb, "_compile_now", no_compile)
    monkeypatch.setattr(hsdb, "_DATABASES", {})
    for markers in (MARKERS, BINARY_MARKERS):
        monkeypatch.delitem(markers.__dict__, "_database", raising=False)
    assignments._candidate_database.cache_clear()
    examiner = Examiner(SecretEngine())
    key = "AKIA" + "Q7ZK2MXR4BP9WL3N"
    for text in (f"aws = '{key}'\n", f"aws = '{key}' # clé\n"):  # ASCII, then wide
        hits, _ = examiner.examine("app.py", text.encode())
        assert [h.kind for h in hits] == ["AWS Access Key"]
    for text in ('db_password = "Zq8kL2pWm"\n', 'db_password = "Zq8kL2pWm" # clé\n'):
        assert [s.type for s in examiner.engine.scan("app.py", text.encode())] == [
            "Secret Keyword"  # detect-secrets' keyword plugin, through the line check
        ]
        hits, _ = examiner.examine("app.py", text.encode())
        assert [h.kind for h in hits] == ["keyword"]  # the structural reader agrees
    netrc = b"machine example.org login bob password Zq8kL2pWm\n"  # a structural reader
    assert [h.kind for h in examiner.examine("/root/.netrc", netrc)[0]] == ["netrc"]
    key = pem_block("PRIVATE KEY", 3)[0].encode()  # a binary file: its own marker database
    assert [h.kind for h in examiner.examine("/srv/blob.bin", bytes(8) + key)[0]] == ["private-key"]
    assignments._candidate_database.cache_clear()  # not to keep the test's folder's database


def test_a_scan_only_reads_the_installation_s_databases(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from analyzer.secrets import hscache  # noqa: PLC0415

    monkeypatch.delenv(CACHE_VARIABLE, raising=False)
    monkeypatch.setattr(hscache, "installed_folder", lambda: tmp_path / "share")
    database, _ = compile_key(wide=True)
    assert matches(database, b"password=") == {1}
    assert not (tmp_path / "share").exists()


def test_a_database_is_found_by_what_it_was_compiled_from_not_by_the_shapes_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A new image-audit that rewrites the same shapes differently never loads a database
    compiled by an older one."""
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    compile_key()
    rewrite = hsdb._expression

    def rewritten(hs: Any, shape: tuple[str, int], *, wide: bool) -> tuple[bytes, int]:
        expression, flags = rewrite(hs, shape, wide=wide)
        return b"(?:" + expression + b")", flags

    monkeypatch.setattr(hsdb, "_expression", rewritten)
    compiled: list[object] = []
    compile_now = hsdb._compile_now
    monkeypatch.setattr(hsdb, "_compile_now", lambda *a: compiled.append(a) or compile_now(*a))
    compile_key()
    assert compiled and len(list(tmp_path.iterdir())) == 2


def test_a_wide_database_is_found_by_its_shapes_and_the_code_that_rewrites_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Finding the wide database does not rewrite every shape (10-40 ms a process): it is
    keyed by the shapes and a digest of the rewriting code's source and the Python, so a
    changed rewriter (or another Python, through a shared cache) never loads an old one."""
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    compile_key(wide=True)
    rewritten: list[object] = []
    expressions = hsdb._expressions
    monkeypatch.setattr(
        hsdb, "_expressions", lambda *a, **k: rewritten.append(a) or expressions(*a, **k)
    )
    database, _ = compile_key(wide=True)
    assert matches(database, b"password=") == {1}
    assert not rewritten  # loaded from the cache without rewriting anything
    monkeypatch.setattr(hsdb, "_rewriter", lambda: "another rewriter")
    compile_key(wide=True)
    assert rewritten and len(list(tmp_path.iterdir())) == 2


def test_the_prepared_databases_can_be_ruled_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """IMAGE_AUDIT_NO_PREPARED=1: every process compiles (a cold start, or a suspect folder)."""
    from analyzer.secrets import hscache, hsprepare  # noqa: PLC0415

    monkeypatch.delenv(CACHE_VARIABLE, raising=False)
    monkeypatch.setattr(hscache, "installed_folder", lambda: tmp_path / "share")
    hsprepare.prepare()
    monkeypatch.setenv(hscache.NO_PREPARED_VARIABLE, "1")
    compiled: list[object] = []
    compile_now = hsdb._compile_now
    monkeypatch.setattr(hsdb, "_compile_now", lambda *a: compiled.append(a) or compile_now(*a))
    monkeypatch.setattr(hsdb, "_DATABASES", {})

    assert SecretEngine().prefilter.engine == "hyperscan"
    assert compiled

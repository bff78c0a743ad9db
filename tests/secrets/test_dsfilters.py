"""Our stand-ins for detect-secrets filters give the original's verdict on every line."""

from __future__ import annotations

import random
import sysconfig
from pathlib import Path

from detect_secrets.core import scan as ds_scan
from detect_secrets.filters.heuristic import is_indirect_reference as original

from analyzer.secrets.dscompat import dsbridge, dsfilters
from analyzer.secrets.dscompat.dsfilters import is_indirect_reference
from analyzer.secrets.engine import SecretEngine

STDLIB = Path(sysconfig.get_paths()["stdlib"])


def test_indirect_reference_agrees_on_standard_library_lines() -> None:
    lines = [
        line
        for path in sorted((STDLIB / "email").rglob("*.py")) + sorted(STDLIB.glob("[a-c]*.py"))
        for line in path.read_text("utf-8").splitlines()
    ]
    assert len(lines) > 10_000
    assert [is_indirect_reference(line) for line in lines] == [original(line) for line in lines]
    assert any(map(original, lines)) and not all(map(original, lines))


def test_indirect_reference_agrees_on_generated_lines() -> None:
    rng = random.Random(20261124)
    alphabet = "=!:ab_([]).- \t\x0b1\u00e9\u00a0\u2028"
    for _ in range(50_000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert is_indirect_reference(line) is original(line), repr(line)


def test_indirect_reference_keeps_the_length_cut_off() -> None:
    long_call = "secret = get_secret(" + "x" * 1000 + ")"
    assert is_indirect_reference(long_call) is original(long_call) is False
    assert is_indirect_reference("x == request.headers['apikey']") is True


def test_the_engine_runs_the_stand_in_instead_of_the_original() -> None:
    SecretEngine(extra_plugins=())
    paths = dsbridge.filter_paths()
    assert dsfilters.INDIRECT_REFERENCE in paths
    assert dsfilters.ORIGINAL_INDIRECT_REFERENCE not in paths


def test_filename_verdicts_are_detect_secrets_own() -> None:
    """The per-name cache gives detect-secrets' answer for every kind of name it filters."""
    SecretEngine(extra_plugins=())
    names = [
        "/app/package-lock.json", "/srv/Gemfile.lock", "/img/logo.png", "/a/b.PNG",
        "/static/swagger-ui.html", "/api/swagger/spec.json", "/api/Swagger/spec.json",
        "/etc/passwd", "/app/.env", "/x/composer.lock", "/x/composer.lock.bak", "/x/y.tar.gz",
        "/x/swagger", "/x/y.bin", "/x/Pipfile.lock", "/x/.npmrc",
    ]  # fmt: skip
    for name in names:
        expected = ds_scan._is_filtered_out(required_filter_parameters=["filename"], filename=name)
        assert dsbridge.filename_filtered(name) is expected, name
        assert dsbridge._ds_filename_filtered(name) is expected, name
    assert dsbridge.filename_filtered("/a/poetry.lock") and not dsbridge.filename_filtered("/a/x")


def test_a_changed_filter_set_is_followed_by_the_filename_verdicts() -> None:
    """The filename filters' calls are worked out once per filter set; a filter disabled
    afterwards (settings changed in the same process) no longer applies."""
    from detect_secrets.settings import get_settings  # noqa: PLC0415

    SecretEngine(extra_plugins=())
    assert dsbridge.filename_filtered("/app/package-lock.json")
    try:
        get_settings().disable_filters("detect_secrets.filters.heuristic.is_lock_file")
        assert not dsbridge.filename_filtered("/app/package-lock.json")
        assert dsbridge.filename_filtered("/img/logo.png")  # the other filters still apply
    finally:
        SecretEngine(extra_plugins=())
    assert dsbridge.filename_filtered("/app/package-lock.json")

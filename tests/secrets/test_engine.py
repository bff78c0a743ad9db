"""The engine reports exactly what plain detect-secrets reports, file by file.

detect-secrets is the judge: the prefilter only decides which lines it has to look at. The
reference runs detect-secrets' own scan_file on the same files with its default plugins and
filters. There is no deliberate difference at the engine level; the precision rules (example
values, placeholders, one finding per value) are applied later, by the secrets detector.
"""

from __future__ import annotations

import hashlib
import io
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from detect_secrets.core.scan import scan_file
from detect_secrets.settings import default_settings

from analyzer.secrets.dscompat import dsbridge
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.prefilter import Prefilter, plain_buffer

SECRETS = Path("../shared/realworld/secrets")
STDLIB = Path(sysconfig.get_paths()["stdlib"])


def reference(paths: list[Path]) -> dict[str, list[tuple[str, int, str]]]:
    # detect-secrets' default set-up, limited to its own plugins (its registry also lists
    # custom plugins once any were loaded in this process).
    with default_settings() as settings:
        settings.disable_plugins(*(set(settings.plugins) - set(dsbridge.builtin_plugin_names())))
        return {
            str(p): sorted((s.type, s.line_number, s.secret_hash) for s in scan_file(str(p)))
            for p in paths
        }


def engine_results(
    paths: list[Path], *, use_hyperscan: bool = True
) -> dict[str, list[tuple[str, int, str]]]:
    # detect-secrets' own plugins, as the reference
    engine = SecretEngine(extra_plugins=(), use_hyperscan=use_hyperscan)
    return {
        str(p): sorted(
            (s.type, s.line, hashlib.sha1(s.value.encode()).hexdigest())
            for s in engine.scan(str(p), p.read_bytes())
        )
        for p in paths
    }


def files(root: Path, pattern: str = "*") -> list[Path]:
    return sorted(p for p in root.rglob(pattern) if p.is_file())


@pytest.mark.realworld
def test_same_findings_as_detect_secrets_on_the_labelled_secret_corpus() -> None:
    paths = files(SECRETS)
    assert len(paths) > 200
    expected = reference(paths)
    assert sum(map(len, expected.values())) > 300  # the corpus really is full of secrets
    assert engine_results(paths) == expected


@pytest.mark.realworld
def test_without_hyperscan_the_findings_are_the_same() -> None:
    """Python's re is the fallback prefilter (and scrubs config texts): it runs the shapes on
    text, with detect-secrets' own regex semantics (a \\x1f before a token included)."""
    paths = files(SECRETS)[:150]
    assert engine_results(paths, use_hyperscan=False) == reference(paths)


def test_same_findings_on_the_fixture_builders() -> None:
    """The fixtures plant fake credentials in many shapes (their Python source shows them)."""
    paths = files(Path("fixtures"), "*.py")
    assert len(paths) > 10
    expected = reference(paths)
    assert sum(map(len, expected.values())) > 0
    assert engine_results(paths) == expected


def test_same_findings_on_a_slice_of_the_standard_library() -> None:
    paths = [p for p in files(STDLIB / "email") + files(STDLIB / "json") if p.suffix == ".py"]
    assert engine_results(paths) == reference(paths)


@pytest.mark.slow
def test_same_findings_on_the_top_level_standard_library() -> None:
    paths = sorted(STDLIB.glob("*.py"))
    assert engine_results(paths) == reference(paths)


def test_yaml_block_scalars_do_not_shift_line_numbers(tmp_path: Path) -> None:
    key = "AKIA" + "Q7ZK2MXR4BP9WL3N"
    text = "a: |\n  one\n  two\n  three\nb: x\nc: >\n  folded\n  text\n"
    text += f"aws_key: {key}\npassword: 'hunter2-Very-Long-Pass'\n"
    path = tmp_path / "values.yaml"
    path.write_text(text)
    found = engine_results([path])[str(path)]
    assert found == reference([path])[str(path)]
    assert {t for t, _, _ in found} >= {"AWS Access Key", "Secret Keyword"}


def test_config_files_with_nothing_to_find_skip_parsing_but_agree(tmp_path: Path) -> None:
    ini = tmp_path / "app.ini"
    ini.write_text("[server]\nport = 8080\nhost = localhost\n")
    env = tmp_path / "settings"
    env.write_text("MODE=prod\nTOKEN=Zx9Qv8Lm2Rt7Wy3Kp5Nb4Hc6Jd1Fg0Se\n")
    paths = [ini, env]
    assert engine_results(paths) == reference(paths)
    assert engine_results([env])[str(env)]  # the unquoted high-entropy value is found


def test_allowlist_pragmas_and_heuristic_filters_drop_what_detect_secrets_drops(
    tmp_path: Path,
) -> None:
    key = "AKIA" + "Q7ZK2MXR4BP9WL3N"
    token = "Zx9Qv8Lm2Rt7Wy3Kp5Nb4Hc6Jd1Fg0Se"
    shapes = [
        f"aws = '{key}'",
        f"aws = '{key}'  # pragma: allowlist secret",
        f"aws = '{key}'  // pragma: allowlist secret",
        f"aws = '{key}'  /* pragma: whitelist secret */",
        f"aws = '{key}'  -- pragma: allowlist secret",
        f"aws = '{key}'  <!-- pragma: allowlist secret -->",
        f"aws = '{key}'  # PRAGMA: allowlist secret",  # case matters: still reported
        "# pragma: allowlist nextline secret",
        f"aws = '{key}'",
        f"password = '{token}'",
        "password = '${DB_PASSWORD}'",  # prefixed with a dollar sign
        "password = '{{ vault_token }}'",  # templated
        "user_id = 'Zx9Qv8Lm2Rt7Wy3Kp5Nb4Hc6'",  # an id, not a secret
        "secret = 'abcdefghijklmnopqrstuvwxyz'",  # sequential
        "secret = '3fa85f64-5717-4562-b3fc-2c963f66afa6'",  # a uuid
        "api_key = '*****************'",  # not alphanumeric
    ]
    paths = []
    for suffix in (".py", ".yaml", ".txt"):
        path = tmp_path / f"settings{suffix}"
        path.write_text("\n".join(shapes) + "\n")
        paths.append(path)
    expected = reference(paths)
    assert engine_results(paths) == expected
    reported = {number for _, number, _ in expected[str(paths[0])]}
    assert {1, 7, 10} <= reported  # the unsuppressed key, the upper-case pragma, the password
    assert not reported & {2, 3, 4, 5, 6, 9}  # every pragma, this line's or the line before


@pytest.mark.parametrize("use_hyperscan", [True, False], ids=["hyperscan", "re"])
def test_a_keyword_line_goes_to_the_keyword_plugin_only_if_its_regexes_can_match(
    use_hyperscan: bool,
) -> None:
    """Naming a password is not assigning one: prose and code that mention a keyword are not
    handed to detect-secrets' keyword plugin (most of its cost), assignments are, in any
    script, whatever the file type decides later."""
    SecretEngine()
    prefilter = Prefilter(dsbridge.plugins(), use_hyperscan=use_hyperscan)
    lines = [
        "Enter the password of the account",
        'db_password = "Zq8kL2pWm"',
        "secret: plain value",
        "if (check_password(user)) return",
        'contraseña = "Zq8kL2pWm"',
        "la contraseña del usuario",
        '"Zq8kL2pWm" == my_secret',
    ]
    keyword = {
        number
        for number, plugins in prefilter.plugins_per_line(lines).items()
        if plugins is None or "KeywordDetector" in plugins
    }
    assert keyword == {2, 3, 5, 7}


def test_hyperscan_and_plain_re_prefilters_pick_the_same_lines() -> None:
    SecretEngine()  # configures detect-secrets' plugins for this process

    fast = Prefilter(dsbridge.plugins(), use_hyperscan=True)
    slow = Prefilter(dsbridge.plugins(), use_hyperscan=False)
    assert fast.engine == "hyperscan" and slow.engine == "re"
    for path in files(SECRETS)[:120]:
        lines = dsbridge.plain_lines(path.read_bytes().decode("utf-8", "replace"))
        assert set(slow.plugins_per_line(lines)) <= set(fast.plugins_per_line(lines)), path


@pytest.mark.parametrize(
    "text",
    ["a\nb", "a\nb\n", "", "\n\n", "a\r\nb\rc", "a\x0bb\x0cc\x1cd\x1de\x1ef\x1fg\n",
     "\u00e9\x85x\u2028y\u2029z\n", "tab\t\n  \n", "caf\u00e9\nna\u00efve\x1f\n",
     "\u00e9\x1cz\n"],
)  # fmt: skip
def test_plain_lines_are_the_lines_detect_secrets_reads(text: str) -> None:
    """detect-secrets reads a file with readlines() in universal-newlines mode: "\\r" and
    "\\r\\n" end lines too, the other characters str.splitlines() cuts at do not."""
    assert dsbridge.plain_lines(text) == io.StringIO(text, newline=None).readlines()


Candidates = dict[int, frozenset[str] | None]


def covers(wide: Candidates, narrow: Candidates) -> bool:
    """Every candidate line of `narrow` is one of `wide`, with at least its plugins."""
    return all(
        line in wide and (wide[line] is None or (plugins is not None and plugins <= wide[line]))
        for line, plugins in narrow.items()
    )


@pytest.mark.realworld
@pytest.mark.parametrize("line_checks", [True, False], ids=["line checks", "shapes alone"])
def test_raw_text_and_the_ascii_database_lose_no_candidate_line(line_checks: bool) -> None:
    r"""Most files are ASCII with "\n" line ends: their text is prefiltered as it is (trailing
    whitespace and all) by the ASCII database, and YAML/INI files are first only asked
    whether any shape is in their raw text. None of that, nor the database for any text, may
    lose a line Python's re finds on the stripped lines, with trailing spaces and tabs or
    "\r\n" line ends too: neither with the shapes alone nor with the keyword plugin's line
    check (its regexes in hyperscan against the regexes themselves)."""
    SecretEngine()
    prefilter = Prefilter(dsbridge.plugins())
    exact = Prefilter(dsbridge.plugins(), use_hyperscan=False)
    wide_only = Prefilter(dsbridge.plugins())
    for each in (prefilter, exact, wide_only):
        each.line_checks = each.line_checks if line_checks else {}
    wide_scanners = wide_only._scanners
    wide_only._scanners = lambda ascii: wide_scanners(False)  # type: ignore[method-assign]
    checked = 0
    for path in files(SECRETS):
        text = path.read_bytes().decode("utf-8", "replace")
        for padded in (text, text.replace("\n", " \t \n"), text.replace("\n", "\r\n")):
            lines = dsbridge.plain_lines(padded)
            stripped = exact.plugins_per_line(lines)
            assert covers(wide_only.plugins_per_line(lines), stripped), path
            # YAML and INI files are first asked only whether any shape is in the raw text
            assert prefilter.any_shape(padded) or not stripped, path
            assert covers(prefilter.plain_candidates(padded, dsbridge.plain_lines)[1], stripped)
            if plain_buffer(padded) is None:
                continue
            assert covers(prefilter.plugins_per_line(lines), stripped), path
            checked += bool(stripped)
    assert checked > (70 if line_checks else 100)


@pytest.mark.parametrize(
    "text",
    ['pad = "' + "aB3" * 10 + '"\n', 'a = 1\npassword = "hunter2Xy9q"  \n',
     "a = 1\n" * 3 + "id = AKIAZ7Q3LMN4PQR5STU2",
     'x = "' + "aB3" * 10 + '"\nb = 2\ntoken: "Zq8Kp2Lx9Wm4Rt7Vb1Nc5Hd3Jf6Gs0Ye2Ua8Io4P"\n',
     "caf\u00e9 = 1\nname = Zo\u00eb\n", 'caf\u00e9 = 1\r\npassword = "hunter2Xy9q"\u3000\r\n'],
    ids=["raw hit that does not stand", "keyword", "last line", "one of two stands",
         "not ASCII, no shape", "not ASCII, CRLF, keyword"],
)  # fmt: skip
def test_plain_candidates_are_the_candidates_of_the_lines_detect_secrets_reads(text: str) -> None:
    """A plain text's hit lines are confirmed as cut out of the text, which is split into
    lines only when one stands; any other text is split only when its raw text holds some
    shape: the same candidates, and the same lines, as splitting first."""
    SecretEngine()
    prefilter = Prefilter(dsbridge.plugins())
    lines, found = prefilter.plain_candidates(text, dsbridge.plain_lines)
    split = dsbridge.plain_lines(text)
    assert found == prefilter.plugins_per_line(split)
    assert lines == (split if found else [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("secret: Zq8Kp2Lx9Wm4Rt7Vb1Nc5Hd3Jf6Gs0Ye\n", True),  # base64 run
        ("token=Zq8Kp2Lx9Wm4Rt7Vb1Nc5Hd3Jf6Gs0Ye\n", True),  # glued to its key by "="
        ("id: 314159265358979323846264338327950288\n", True),  # digits: hex, lowered, still over
        ("name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", False),
        ("quoted: 'Zq8Kp2Lx9Wm4Rt7Vb1Nc5Hd3Jf6Gs0Ye'\n", True),  # a quote does not end a run
        ("words: a plain configuration value\n", False),
    ],
)
def test_an_unquoted_run_a_parser_could_quote_into_a_finding_is_never_missed(
    text: str, expected: bool
) -> None:
    """Before a YAML or INI file with no candidate line is parsed, its unquoted runs of an
    entropy plugin's charset are judged: a run (or its part after an "=") that the plugin's
    own formula passes must say "parse it"; too few distinct characters never can."""
    SecretEngine()
    prefilter = Prefilter(dsbridge.plugins())
    assert prefilter.unquoted_entropy(text) is expected
    for plugin in (s.entropy for s in prefilter.shapes if s.entropy is not None):
        for run in text.replace("=", " ").split():
            if plugin.calculate_shannon_entropy(run) > plugin.entropy_limit and len(run) > 8:
                assert prefilter.unquoted_entropy(text), (run, type(plugin).__name__)


@pytest.mark.parametrize("space", ["\x1c", "\x1d", "\x1e", "\x1f", "\xa0", "\u3000"])
def test_whitespace_only_python_calls_whitespace_does_not_hide_a_token(
    tmp_path: Path, space: str
) -> None:
    """Python's `\\s` also takes \\x1c-\\x1f (hyperscan's does not): a token after such a
    character is still found, as detect-secrets finds it."""
    token = "npm_" + "abcdefghijklmnopqrstuvwxyz0123456789"
    path = tmp_path / "npmrc"
    path.write_text(f"//registry.npmjs.org/:_authToken={space}{space}{token}\nx = 1\n")
    found = engine_results([path])[str(path)]
    assert found == reference([path])[str(path)]
    assert engine_results([path], use_hyperscan=False)[str(path)] == found
    assert [kind for kind, _, _ in found] == ["NPM tokens"]


@pytest.mark.parametrize(
    "head",
    [
        "when: 2020-13-45\n",  # detect-secrets' YAML transformer raises ValueError
        "loop: &s [a, *s]\n",  # its walk would never end
        "loop: &s [a, *s]\nodd: 'x\ty'\n",  # the same, on the path that asks detect-secrets
    ],
)
def test_yaml_that_breaks_detect_secrets_transformer_is_still_scanned_as_plain_lines(
    head: str,
) -> None:
    text = head + "password: 'hunter2-Very-Long-Pass'\n"
    found = SecretEngine(extra_plugins=()).scan("values.yaml", text.encode())
    assert [(s.type, s.line) for s in found] == [("Secret Keyword", head.count("\n") + 1)]


def test_a_worker_loads_the_compiled_prefilter_instead_of_compiling_it_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from analyzer.secrets import hsdb  # noqa: PLC0415

    key = "AKIA" + "Q7ZK2MXR4BP9WL3N"
    text = f"aws = '{key}'  # clé\n".encode()  # not ASCII: the wide database is compiled
    assert [s.type for s in SecretEngine().scan("app.py", text)] == ["AWS Access Key"]
    compiled = hsdb.export_databases()
    databases = {key: (ascii, wide) for key, _, ascii, _, wide in compiled}
    assert all(ascii for ascii, _ in databases.values())
    assert all(databases[hsdb.shape_key(SecretEngine().prefilter.shapes)])  # the wide one too
    monkeypatch.setattr(hsdb, "_DATABASES", {})

    def no_compiling(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(hsdb, "_compile", no_compiling)
    hsdb.import_databases(compiled)
    engine = SecretEngine()
    assert engine.prefilter.engine == "hyperscan"
    for data in (text, f"aws = '{key}'\n".encode()):
        assert [s.type for s in engine.scan("app.py", data)] == ["AWS Access Key"]


def test_the_wide_database_is_compiled_only_when_a_text_needs_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database for non-ASCII text is compiled on first use: an image whose texts are all
    ASCII (small images often are) never pays for it, and a worker started before it was
    compiled compiles it itself when it needs it."""
    from analyzer.secrets import hsdb  # noqa: PLC0415

    compiles: list[bool] = []
    real = hsdb._compile

    def counted(*args: Any, wide: bool) -> Any:
        compiles.append(wide)
        return real(*args, wide=wide)

    monkeypatch.setattr(hsdb, "_DATABASES", {})
    monkeypatch.setattr(hsdb, "_compile", counted)
    key = "AKIA" + "Q7ZK2MXR4BP9WL3N"
    ascii_text, other_text = f"aws = '{key}'\n".encode(), f"aws = '{key}' # clé\n".encode()
    engine = SecretEngine(extra_plugins=())
    assert [s.type for s in engine.scan("app.py", ascii_text)] == ["AWS Access Key"]
    assert compiles == [False, False]  # the shapes' and the keyword line check's
    exported = hsdb.export_databases()
    assert [wide for _, _, _, _, wide in exported] == [b"", b""]
    assert [s.type for s in engine.scan("app.py", other_text)] == ["AWS Access Key"]
    assert compiles == [False, False, True]  # no keyword line: its check's stays uncompiled
    monkeypatch.setattr(hsdb, "_DATABASES", {})
    hsdb.import_databases(exported)  # a worker given the ASCII databases alone
    assert [s.type for s in SecretEngine(extra_plugins=()).scan("x.py", other_text)] == [
        "AWS Access Key"
    ]
    assert compiles == [False, False, True, True]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("app.txt", "x = 1\r\n\r\npassword: Zx9Qv8Lm2Rt7Wy3Kp5Nb4Hc6Jd1Fg0Se\r\n"),  # CRLF blank
        ("a.yaml", 'k: "x\n  AKIA' + 'Q7ZK\\\n  2MXR4BP9WL3N"\n'),  # escape on a later line
        ("c.cfg", "\x0c[db]\npassword = Zx9Qv8Lm2Rt7Wy3Kp5Nb4Hc6Jd1Fg0Se\n"),  # \f before [db]
    ],
)
def test_the_shortcuts_agree_with_detect_secrets_on_odd_whitespace_and_escapes(
    tmp_path: Path, name: str, text: str
) -> None:
    """The engine skips a transformer only when it cannot help; these texts looked like it
    could not (a CRLF blank line, a YAML escape on a continuation line, a form feed before a
    section header) while detect-secrets' transformers read them."""
    path = tmp_path / name
    path.write_bytes(text.encode())
    expected = reference([path])
    assert expected[str(path)]
    assert engine_results([path]) == expected

"""The one module that reaches into detect-secrets: its settings, plugins, filters, transformers.

detect-secrets stays the judge of what is a secret. Its per-file algorithm (`scan_file`) is
reproduced here with one change: only candidate lines (found by the prefilter) are handed to its
per-line pipeline, with the whole file as context. Everything else is detect-secrets' own code:
line filters, plugins, secret filters, context filters and the "eager" second pass that runs only
when the first found nothing, except three pieces replaced by exact re-implementations tested
against the originals: the INI transformers (`inilines`), the YAML transformer (`yamllines`)
and the `is_indirect_reference` filter (`dsfilters`); and its filters and plugins are called
with the arguments its dependency injection would give them, worked out once (`dsinject`).
Where a transformer would crash or never return on a file, the file is read as plain lines.

detect-secrets keeps its configuration in a process-wide singleton; `configure()` sets it once
per process (the CLI's process, or each worker).
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from detect_secrets.core import scan as ds_scan
from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.settings import get_filters, get_plugins, get_settings
from detect_secrets.transformers import get_transformers
from detect_secrets.transformers.config import ConfigFileTransformer, EagerConfigFileTransformer
from detect_secrets.transformers.exceptions import ParsingError
from detect_secrets.transformers.yaml import YAMLTransformer
from detect_secrets.util.code_snippet import get_code_snippet
from detect_secrets.util.filetype import FileType, determine_file_type

from analyzer.secrets.dscompat import dsfilters, dsinject
from analyzer.secrets.dscompat.inilines import ini_lines
from analyzer.secrets.dscompat.yamllines import transformed_yaml_lines

# The filter that checks the file exists on the host disk: our files live inside layers.
_HOST_FILE_FILTER = "detect_secrets.filters.common.is_invalid_file"


def configure(extra_plugins: Sequence[dict[str, Any]] = ()) -> None:
    """Enable every built-in plugin (plus `extra_plugins`) and the default filters."""
    settings = get_settings()
    settings.clear()
    # detect-secrets caches its type -> class mapping, custom (file) plugins included, and
    # never invalidates it: rebuild it for the built-ins now and for the new set afterwards.
    get_mapping_from_secret_type_to_class.cache_clear()
    builtin = [{"name": name} for name in builtin_plugin_names()]
    settings.configure_plugins(builtin + list(extra_plugins))
    get_mapping_from_secret_type_to_class.cache_clear()
    settings.disable_filters(_HOST_FILE_FILTER)
    if dsfilters.ORIGINAL_INDIRECT_REFERENCE in settings.filters:  # the same verdicts, faster
        settings.filters[dsfilters.INDIRECT_REFERENCE] = {}
        settings.disable_filters(dsfilters.ORIGINAL_INDIRECT_REFERENCE)  # clears the cache


def builtin_plugin_names() -> list[str]:
    """detect-secrets' own plugins (its registry also holds custom plugins once loaded)."""
    classes: list[type] = list(get_mapping_from_secret_type_to_class().values())
    return sorted(c.__name__ for c in classes if c.__module__.startswith("detect_secrets."))


def plugins() -> list[Any]:
    """The configured plugin instances."""
    return list(get_plugins())


def plugin_settings() -> list[dict[str, Any]]:
    """The plugin configuration as detect-secrets records it in a baseline."""
    return list(get_settings().json()["plugins_used"])


def filter_paths() -> list[str]:
    """The filters in force, as import paths."""
    return sorted(get_settings().filters)


def filename_filtered(filename: str) -> bool:
    """True when detect-secrets would skip the file by its name (lock files, swagger...).

    With detect-secrets' default filename filters the verdict depends only on the base name
    (lock file names, extensions) and on whether the path contains "swagger", so they are
    shown only that: their swagger regex (r".*swagger.*") takes time quadratic in the length
    of what it is given. Any other filter set is shown the whole name.
    """
    calls, name_only = _filename_filters()
    if name_only:
        shown = ("/swagger/" if "swagger" in filename else "/") + os.path.basename(filename)
        return calls.any(filename=shown)
    return calls.any(filename=filename)


_NAME_ONLY_FILTERS = frozenset(
    {
        "detect_secrets.filters.heuristic.is_swagger_file",  # r".*swagger.*" anywhere
        "detect_secrets.filters.heuristic.is_non_text_file",  # the extension
        "detect_secrets.filters.heuristic.is_lock_file",  # the base name
        "detect_secrets.filters.allowlist.is_line_allowlisted",  # needs a line: never applies
    }
)
_filename_memo: list[Any] = []
"""[detect-secrets' filter list, the calls of its filename filters, whether they judge the base
name and "swagger" alone]: worked out again only when detect-secrets makes a new list (its
settings changed); holding the list keeps its identity from going to another. Asked for every
text file: ~10 -> ~4 us a file."""


def _filename_filters() -> tuple[dsinject.Calls, bool]:
    current = get_filters()
    if not _filename_memo or _filename_memo[0] is not current:
        paths = frozenset(f.path for f in ds_scan.get_filters_with_parameter("filename"))
        calls = dsinject.filter_calls(("filename",), ("filename",))
        _filename_memo[:] = [current, calls, paths <= _NAME_ONLY_FILTERS]
    return _filename_memo[1], _filename_memo[2]


def _ds_filename_filtered(filename: str) -> bool:
    """detect-secrets' `_is_filtered_out(["filename"], filename=...)`."""
    return dsinject.filter_calls(("filename",), ("filename",)).any(filename=filename)


class _NamedText(io.StringIO):
    """A text file in memory with the name detect-secrets' transformers look at."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text, newline=None)
        self.name = name


_OTHER_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""What str.splitlines() ends a line at besides "\\n" (readlines ends one at "\\r" too)."""


def plain_lines(text: str) -> list[str]:
    """The lines `open(f).readlines()` would give (universal newlines)."""
    if not any(c in text for c in _OTHER_LINE_BREAKS):
        return text.splitlines(keepends=True)  # then readlines and the faster splitlines agree
    return _NamedText(text, "").readlines()


def transformed_lines(text: str, filename: str, *, eager: bool) -> list[str] | None:
    """The lines detect-secrets' (eager or non-eager) transformers make of a file, if any.

    detect-secrets' `get_transformed_file`, step for step: its transformers in its order, the
    first that does not raise ParsingError decides (even with no lines). The INI transformers
    are run by `inilines`, which gives their output without a regex compile per option.
    """
    transformer: Any
    for transformer in get_transformers():
        if transformer.is_eager != eager or not transformer.should_parse_file(filename):
            continue
        lines = _transform(transformer, text, filename)
        if lines is not None:
            return list(lines) or None
    return None


def _transform(transformer: Any, text: str, filename: str) -> list[str] | None:
    """One transformer's lines, None when it raises ParsingError.

    Where detect-secrets' own transformer would crash (a YAML date such as 2020-13-45 raises
    ValueError, a recursion too deep) or never return (a YAML sequence holding itself), the
    transformer is taken as failed, so the file is still scanned, as plain lines.
    """
    if type(transformer) is ConfigFileTransformer:
        return ini_lines(text, add_header=False)
    if type(transformer) is EagerConfigFileTransformer:
        return ini_lines(text, add_header=True)
    try:
        if type(transformer) is YAMLTransformer:
            return transformed_yaml_lines(_NamedText(text, filename).read())
        return list(transformer.parse_file(cast(Any, _NamedText(text, filename))))
    except ParsingError:
        return None
    except Exception:  # a third-party parser on hostile input must not end the scan
        return None  # detect-secrets itself fails on this file (RecursiveYAMLError included)


def is_yaml(filename: str) -> bool:
    """True when detect-secrets treats the file as YAML (by its extension)."""
    return _file_type(os.path.splitext(filename)[1]) == FileType.YAML


def is_other_type(filename: str) -> bool:
    """True when detect-secrets' eager INI transformer may apply (unknown file type)."""
    return _file_type(os.path.splitext(filename)[1]) == FileType.OTHER


@functools.lru_cache(maxsize=1024)
def _file_type(extension: str) -> FileType:
    """detect-secrets' file type, which depends on the extension alone (it builds a dict of
    every extension on each call, so it is asked once per extension)."""
    return determine_file_type(f"file{extension}")


def scan_lines(
    filename: str, lines: list[str], candidates: Mapping[int, frozenset[str] | None]
) -> Iterator[PotentialSecret]:
    """detect-secrets' per-line pipeline on the candidate lines (1-based), with full context,
    running on each line only the plugins the prefilter named for it (None: every plugin).

    Step for step `ds_scan._process_line_based_plugins`: line filters, each plugin's
    `analyze_line`, then per secret the secret filters and the context filters, each the same
    function detect-secrets would call with the same arguments (see `dsinject`)."""
    line_filters = dsinject.filter_calls(("line",), ("filename", "line", "context"))
    secret_filters = dsinject.filter_calls(("secret",), ("filename", "secret", "plugin", "line"))
    context_filters = dsinject.filter_calls(
        ("context",), ("filename", "secret", "plugin", "line", "context")
    )
    for line_number, names in candidates.items():
        line = lines[line_number - 1].rstrip()
        snippet = get_code_snippet(lines=lines, line_number=line_number)
        if line_filters.any(filename=filename, line=line, context=snippet):
            continue
        for plugin in get_plugins():
            if names is not None and type(plugin).__name__ not in names:
                continue
            found = dsinject.analyze_line(
                plugin, filename=filename, line=line, line_number=line_number, context=snippet
            )
            for secret in found or ():
                value = secret.secret_value
                if secret_filters.any(
                    filename=secret.filename, secret=value, plugin=plugin, line=line
                ):
                    continue
                if not context_filters.any(
                    filename=secret.filename,
                    secret=value,
                    plugin=plugin,
                    line=line,
                    context=snippet,
                ):
                    yield secret


def whole_token(secret: PotentialSecret, line: str) -> str:
    """The full regex match around a secret that a plugin reported as a capture group only."""
    value = str(secret.secret_value)
    if len(value) >= 8:
        return value
    for plugin in get_plugins():
        if getattr(plugin, "secret_type", None) != secret.type:
            continue
        for pattern in getattr(plugin, "denylist", ()):
            for match in pattern.finditer(line):
                if value in match.groups() and len(match.group(0)) > len(value):
                    return str(match.group(0))
    return value

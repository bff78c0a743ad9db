"""detect-secrets' dependency injection, resolved once per filter set instead of on every call.

detect-secrets calls its filters and its plugins' `analyze_line` through
`call_function_with_arguments`, which works out on every call (with `inspect`) which of the
supplied arguments the function names. On candidate lines that bookkeeping cost more than the
filters themselves; here it is worked out once, and the same functions are called with the
same arguments, in the same order.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from detect_secrets.core import scan as ds_scan
from detect_secrets.filters.allowlist import is_line_allowlisted
from detect_secrets.util.code_snippet import CodeSnippet


class Calls:
    """detect-secrets' dependency injection (`call_function_with_arguments` in
    `_is_filtered_out`), resolved once per filter set instead of on every call.

    detect-secrets calls each filter with the arguments it names among those supplied, and
    skips a filter that raises TypeError: one that needs an argument not supplied is skipped
    here before the call (binding fails before its body runs), one raising TypeError inside
    is skipped the same way. `is_line_allowlisted` is asked only when its regexes could
    match: every one of them needs the literal, case-sensitive "pragma" in the line or in
    the line before it."""

    def __init__(self, filters: tuple[Any, ...], supplied: tuple[str, ...]) -> None:
        self.calls: list[tuple[Any, tuple[str, ...]]] = []
        for function in filters:
            wanted = _injectable(function)
            if _required(function) <= set(supplied):
                names = tuple(n for n in supplied if n in wanted)
                self.calls.append((_allowlist_gate(function), names))

    def any(self, **arguments: Any) -> bool:
        """Whether some filter says to drop the secret or line."""
        for function, names in self.calls:
            try:
                if function(**{name: arguments[name] for name in names}):
                    return True
            except TypeError:
                continue
        return False


def filter_calls(parameters: tuple[str, ...], supplied: tuple[str, ...]) -> Calls:
    """The filters detect-secrets' `_is_filtered_out(parameters, **supplied)` would run."""
    return _calls_for(tuple(ds_scan.get_filters_with_parameter(*parameters)), supplied)


@functools.lru_cache(maxsize=32)
def _calls_for(filters: tuple[Any, ...], supplied: tuple[str, ...]) -> Calls:
    return Calls(filters, supplied)


def _injectable(function: Any) -> set[str]:
    """detect-secrets' `get_injectable_variables`: the named parameters (a method's "self"
    too, which is never among the supplied names)."""
    code = function.__code__
    return set(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])


def _required(function: Any) -> set[str]:
    """A filter function's parameters without a default."""
    return {
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is inspect.Parameter.empty
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    }


def _allowlist_gate(function: Any) -> Any:
    if function is not is_line_allowlisted:
        return function

    def gated(filename: str, line: str, context: CodeSnippet) -> bool:
        if "pragma" not in line and "pragma" not in context.previous_line:
            return False
        return bool(function(filename=filename, line=line, context=context))

    return gated


def analyze_line(plugin: Any, **arguments: Any) -> Any:
    """`plugin.analyze_line(...)` with the arguments detect-secrets' injection gives it."""
    names = _ANALYZE_NAMES.get(type(plugin))
    if names is None:
        wanted = _injectable(plugin.analyze_line)
        supplied = ("filename", "line", "line_number", "context")
        names = _ANALYZE_NAMES[type(plugin)] = tuple(n for n in supplied if n in wanted)
    return plugin.analyze_line(**{name: arguments[name] for name in names})


_ANALYZE_NAMES: dict[type, tuple[str, ...]] = {}
"""Plugin class -> the names its analyze_line takes among those supplied."""

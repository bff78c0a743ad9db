"""Scan one file's bytes for secrets with detect-secrets' verdicts at prefilter speed.

The algorithm is detect-secrets' `scan_file`, kept step for step:
1. skip the file if a filename filter says so, or if it is not UTF-8 text;
2. pass one: the non-eager transformers' lines (INI with sections; YAML by extension), else
   the plain lines;
3. if pass one found nothing: pass two with the eager transformer (INI without a header).
In each pass only the prefilter's candidate lines go through detect-secrets' per-line pipeline.
Transformers are only tried when the text could parse (a cheap necessary check first), since
parsing every file is most of what makes plain detect-secrets slow.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analyzer.secrets.dscompat import dsbridge
from analyzer.secrets.plugins import plugin_settings
from analyzer.secrets.prefilter import Prefilter

# configparser needs a section header before any option (it strips lines of all whitespace,
# "\r" of a CRLF line end and "\f" included)...
_FIRST_CONTENT_LINE = re.compile(r"^[^\S\n]*(?![#;\s])(.)", re.M)
# ...and, once a header is prepended, a delimiter on every unindented content line (a line of
# whitespace alone is blank).
_NOT_AN_OPTION = re.compile(r"^(?![^\S\n]*$)(?![ \t#;\[])[^\n=:]+$", re.M)


Candidates = dict[int, frozenset[str] | None]
"""Candidate line number -> the plugins that may report on it (None: all of them)."""

# YAML double-quoted escapes (a double-quoted scalar may run over several lines) and INI
# %(name)s interpolation can make strings not in the text.
_ESCAPES = re.compile(r'"[^"]*\\|%\(')


def _may_escape(text: str) -> bool:
    """`_ESCAPES.search(text)`, after a quick look for the backslash or "%(" it needs."""
    return ("\\" in text or "%(" in text) and _ESCAPES.search(text) is not None


def _starts_with_section(text: str) -> bool:
    first = _FIRST_CONTENT_LINE.search(text)
    return first is not None and first.group(1) == "["


@dataclass(frozen=True, slots=True)
class RawSecret:
    """One secret detect-secrets reports, before redaction (never leaves the engine's caller)."""

    type: str
    line: int
    value: str
    """The value exactly as detect-secrets reports it (what its baselines hash)."""
    token: str = ""
    """The whole matched token when detect-secrets reports only a capture group of it (its
    GitHub plugin reports "ghp" for a full ghp_... token); otherwise equal to value."""


class SecretEngine:
    """detect-secrets, configured once per process, with the prefilter in front."""

    def __init__(
        self, extra_plugins: Sequence[dict[str, Any]] | None = None, *, use_hyperscan: bool = True
    ) -> None:
        """`extra_plugins`: detect-secrets plugin settings beyond the built-ins; None means
        image-audit's own (analyzer.secrets.plugins), () means detect-secrets' alone."""
        dsbridge.configure(plugin_settings() if extra_plugins is None else extra_plugins)
        self.prefilter = Prefilter(dsbridge.plugins(), use_hyperscan=use_hyperscan)

    def scan(self, filename: str, data: bytes) -> list[RawSecret]:
        """Secrets in one file, as detect-secrets' scan_file would report them."""
        if dsbridge.filename_filtered(filename):
            return []
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return []  # detect-secrets ignores files it cannot read as text
        transformed_first = dsbridge.is_yaml(filename) or _starts_with_section(text)
        eager: bool | None = None  # whether the eager transformer may parse it, once asked
        found = None
        if transformed_first:
            # Only whether the raw text could give anything matters here: one scan that stops
            # at the first shape found (a superset of the plain lines' candidates).
            if not self._transforming_may_find(text):
                return []
            lines = dsbridge.transformed_lines(text, filename, eager=False)
            found = self._scan(filename, lines, self._hits(lines)) if lines else None
        if found is None:  # detect-secrets reads the plain lines
            plain, hits = self.prefilter.plain_candidates(text, dsbridge.plain_lines)
            if not hits:
                # Most files hold no shape at all: those are not even split into lines, and
                # not parsed as YAML or INI (most of plain detect-secrets' cost on config
                # files) when no transformed pass could find anything either.
                if not transformed_first:
                    eager = self._eager_may_parse(text, filename)
                if not (transformed_first or eager) or not self._transforming_may_find(text):
                    return []
            found = self._scan(filename, plain, hits)
        if found:
            return found
        if eager is None:
            eager = self._eager_may_parse(text, filename)
        if not eager:
            return found
        lines = dsbridge.transformed_lines(text, filename, eager=True)
        return self._scan(filename, lines, self._hits(lines)) if lines else []

    def _transforming_may_find(self, text: str) -> bool:
        """Whether a transformed pass over the text could produce a finding.

        Transformers only re-quote values taken from the text, so a finding after
        transformation needs a shape already present in the raw text, or an unquoted
        high-entropy run; YAML escapes and INI interpolation could build new strings, so a
        text with those may give anything.
        """
        return (
            self.prefilter.any_shape(text)
            or _may_escape(text)
            or self.prefilter.unquoted_entropy(text)
        )

    def _eager_may_parse(self, text: str, filename: str) -> bool:
        return dsbridge.is_other_type(filename) and _NOT_AN_OPTION.search(text) is None

    def _hits(self, lines: list[str]) -> Candidates:
        return self.prefilter.plugins_per_line(lines)

    def _scan(self, filename: str, lines: list[str], candidates: Candidates) -> list[RawSecret]:
        if not candidates:
            return []
        return [
            RawSecret(
                s.type,
                s.line_number,
                str(s.secret_value),
                dsbridge.whole_token(s, lines[s.line_number - 1]),
            )
            for s in dsbridge.scan_lines(filename, lines, candidates)
        ]

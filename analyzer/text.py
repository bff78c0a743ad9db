"""Text from an archive on its way out: shown on a terminal, encoded into a file, hashed.

Strings read from an archive are hostile. Tar names that are not UTF-8 are decoded with
`surrogateescape` (so `\\udcff` stands for the byte 0xff and the name stays exact), JSON may hold
lone surrogates (`"\\ud800"`), and any of them may carry escape sequences, carriage returns,
bells or bidirectional overrides. The rules, one function each:

- `printable`: one terminal-safe line; every control, format, separator or surrogate character
  is shown as a visible escape (`\\x1b`, `\\u202e`, a non-UTF-8 byte as `\\xff`);
- `escaped_bytes`: UTF-8 for a text file (CSV, Markdown, HTML): surrogates become visible escapes,
  everything else is kept;
- `json_bytes`: ASCII for JSON text: every other character (a C1 control, a bidirectional
  override, a surrogate) becomes its JSON escape (`\\u202e`, `\\udcff`), which reads back as the
  same string (the document stays exact and shows nothing raw);
- `exact_bytes`: the bytes the string was read from, for hashing (fingerprints, digests).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

_ESCAPE_CACHE: dict[str, str] = {}
_SAFE_CATEGORIES = frozenset({"Ll", "Lu", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No"})
_SAFE_CATEGORIES |= frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So"})


def _escape(char: str) -> str:
    """The visible escape of one character that must not reach a terminal raw."""
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _shown(char: str) -> str:
    shown = _ESCAPE_CACHE.get(char)
    if shown is None:
        safe = char == " " or unicodedata.category(char) in _SAFE_CATEGORIES
        shown = char if safe else _escape(char)
        if len(_ESCAPE_CACHE) < 65536:
            _ESCAPE_CACHE[char] = shown
    return shown


def printable(text: str) -> str:
    """`text` as one terminal-safe line: control characters (C0, DEL, C1), format characters
    (bidirectional overrides, zero-width joiners), line and paragraph separators, unassigned
    code points and surrogates become visible escapes; a backslash stays a backslash.

    >>> printable("ok\\x1b]0;owned\\x07\\r\\n")
    'ok\\\\x1b]0;owned\\\\x07\\\\x0d\\\\x0a'
    >>> printable("caf\\u00e9 \\u202egnp.exe"), printable("bad\\udcff"), printable("\\ud800")
    ('café \\\\u202egnp.exe', 'bad\\\\xff', '\\\\ud800')
    >>> printable("\\x9b31m")
    '\\\\x9b31m'
    """
    if text.isprintable():  # exactly: no character outside _SAFE_CATEGORIES but the space
        return text
    return "".join(_shown(c) for c in text)


def _visible_surrogates(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(_escape(c) for c in bad), error.end


def _original_surrogates(error: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = bytearray()
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(code - 0xDC00)  # surrogateescape: the byte it stood for
        else:
            out += char.encode("utf-8", "surrogatepass")  # a lone surrogate from JSON
    return bytes(out), error.end


codecs.register_error("image-audit-visible", _visible_surrogates)
codecs.register_error("image-audit-exact", _original_surrogates)


def escaped_bytes(text: str) -> bytes:
    """UTF-8 for a text file; a surrogate is written as a visible escape.

    >>> escaped_bytes("a\\udcffb\\ud800")
    b'a\\\\xffb\\\\ud800'
    """
    return text.encode("utf-8", "image-audit-visible")


def json_bytes(text: str) -> bytes:
    """ASCII of JSON text (from json.dumps with ensure_ascii=False, or laid out by hand): every
    character but printable ASCII and the newlines between values is written as its JSON
    escape, exactly as json.dumps with ensure_ascii=True writes it, so the document parses
    back to the same strings and no byte of it acts on a terminal.

    >>> import json
    >>> doc = {"name": "x\\udcff\\u202e\\x9b\\U0001f600"}
    >>> data = json_bytes(json.dumps(doc, ensure_ascii=False))
    >>> data == json.dumps(doc).encode(), json.loads(data) == doc
    (True, True)
    >>> data
    b'{"name": "x\\\\udcff\\\\u202e\\\\u009b\\\\ud83d\\\\ude00"}'
    """
    return _NOT_JSON_ASCII.sub(_json_escape, text).encode("ascii")


_NOT_JSON_ASCII = re.compile("[^\n -~]")
"""Outside JSON strings JSON text is ASCII (a newline of the layout included); inside them
json.dumps has escaped every C0 control already: what is left is DEL and beyond."""


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP: a UTF-16 surrogate pair, as JSON writes it
    return f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}"


def exact_bytes(text: str) -> bytes:
    """The bytes `text` was decoded from (surrogateescape), for hashing; a lone surrogate
    from JSON is encoded as it stands (surrogatepass).

    >>> exact_bytes("a\\udcff"), exact_bytes("\\ud800")
    (b'a\\xff', b'\\xed\\xa0\\x80')
    """
    return text.encode("utf-8", "image-audit-exact")


def quoted(value: object, limit: int = 100) -> str:
    """A value from the archive quoted for a one-line message: printable, and cut to `limit`
    characters (a hostile digest or name may be megabytes long).

    >>> quoted("sha256:\\x1b[2J" + "a" * 200, 30)
    "'sha256:\\\\x1b[2Jaaaaaaaaaaaa...'"
    >>> quoted(7)
    '7'
    """
    if not isinstance(value, str):
        return printable(repr(value))[:limit]
    shown = printable(value[: limit * 4])
    return f"'{shown[: limit - 3]}...'" if len(shown) > limit - 2 else f"'{shown}'"

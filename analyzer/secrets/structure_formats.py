"""Readers for the file formats that `analyzer.secrets.structure` recognises.

Each reader takes a `Source` and yields `Found(line, value, detail)`; the kind, the placeholder
policy and the de-duplication are applied by the caller. Readers never raise on malformed input:
JSON that does not parse or binary garbage yields nothing. Private keys are read in
`analyzer.secrets.keys`, key stores in `analyzer.secrets.keystores`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True, slots=True)
class Found:
    """One secret a reader found, before it gets a kind."""

    line: int
    value: str
    detail: str
    kind: str = ""
    """A kind other than the reader's own (one reader may tell several kinds apart)."""


_EXECUTABLE_MAGIC = (b"\x7fELF", b"!<arch>\n", b"MZ", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe")


def is_text_data(data: bytes) -> bool:
    """No NUL byte in the first 8 KiB: the test that sends a file to detect-secrets as text
    (the secrets sink's) or to the binary readers.

    >>> is_text_data(b"TOKEN=abc\\n"), is_text_data(b"\\x7fELF\\x02\\x00")
    (True, False)
    """
    return b"\x00" not in data[:8192]


def looks_executable(data: bytes) -> bool:
    """An ELF, PE or Mach-O program or library, or an ar archive, by its first bytes.

    >>> looks_executable(b"\\x7fELF\\x02\\x01"), looks_executable(b"\\xfe\\xed\\xfe\\xed")
    (True, False)
    """
    return data.startswith(_EXECUTABLE_MAGIC)


class Source:
    """One file's path and bytes; the text is decoded (and parsed) once, only when asked for."""

    def __init__(
        self,
        path: str,
        data: bytes,
        markers: frozenset[bytes] = frozenset(),
        is_text: bool | None = None,
    ) -> None:
        self.path = path
        self.name = path[path.rfind("/") + 1 :]
        self.data = data
        self.markers = markers
        """The content markers found in `data` in one pass (see markers.MarkerSet)."""
        self.is_text = is_text if is_text is not None else is_text_data(data)
        """No NUL byte near the start (`is_text_data`; a caller that knew it already says)."""

    @cached_property
    def is_executable(self) -> bool:
        """An ELF, PE or Mach-O program or library, or an ar archive of objects."""
        return not self.is_text and looks_executable(self.data)

    @cached_property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    @cached_property
    def lines(self) -> list[str]:
        """Lines split on \\n only, so that numbers agree with `line_at`."""
        return [line.removesuffix("\r") for line in self.text.split("\n")]

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0, *(m.end() for m in re.finditer("\n", self.text))]

    def line_at(self, offset: int) -> int:
        """The 1-based line holding a character offset of `text`."""
        return bisect_right(self._line_starts, offset)

    def line_of(self, needle: str) -> int:
        """The line where `needle` first occurs in the text, 0 when it does not."""
        offset = self.text.find(needle) if needle else -1
        return self.line_at(offset) if offset >= 0 else 0

    @cached_property
    def json(self) -> object:
        """The parsed document, or None when the text is not JSON."""
        try:
            return json.loads(self.text.lstrip("\ufeff"))
        except (ValueError, RecursionError):
            return None


def sha256_hex(data: bytes | str) -> str:
    """The sha256 of bytes (or of a string's UTF-8 encoding), in hex."""
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


_PLACEHOLDER_WORDS = {
    *("changeme", "change_me", "change-me", "replaceme", "replace_me", "placeholder", "redacted"),
    *(
        "password",
        "passwd",
        "pass",
        "secret",
        "null",
        "none",
        "nil",
        "undefined",
        "todo",
    ),
    # a switch, not a value: `password = true` turns a check on, Perl's Configure writes
    # `d_pwpasswd='define'`; as a secret each would be redacted wherever the word is written
    *("true", "false", "yes", "no", "on", "off", "enabled", "disabled", "define", "undef"),
}
_TEMPLATE = re.compile(r"\$\{[^}]*\}|#\{[^}]*\}|\{\{.*?\}\}|%\([^)]*\)[sd]|\$\([^)]*\)")
"""Substitutions: ${VAR}, #{Var} (Octopus Deploy, Azure Pipelines' replace tokens), {{ jinja }},
%(python)s, $(make or MSBuild)."""
_WHOLE_PLACEHOLDER = re.compile(
    r"<[^<>]*>|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%|__[A-Za-z][\w.-]*__"
    r"|(?i:your[_-]?[a-z0-9_-]*|[a-z][a-z _-]*[_ -]here)"
)
"""A whole value that stands for one: <token>, $VAR, %VAR%, __Token__, your_key, and a
request to fill it in (WordPress's 'password_here', 'put your unique phrase here')."""
_FILL_IN_WORDS = frozenset(
    {
        *("example", "sample", "dummy", "fake", "test", "tests", "placeholder", "insert"),
        *("your", "here", "my"),
        *("hier", "dein", "deine", "deinen", "ihr", "ihre", "einfuegen", "einfügen"),
        *("votre", "vos", "ici", "mettez"),
        *("aqui", "aquí", "tu", "su", "qui", "vostra", "vostro", "sua", "seu"),
        *("ваш", "ваша", "ваше", "сюда", "здесь"),
    }
)
"""Words that make a value of words alone a stand-in: an example, a fake, a request to fill
it in, in the languages WordPress's localised samples use ('passwort_hier_einfuegen',
'votre_mdp_de_bdd', 'mettez une phrase unique ici')."""
_WORDS = re.compile(r"[^\W\d_]+(?:[ _.-]+[^\W\d_]+)*")
"""Letters and separators only: no digit, no symbol (a chosen password has some)."""
_TEMPLATE_TEMPLATE = re.compile(r"(?i)my[_-]?(?:password|passwd|pwd|pass|secret|token|api[_-]?key)")
"""connectionstrings.com's templates (`Password=myPassword`) and their kin."""
_TOKEN = re.compile(r"%%[\w.-]+%%|@@?[A-Za-z_][\w.-]*@@?|\*{2,}[A-Za-z _-]+\*{2,}")
"""Build-time substitution tokens (%%X%%, Maven's @x@, @@X@@) and masks (***REMOVED***)."""
_SECRET_REFERENCE = re.compile(
    r"(?i)(?:file|env|vault|op|sm|ssm|awssm|gcpsm|azkv|keyvault|sops):\S+"
    r"|arn:aws[a-z-]*:(?:secretsmanager|ssm|kms):\S+"
    r"|(?:/var)?/run/secrets/\S*|/(?:etc|mnt|vault)/secrets?/\S*"
    r"|ENC\([^()]*\)|\{cipher\}\S+|@Microsoft\.KeyVault\(.*\)"
)
"""A reference to a secret kept elsewhere, not the secret: a file Docker or Kubernetes mounts
(/run/secrets/db), a secret store's address (vault:secret/data/db#password, 1Password's
op://vault/item/field, an AWS Secrets Manager or SSM ARN, Azure Key Vault's
@Microsoft.KeyVault(...)), or ciphertext only a key elsewhere opens (Jasypt's ENC(...),
Spring Cloud Config's {cipher}...)."""
_MASKED_RUN = re.compile(r"[xX*]{8,}")
"""A masked or documented key (`sk_test_xxxxxxxxxxxx`): no generator gives eight x in a row."""


def is_placeholder(value: str) -> bool:
    """True when a value is a stand-in (template, variable, mask, a reference to a secret
    kept elsewhere) or a switch (true, yes, define), never a real secret.

    >>> [is_placeholder(v) for v in ("", "changeme", "PASSWORD", "${DB_PASS}", "$DB_PASS")]
    [True, True, True, True, True]
    >>> [is_placeholder(v) for v in ("<token>", "{{ vault_pw }}", "%(password)s", "'***'")]
    [True, True, True, True]
    >>> [is_placeholder(v) for v in ("xxxx", "XXXX-XXXX", "aaaaaaa", "your_api_key")]
    [True, True, True, True]
    >>> is_placeholder("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    True
    >>> [is_placeholder(v) for v in ("password_here", "put your unique phrase here", "#{DbPw}")]
    [True, True, True]
    >>> [is_placeholder(v) for v in ("passwort_hier_einfuegen", "votre_mdp_de_bdd", "test")]
    [True, True, True]
    >>> [is_placeholder(v) for v in ("myPassword", "@db.password@", "%%DB_PW%%", "***REMOVED***")]
    [True, True, True, True]
    >>> [is_placeholder(v) for v in ("sk_test_xxxxxxxxxxxxxxxx", "fake-password-for-tests")]
    [True, True]
    >>> [is_placeholder(v) for v in ("t0k3n-9f8a7c", "hunter2", "$apr1$r31.$Xx1b2c3d")]
    [False, False, False]
    >>> [is_placeholder(v) for v in ("/run/secrets/db", "op://vault/db/pw", "ENC(Xh7vK2pLm9)")]
    [True, True, True]
    >>> [is_placeholder(v) for v in ("Example#Shop2024!", "correct-horse-battery")]
    [False, False]
    >>> [is_placeholder(v) for v in ("true", "'yes'", "define", "Off", "truest")]
    [True, True, True, True, False]
    """
    bare = value.strip().strip("'\"").strip()
    if not bare or len(set(bare)) == 1 or bare.lower() in _PLACEHOLDER_WORDS:
        return True
    if _TEMPLATE.search(bare) or _example(bare) or _SECRET_REFERENCE.fullmatch(bare):
        return True
    if _TEMPLATE_TEMPLATE.fullmatch(bare) or _TOKEN.fullmatch(bare) or _MASKED_RUN.search(bare):
        return True
    unmasked = re.sub(r"[._\- ]", "", bare)
    return re.fullmatch(r"[xX*]{3,}", unmasked) is not None or bool(
        _WHOLE_PLACEHOLDER.fullmatch(bare)
    )


def _example(bare: str) -> bool:
    """An example by its whole shape: AWS's documented keys (`...EXAMPLEKEY`), a word with
    "example" in it (`ExampleSecret`), or words one of which is a fill-in word
    (`fake-password-for-tests`, `passwort_hier_einfuegen`); not a chosen password that
    merely contains one (`Example#Shop2024!`)."""
    if "EXAMPLE" in bare or (bare.isalpha() and "example" in bare.lower()):
        return True
    if not _WORDS.fullmatch(bare):
        return False
    return not _FILL_IN_WORDS.isdisjoint(re.split(r"[ _.-]+", bare.lower()))


# ---- JSON documents ---------------------------------------------------------------------------


def docker_auths(src: Source) -> Iterator[Found]:
    """Registry credentials in a docker/podman config: auths.<host>.auth / identitytoken."""
    doc = src.json
    if not isinstance(doc, dict):
        return
    auths = doc.get("auths")
    legacy = src.name == ".dockercfg"  # the pre-1.7 format: hosts at the top level
    entries = auths if isinstance(auths, dict) else doc if legacy else {}
    for host, entry in entries.items():
        if not isinstance(entry, dict):
            continue
        for field in ("auth", "identitytoken", "registrytoken", "password"):
            value = entry.get(field)
            if isinstance(value, str) and (field != "auth" or _auth_has_password(value)):
                yield Found(src.line_of(value), value, f"{field} for registry {host[:100]}")


def _auth_has_password(auth: str) -> bool:
    try:
        decoded = base64.b64decode(auth, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return True  # not base64 "user:password", but still what docker would send
    return ":" not in decoded or not is_placeholder(decoded.split(":", 1)[1])


# ---- netrc ------------------------------------------------------------------------------------


def netrc_passwords(src: Source) -> Iterator[Found]:
    """`password` tokens of a .netrc (tokens, not lines: one entry may span one or many lines)."""
    machine, key, skip_to = "default", "", 0
    for token in re.finditer(r"\S+", src.text):
        word = token.group()
        if token.start() < skip_to:
            continue
        if key == "password":
            yield Found(src.line_at(token.start()), word, f"password for {machine}")
        machine = word[:100] if key == "machine" else machine
        if key:
            key = ""
        elif word in ("machine", "login", "password", "account"):
            key = word
        elif word == "default":
            machine = "default"
        elif word == "macdef":  # the macro body runs to the next blank line
            end = src.text.find("\n\n", token.end())
            skip_to = end if end >= 0 else len(src.text)

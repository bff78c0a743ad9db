"""Sensitive files recognised by their structure, not only by their name.

A name narrows where to look; the content decides. Every kind is the slug of a rule
IA-SECRET-<KIND>: anyone who can pull the image gets the file, in every layer it was ever in.

- ssh-host-key: /etc/ssh/ssh_host_*_key holding a private key block. Every container from the
  image shares it, so each one can impersonate the others (and the build host).
- private-key: a complete PEM block (RSA, EC, DSA, PKCS#8, encrypted PKCS#8, OpenSSH), a PGP
  private key block or a PuTTY key (Private-Lines) in any file, even JSON-escaped. The value is
  the base64 body; the detail says whether a passphrase protects it. Public keys and
  certificates are not secrets; keys compiled into executables or libraries (ELF, PE, Mach-O,
  ar) are skipped, as they are nearly always self-test vectors (libgnutls has a dozen).
- keystore: a Java keystore (JKS 0xFEEDFEED, JCEKS 0xCECECECE) with at least one key entry
  (truststores such as cacerts hold only certificates) or a PKCS#12 store (DER PFX shape; a
  .p12/.pfx name, or a visible key bag). Value "<format>:<sha256 of the file>".
- aws-credentials: aws_secret_access_key / aws_session_token in INI-like files (~/.aws).
- gcp-service-account: JSON with "type": "service_account" and a private key; value is the
  key id (or account plus a hash of the key), which is what revocation needs.
- azure-credentials: accessToken, refreshToken, clientSecret, secret in ~/.azure files;
  clientSecret in an SDK auth file (with tenantId); AZURE_CLIENT_SECRET anywhere.
- docker-config-auth: auths.<registry>.auth (base64 user:password) or identitytoken in a
  docker/podman config. credHelpers and credsStore keep secrets elsewhere and are fine.
- git-credentials: https://user:token@host lines of the git credential store.
- netrc: password tokens of .netrc/_netrc (curl, ftp, git, pip use them).
- npmrc-token: _authToken, _auth, _password in npmrc: publish rights to the registry.
- pypirc-password: password in a .pypirc section: upload rights to the index.
- kubeconfig: client-key-data, token, password (and OIDC tokens) under users: in a kubeconfig
  (users: beside clusters: or `kind: Config`): cluster access.
- dotenv: KEY=VALUE lines of .env files whose key names a secret (PASSWORD, TOKEN, API_KEY...).
- shell-history: a non-empty shell or client history file (value "history:<name>", line 0):
  it records what was typed during the build, and was never meant to ship.
- history-credential: lines of those files with a credential on the command line (mysql -pX,
  --password=, PASSWORD=, curl -u user:pass, sshpass -p, URLs with a password, SQL PASSWORD '').
- database-url: postgres, mysql, mongodb, redis, amqp, mssql URLs with a password, in text files.
- htpasswd: user:hash lines in htpasswd files, or files made only of such lines: offline cracking.

Placeholders (`is_placeholder`) are never hits. One line is reported under one kind only (the
most specific, in the order above, with gcp-service-account before private-key).
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from analyzer.secrets.hsdb import hyperscan_module
from analyzer.secrets.structure_formats import (
    Found,
    Source,
    docker_auths,
    gcp_service_account,
    is_placeholder,
    keystores,
    netrc_passwords,
    private_keys,
)

__all__ = ["StructuralHit", "is_placeholder", "structural_hits", "wants_path"]


@dataclass(frozen=True, slots=True)
class StructuralHit:
    """One sensitive value (or sensitive file) recognised by its structure."""

    kind: str
    """Stable slug: the rule id is IA-SECRET-<KIND upper>."""
    line: int
    """1-based line of the secret; 0 when the whole file is the finding."""
    value: str
    """The secret itself (the caller redacts it), or a stable marker such as "jks:<sha256>"."""
    detail: str
    """Short text for people, never containing the value."""


_SECTION = re.compile(r"^\s*\[([^\]]*)\]")
_AWS = re.compile(
    r"^\s*(aws_secret_access_key|aws_session_token|aws_security_token)\s*[=:]\s*"
    r"[\"']?([A-Za-z0-9/+=]{20,})[\"']?\s*$"
)
_PYPIRC = re.compile(r"^\s*password\s*[=:]\s*(.*?)\s*$")
_GIT_CREDENTIAL = re.compile(r"^\s*[a-z][a-z0-9+.-]*://([^:/@\s]*):([^@\s]*)@([^/\s]+)")
_NPMRC = re.compile(r"^\s*(?:(//\S*?):)?(_authToken|_auth|_password)\s*=\s*(.*?)\s*$")
_KUBE_USER_SECRET = re.compile(
    r"^\s*(?:-\s*)?(client-key-data|token|password|client-secret|id-token|refresh-token"
    r"|access-token)\s*:\s*[\"']?(.*?)[\"']?\s*$"
)
_KUBE_NAME = re.compile(r"^\s*-\s*name\s*:\s*[\"']?([^\"'\s]*)")


def _assignment(keys: str) -> re.Pattern[str]:
    """`key: value`, `"key": "value"` or `key=value`, for JSON, YAML, INI and env files alike."""
    return re.compile(rf"""(?<![\w-])["']?({keys})["']?[ \t]*[:=][ \t]*["']?([^"'\s,{{}}\[\]]+)""")


_AZURE_IN_AZURE_DIR = _assignment(
    "accessToken|refreshToken|clientSecret|client_secret|secret|password|AZURE_CLIENT_SECRET"
)
_AZURE_SDK_AUTH = _assignment("clientSecret|AZURE_CLIENT_SECRET")
_AZURE_ENV = _assignment("AZURE_CLIENT_SECRET")
_DOTENV = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$")
_SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY|(?<![a-z])(?:PWD|AUTH)(?![a-z])",
    re.I,
)
_NOT_SECRET_NAME = re.compile(
    r"(?:^|_)(?:PATH|FILE|DIR|URL|URI|HOST|PORT|USER|USERNAME|NAME|ID|TYPE|ENABLED|TTL|TIMEOUT"
    r"|EXPIRY|EXPIRES|LENGTH|HEADER|ALGORITHM|ISSUER|PROVIDER|METHOD|MODE)$|^PWD$",
    re.I,
)
_NOT_SECRET_VALUE = re.compile(r"(?i)true|false|yes|no|on|off|\d{1,4}")
_HISTORY_CREDENTIALS = {
    "mysql -p<password>": r"\b(?:mysql\w*|mariadb\w*)\b.*?\s-p(?P<v>[^\s-]\S*)",
    "--password option": r"--[\w-]*(?:pass(?:word)?|token|secret|api-?key)(?:=|\s+)"
    r"(?P<v>[^\s-]\S*)",
    "password variable": r"(?i)\b\w*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY)\w*=(?P<v>\S+)",
    "curl -u user:password": r"\b(?:curl|wget)\b.*?(?:\s-[A-Za-z]*u\s*|--user[=\s])"
    r"['\"]?[^\s:'\"]+:(?P<v>[^\s'\"]+)",
    "sshpass -p": r"\bsshpass\s+-p\s*(?P<v>\S+)",
    "redis-cli -a": r"\bredis-cli\b.*?\s-a\s+(?P<v>\S+)",
    "URL with a password": r"://[^\s:/@]+:(?P<v>[^\s@/]+)@",
    "SQL password": r"(?i)\b(?:PASSWORD|IDENTIFIED\s+BY)\s*(?:=\s*)?(?:PASSWORD\s*\(\s*)?"
    r"'(?P<v>[^']+)'",
    "docker login -p": r"\b(?:docker|podman|buildah|skopeo|helm)\b.*?\blogin\b.*?\s-p\s*"
    r"['\"]?(?P<v>[^\s'\"-][^\s'\"]*)",
    "password piped to --password-stdin": r"\becho\s+['\"]?(?P<v>[^\s'\"|$][^\s'\"|]*)['\"]?"
    r"\s*\|.*--password-stdin",
    "htpasswd -b": r"\bhtpasswd(?:\s+-\w+)*?\s+-\w*b\w*(?:\s+-\w+)*\s+\S+\s+\S+\s+"
    r"(?P<v>[^\s-]\S*)",
    "Authorization header": r"(?i)authorization:\s*(?:bearer|basic|token)\s+(?P<v>[^\s'\"]+)",
    "netrc password": r"\bmachine\s+\S+.*?\bpassword\s+(?P<v>[^\s'\"]+)",
}
_HISTORY_PATTERNS = [(label, re.compile(p)) for label, p in _HISTORY_CREDENTIALS.items()]
_REDIS_AUTH = re.compile(r"(?i)^\s*AUTH\s+(?:\S+\s+)?(?P<v>\S+)\s*$")
_DB_URL_TAIL = re.compile(r"://([^\s:/@'\"]*):([^\s/'\"]+)@([^\s/'\"@?#]+)")
_DB_SCHEME = re.compile(
    r"(?i)(?<![a-z0-9])(postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql"
    r"|sqlserver)(?:\+[a-z0-9]+)?$"
)
_HTPASSWD_START = re.compile(rb"\s*[^:\s#]+:(?:\$apr1\$|\{SHA\}|\$2[abxy]\$|\$[156y]\$)")
_HTPASSWD_HASH = re.compile(r"^([^:\s#]+):((\$apr1\$|\{SHA\}|\$2[abxy]\$|\$[156y]\$)[^:\s]+)$")
_HTPASSWD_ANY = re.compile(r"^([^:\s#]+):(\S.*)$")
_HASH_NAMES = {"$apr1$": "apr1-md5", "{SHA}": "sha1", "$1$": "md5-crypt", "$5$": "sha256-crypt"}
_HASH_NAMES |= {"$6$": "sha512-crypt", "$y$": "yescrypt", "$2": "bcrypt"}


def _unquote(value: str) -> str:
    """The value without its quotes, or without the one quote of a quoted command around it.

    >>> _unquote("'pw1'"), _unquote("tok1'"), _unquote('"pw2'), _unquote("it's")
    ('pw1', 'tok1', 'pw2', "it's")
    """
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    for quote in "'\"":
        if value.count(quote) == 1 and (value[0] == quote or value[-1] == quote):
            return value.strip(quote)
    return value


def _ini(src: Source, pattern: re.Pattern[str]) -> Iterator[tuple[int, str, re.Match[str]]]:
    """(line, section, match) for each line of an INI-like file that matches `pattern`."""
    section = ""
    for number, line in enumerate(src.lines, 1):
        if header := _SECTION.match(line):
            section = header.group(1).strip()[:100]
        elif found := pattern.match(line):
            yield number, section, found


def _in_section(section: str) -> str:
    return f" in [{section}]" if section else ""


def _aws(src: Source) -> Iterator[Found]:
    for number, section, m in _ini(src, _AWS):
        yield Found(number, m.group(2), m.group(1) + _in_section(section))


def _pypirc(src: Source) -> Iterator[Found]:
    for number, section, m in _ini(src, _PYPIRC):
        yield Found(number, _unquote(m.group(1)), "password" + _in_section(section))


def _git_credentials(src: Source) -> Iterator[Found]:
    for number, line in enumerate(src.lines, 1):
        if m := _GIT_CREDENTIAL.match(line):  # the user is the token in the x-oauth-basic form
            token = m.group(1) if m.group(2) in ("", "x-oauth-basic") else m.group(2)
            yield Found(number, token, f"credential for {m.group(3)[:100]}")


def _npmrc(src: Source) -> Iterator[Found]:
    for number, line in enumerate(src.lines, 1):
        if m := _NPMRC.match(line):
            where = m.group(1) or "the default registry"
            yield Found(number, _unquote(m.group(3)), f"{m.group(2)} for {where[:100]}")


_K8S_SECRET = re.compile(r"^kind:[ \t]*Secret[ \t]*$")
_K8S_BLOCK = re.compile(r"^(data|stringData):[ \t]*$")
_K8S_ITEM = re.compile(r"^[ \t]+([\w.-]+):[ \t]*(\S.*?)[ \t]*$")


def _kubernetes_secrets(src: Source) -> Iterator[Found]:
    """Values of `data` (base64, decoded) and `stringData` in `kind: Secret` YAML documents."""
    document: list[tuple[int, str]] = []
    for number, line in enumerate([*src.lines, "---"], 1):
        if line.startswith("---"):
            if any(_K8S_SECRET.match(text) for _, text in document):
                yield from _secret_values(document)
            document = []
        else:
            document.append((number, line))


def _secret_values(document: list[tuple[int, str]]) -> Iterator[Found]:
    block = ""
    for number, line in document:
        if match := _K8S_BLOCK.match(line):
            block = match.group(1)
        elif line and not line[0].isspace():
            block = ""
        elif block and (item := _K8S_ITEM.match(line)):
            value = _unquote(item.group(2))
            if block == "data":
                try:
                    value = base64.b64decode(value, validate=True).decode("utf-8")
                except ValueError:
                    continue
            yield Found(number, value, f"Kubernetes Secret {block}.{item.group(1)}")


def _kubeconfig(src: Source) -> Iterator[Found]:
    text = src.text
    # users: is common YAML; clusters: or `kind: Config` beside it makes it a kubeconfig
    config = re.search(r"(?m)^(?:clusters\s*:|kind\s*:\s*Config\s*$)", text)
    if not (config and re.search(r"(?m)^users\s*:", text)):
        return
    in_users, user = False, "?"
    for number, line in enumerate(src.lines, 1):
        if line[:1].isalpha():  # a top-level key starts (or ends) the users: list
            in_users = line.startswith("users")
        elif in_users and (name := _KUBE_NAME.match(line)):
            user = name.group(1)[:100]
        elif in_users and (m := _KUBE_USER_SECRET.match(line)):
            yield Found(number, m.group(2), f"{m.group(1)} of user {user}")


_AZURE_MARKERS = frozenset({b"clientSecret", b"AZURE_CLIENT_S"})
"""Outside ~/.azure/, the Azure kind needs one of these in the file."""


def _azure(src: Source) -> Iterator[Found]:
    in_azure_dir = "/.azure/" in src.path
    if not in_azure_dir and src.markers.isdisjoint(_AZURE_MARKERS):
        return
    if in_azure_dir:
        pattern = _AZURE_IN_AZURE_DIR
    elif '"clientSecret"' in src.text and '"tenantId"' in src.text:
        pattern = _AZURE_SDK_AUTH  # the file `az ad sp create-for-rbac --sdk-auth` writes
    else:
        pattern = _AZURE_ENV
    for m in pattern.finditer(src.text):
        yield Found(src.line_at(m.start(2)), m.group(2), m.group(1))


def _dotenv(src: Source) -> Iterator[Found]:
    for number, line in enumerate(src.lines, 1):
        m = _DOTENV.match(line)
        if m is None or not _SECRET_NAME.search(key := m.group(1)):
            continue
        value = m.group(2)
        value = _unquote(value) if value[:1] in "'\"" else re.split(r"\s+#", value)[0]
        if not _NOT_SECRET_NAME.search(key) and not _NOT_SECRET_VALUE.fullmatch(value):
            yield Found(number, value, key[:100])


def _history_presence(src: Source) -> Iterator[Found]:
    if src.data.strip():
        yield Found(0, f"history:{src.name}", f"{src.name} with {len(src.lines)} lines")


def _history_credentials(src: Source) -> Iterator[Found]:
    """Every credential of every command line (a line may chain several commands)."""
    for number, line in enumerate(src.lines, 1):
        values: dict[str, str] = {}  # value -> the first pattern that saw it
        for label, pattern in _HISTORY_PATTERNS:
            for found in pattern.finditer(line):
                values.setdefault(_unquote(found.group("v")), label)
        if not values and src.name == ".rediscli_history" and (m := _REDIS_AUTH.match(line)):
            values[m.group("v")] = "redis AUTH"
        for value, label in values.items():
            yield Found(number, value, f"{label} in {src.name}")


def _database_urls(src: Source) -> Iterator[Found]:
    text = src.text
    for m in _DB_URL_TAIL.finditer(text):
        scheme = _DB_SCHEME.search(text, max(0, m.start() - 40), m.start())
        if scheme is not None:
            where = f"{m.group(1)[:60]}@{m.group(3)[:100]}"
            yield Found(src.line_at(m.start(2)), m.group(2), f"{scheme.group(1)} URL for {where}")


def _htpasswd(src: Source) -> Iterator[Found]:
    named = src.name in ("htpasswd", ".htpasswd") or src.name.endswith(".htpasswd")
    if not named and not _HTPASSWD_START.match(src.data):  # unnamed: it must start with one
        return
    lines = [(n, x) for n, x in enumerate(src.lines, 1) if x.strip() and x.lstrip()[0] != "#"]
    if not named and not (lines and all(_HTPASSWD_HASH.match(x) for _, x in lines)):
        return
    for number, line in lines:
        if m := _HTPASSWD_HASH.match(line) or _HTPASSWD_ANY.match(line):
            scheme = m.group(3) if m.re is _HTPASSWD_HASH else ""
            hashed = _HASH_NAMES.get(scheme[:2] if scheme.startswith("$2") else scheme, "")
            what = f"{hashed} hash" if hashed else "crypt hash or plain-text password"
            yield Found(number, m.group(2), f"{what} for user {m.group(1)[:60]}")


# ---- which kinds apply where --------------------------------------------------------------------


def _path(pattern: str) -> Callable[[str], object]:
    """A path predicate: the pattern is searched in the whole in-image path."""
    return re.compile(pattern).search


_HOST_KEY = _path(r"^/etc/ssh/ssh_host_[^/]*_key$")
_HISTORY = _path(r"/(?:\.(?:bash|zsh|sh|ash|python|mysql|psql|rediscli)_history|fish_history)$")
_DOTENV_NAME = _path(r"/(?:[^/]*\.env|\.env\.[^/]*)$")
_WANTED = _path(  # names worth reading whatever their content (wants_path)
    r"/(?:id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?|\.?(?:keystore|truststore)|\.?htpasswd"
    r"|[^/]*\.(?:pem|key|ppk|asc|jks|jceks|keystore|p12|pfx|pkcs12|htpasswd)"
    r"|application_default_credentials\.json)$"
    r"|/\.aws/|/\.azure/|/\.kube/config$|kubeconfig$|/\.docker/config\.json$|/\.dockercfg$"
    r"|/containers/auth\.json$"
)


@dataclass(frozen=True, slots=True)
class _Kind:
    name: str
    find: Callable[[Source], Iterable[Found]]
    markers: tuple[bytes, ...] = ()
    """The file must contain one of these (none: no content gate)."""
    path: Callable[[str], object] | None = None
    """The path must satisfy this (None: any path)."""
    text_only: bool = False
    literal: bool = True
    """The value is the secret as written, so a placeholder value is no hit."""


_KINDS = (
    _Kind("ssh-host-key", private_keys, (b"PRIVATE KEY",), _HOST_KEY),
    _Kind("gcp-service-account", gcp_service_account, (b"service_account",), literal=False),
    _Kind("private-key", private_keys, (b"PRIVATE KEY", b"PuTTY-User-Key-File-")),
    _Kind("keystore", keystores, literal=False),
    _Kind("aws-credentials", _aws, (b"aws_se",)),
    _Kind("azure-credentials", _azure),
    _Kind("docker-config-auth", docker_auths, (b'"auths"', b'"auth"')),
    _Kind("git-credentials", _git_credentials, (b"@",), _path(r"/\.git-credentials$")),
    _Kind("netrc", netrc_passwords, (b"password",), _path(r"/[._]netrc$")),
    _Kind("npmrc-token", _npmrc, (b"_auth", b"_password"), _path(r"/\.?npmrc$")),
    _Kind("pypirc-password", _pypirc, (b"password",), _path(r"/\.pypirc$")),
    _Kind("kubeconfig", _kubeconfig, (b"users:",), text_only=True),
    _Kind("kubernetes-secret", _kubernetes_secrets, (b"kind: Secret",), text_only=True),
    _Kind("htpasswd", _htpasswd, text_only=True),
    _Kind("shell-history", _history_presence, (), _HISTORY, literal=False),
    _Kind("history-credential", _history_credentials, (), _HISTORY),
    _Kind("dotenv", _dotenv, (b"=",), _DOTENV_NAME),
    _Kind("database-url", _database_urls, (b"://",), text_only=True),
)


_MARKERS = tuple(sorted({marker for kind in _KINDS for marker in kind.markers} | _AZURE_MARKERS))


@functools.cache
def _marker_database() -> Any:
    """A Hyperscan database of every content marker (None without Hyperscan)."""
    hyperscan = hyperscan_module()
    if hyperscan is None:  # pragma: no cover - hyperscan is a dependency; plain search then
        return None
    database = hyperscan.Database()
    database.compile(
        expressions=[re.escape(marker) for marker in _MARKERS],
        ids=list(range(len(_MARKERS))),
        elements=len(_MARKERS),
        flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(_MARKERS),
    )
    return database


def markers_in(data: bytes) -> frozenset[bytes]:
    """The content markers `data` holds, found in one pass over it rather than one per marker.

    >>> sorted(markers_in(b'{"auths": {}} -----BEGIN RSA PRIVATE KEY-----'))
    [b'"auths"', b'PRIVATE KEY']
    """
    database = _marker_database()
    if database is None:
        return frozenset(marker for marker in _MARKERS if marker in data)
    found: set[int] = set()

    def on_match(marker: int, start: int, end: int, flags: int, context: Any) -> None:
        found.add(marker)

    database.scan(bytes(data), match_event_handler=on_match)
    return frozenset(_MARKERS[i] for i in found)


def _applies(kind: _Kind, src: Source, markers: frozenset[bytes]) -> bool:
    if kind.path is not None and not kind.path(src.path):
        return False
    if kind.text_only and not src.is_text:
        return False
    return not kind.markers or not markers.isdisjoint(kind.markers)


def structural_hits(path: str, data: bytes) -> list[StructuralHit]:
    """Every sensitive value recognised by structure in one file (never raises)."""
    markers = markers_in(data)
    src = Source(path, data, markers)
    hits: list[StructuralHit] = []
    claimed: dict[int, str] = {}
    for kind in _KINDS:
        if not _applies(kind, src, markers):
            continue
        for found in kind.find(src):
            if kind.literal and is_placeholder(found.value):
                continue
            if found.line and claimed.setdefault(found.line, kind.name) != kind.name:
                continue  # a more specific kind already reported this line
            hits.append(StructuralHit(kind.name, found.line, found.value, found.detail))
    return hits


def wants_path(path: str) -> bool:
    """True when the name alone makes the file worth reading, even if it is binary.

    >>> wants_path("/root/.aws/credentials"), wants_path("/app/.env.production")
    (True, True)
    >>> wants_path("/etc/ssh/ssh_host_ed25519_key"), wants_path("/etc/ssh/ssh_host_rsa_key.pub")
    (True, False)
    >>> wants_path("/usr/bin/python3"), wants_path("/srv/tls/server.p12")
    (False, True)
    """
    if _WANTED(path) or _WANTED(path.lower()):
        return True
    return any(kind.path is not None and kind.path(path) for kind in _KINDS)

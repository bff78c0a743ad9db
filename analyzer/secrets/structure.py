"""Sensitive files recognised by their structure, not only by their name.

A name narrows where to look; the content decides. Every kind is the slug of a rule
IA-SECRET-<KIND>: anyone who can pull the image gets the file, in every layer it was ever in.

- ssh-host-key: /etc/ssh/ssh_host_*_key holding a private key block. Every container from the
  image shares it, so each one can impersonate the others (and the build host).
- private-key: a complete PEM block (RSA, EC, DSA, PKCS#8, encrypted PKCS#8, OpenSSH, SSH2), a
  PGP private key block or a PuTTY key (Private-Lines) in any file, even JSON-escaped, whose
  body decodes as the key its label names (`analyzer.secrets.keys`): a header in a string or a
  block around filler is no key. The value is the base64 body; the detail says whether a
  passphrase protects it. Public keys and certificates are not secrets; keys compiled into
  executables or libraries (ELF, PE, Mach-O, ar) are skipped, as they are nearly always
  self-test vectors (libgnutls has a dozen).
- keystore, keystore-default-password, encrypted-keystore: Java (JKS, JCEKS) and PKCS#12 stores
  that hold (or may hold) keys; trust stores such as cacerts hold only certificates and are no
  secret (`analyzer.secrets.keystores`). Value "<format>:<sha256 of the file>".
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
- php-define: string constants of PHP files given to a secret name (`define('DB_PASSWORD',
  ...)`, WordPress's keys and salts; `analyzer.secrets.app_configs`).
- connection-string: the password of an ADO.NET / ODBC / JDBC connection string in a .NET
  `.config` XML file (web.config, app.config) or an ASP.NET Core appsettings*.json;
  secret-named appSettings are keyword hits.
- application-key: a key an application signs or encrypts its sessions with: the
  validationKey / decryptionKey of an ASP.NET `<machineKey>` (hex, in a .config), the
  `"Jwt": {"Key": ...}` of an appsettings*.json, Drupal's `$settings['hash_salt']`, Magento's
  `'crypt' => ['key' => ...]`, Laravel's `.env` `APP_KEY=base64:...`
  (`analyzer.secrets.app_configs`): whoever has it forges sessions, cookies or ViewState.
- database-url: postgres, mysql, mongodb, redis, amqp, mssql URLs with a password, in text files.
- htpasswd: user:hash lines in htpasswd files, or files made only of such lines: offline cracking.
- keyword: a value assigned to a secret name where the file's kind says credential (a setting
  in configuration, a credential-shaped literal in code: `analyzer.secrets.assignments`); the
  rule is detect-secrets' Secret Keyword, whose guess this confirms.

Placeholders (`is_placeholder`) are never hits. One line is reported under one kind only (the
most specific, in the order above, with gcp-service-account before private-key).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from analyzer.secrets.app_configs import (
    APP_KEY_MARKERS,
    CONFIG_MARKERS,
    PHP_MARKERS,
    connection_strings,
    json_connection_strings,
    jwt_keys,
    machine_keys,
    php_app_keys,
    php_defines,
)
from analyzer.secrets.assignments import credential_assignments, dotenv, unquote
from analyzer.secrets.cloud_files import AZURE_MARKERS, azure, kubeconfig, kubernetes_secrets
from analyzer.secrets.filekind import DOTENV_NAME, HISTORY_NAME
from analyzer.secrets.history import history_credentials, history_presence
from analyzer.secrets.keys import gcp_service_account, private_keys
from analyzer.secrets.keystores import keystores
from analyzer.secrets.markers import MarkerSet
from analyzer.secrets.structure_formats import (
    Found,
    Source,
    docker_auths,
    is_placeholder,
    is_text_data,
    netrc_passwords,
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
        yield Found(number, unquote(m.group(1)), "password" + _in_section(section))


def _git_credentials(src: Source) -> Iterator[Found]:
    for number, line in enumerate(src.lines, 1):
        if m := _GIT_CREDENTIAL.match(line):  # the user is the token in the x-oauth-basic form
            token = m.group(1) if m.group(2) in ("", "x-oauth-basic") else m.group(2)
            yield Found(number, token, f"credential for {m.group(3)[:100]}")


_PGPASS_FIELD = re.compile(r"(?:[^:\\]|\\.)*")
"""One field of a .pgpass line: `\\:` and `\\\\` are escaped, any other `:` ends it."""


def _pgpass(src: Source) -> Iterator[Found]:
    """hostname:port:database:username:password lines of a PostgreSQL password file (libpq
    reads the first four fields as patterns, `*` matching anything; comments start with #)."""
    for number, line in enumerate(src.lines, 1):
        if line.lstrip().startswith("#"):
            continue
        fields: list[str] = []
        at = 0
        while len(fields) < 5:
            field = _PGPASS_FIELD.match(line, at)
            assert field is not None  # the pattern matches the empty string
            fields.append(field.group())
            at = field.end() + 1
            if field.end() >= len(line) or line[field.end()] != ":":
                break
        if len(fields) == 5 and fields[4]:
            password = re.sub(r"\\(.)", r"\1", fields[4])
            host, port, database, user = fields[:4]
            yield Found(
                number,
                password,
                f"password of {user[:60]} for {database[:60]} on {host[:60]}:{port[:8]}",
            )


def _npmrc(src: Source) -> Iterator[Found]:
    for number, line in enumerate(src.lines, 1):
        if m := _NPMRC.match(line):
            where = m.group(1) or "the default registry"
            yield Found(number, unquote(m.group(3)), f"{m.group(2)} for {where[:100]}")


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
_HISTORY = HISTORY_NAME.search
_DOTENV_NAME = DOTENV_NAME.search
_CONFIG = _path(r"\.[Cc][Oo][Nn][Ff][Ii][Gg]$")  # web.config, Web.config, app.exe.config
_APPSETTINGS = _path(r"(?i)/appsettings(?:\.[^/]*)?\.json$")  # ASP.NET Core's settings
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
    _Kind("azure-credentials", azure),
    _Kind("docker-config-auth", docker_auths, (b'"auths"', b'"auth"')),
    _Kind("git-credentials", _git_credentials, (b"@",), _path(r"/\.git-credentials$")),
    _Kind("netrc", netrc_passwords, (b"password",), _path(r"/[._]netrc$")),
    _Kind("npmrc-token", _npmrc, (b"_auth", b"_password"), _path(r"/\.?npmrc$")),
    _Kind("pypirc-password", _pypirc, (b"password",), _path(r"/\.pypirc$")),
    _Kind("pgpass", _pgpass, (), _path(r"/\.pgpass$"), text_only=True),
    _Kind("kubeconfig", kubeconfig, (b"users:",), text_only=True),
    _Kind("kubernetes-secret", kubernetes_secrets, (b"kind: Secret",), text_only=True),
    _Kind("htpasswd", _htpasswd, text_only=True),
    _Kind("shell-history", history_presence, (), _HISTORY, literal=False),
    _Kind("history-credential", history_credentials, (), _HISTORY),
    _Kind("dotenv", dotenv, (b"=",), _DOTENV_NAME),
    _Kind("php-define", php_defines, PHP_MARKERS, text_only=True),
    _Kind("connection-string", connection_strings, CONFIG_MARKERS, _CONFIG, text_only=True),
    _Kind("connection-string", json_connection_strings, (), _APPSETTINGS, text_only=True),
    _Kind("application-key", machine_keys, (b"<machineKey",), _CONFIG, text_only=True),
    _Kind("application-key", jwt_keys, (), _APPSETTINGS, text_only=True),
    _Kind("application-key", php_app_keys, APP_KEY_MARKERS, text_only=True),
    _Kind("database-url", _database_urls, (b"://",), text_only=True),
    _Kind("keyword", credential_assignments, text_only=True),
)


MARKERS = MarkerSet(frozenset(m for kind in _KINDS for m in kind.markers) | AZURE_MARKERS)
BINARY_MARKERS = MarkerSet(
    frozenset(
        m for kind in _KINDS if kind.path is None and not kind.text_only for m in kind.markers
    )
    | AZURE_MARKERS
)
"""The markers a binary file is searched for: those of the kinds that read binaries whatever
their name (the azure reader looks for its own). Most of a Debian image's bytes are binaries,
and the short markers only text or a named file needs ("=", "@", "://") halve Hyperscan's
speed on them (390 MB: 0.12 -> 0.06 s)."""
_BINARY_NAMED = tuple(
    kind.path
    for kind in _KINDS
    if kind.path is not None
    and not kind.text_only
    and not set(kind.markers) <= set(BINARY_MARKERS.markers)
)
"""The name tests of the kinds that read a binary with a given name for markers of their own:
such a file is searched for every marker."""


def _markers(path: str, data: bytes, is_text: bool) -> frozenset[bytes]:
    """The markers `data` holds, of those its kinds could need (see BINARY_MARKERS)."""
    if is_text or any(named(path) for named in _BINARY_NAMED):
        return MARKERS.found_in(data)
    return BINARY_MARKERS.found_in(data)


@functools.lru_cache(maxsize=1024)
def _gated(markers: frozenset[bytes], is_text: bool) -> tuple[_Kind, ...]:
    """The kinds, in order, that a file with these markers, text or not, may hold: the
    content tests, asked once per combination (a handful in a whole image) rather than per
    file and kind; the path tests are left to the caller."""
    return tuple(
        kind
        for kind in _KINDS
        if not (kind.markers and markers.isdisjoint(kind.markers))
        and not (kind.text_only and not is_text)
    )


def structural_hits(path: str, data: bytes, is_text: bool | None = None) -> list[StructuralHit]:
    """Every sensitive value recognised by structure in one file (never raises); `is_text`:
    `is_text_data(data)`, when the caller has it already."""
    if is_text is None:
        is_text = is_text_data(data)
    src = Source(path, data, _markers(path, data, is_text), is_text)
    markers = src.markers
    hits: list[StructuralHit] = []
    claimed: dict[int, str] = {}
    for kind in _gated(markers, src.is_text):
        if kind.path is not None and not kind.path(path):
            continue
        for found in kind.find(src):
            if kind.literal and is_placeholder(found.value):
                continue
            if found.line and claimed.setdefault(found.line, kind.name) != kind.name:
                continue  # a more specific kind already reported this line
            name = found.kind or kind.name
            hits.append(StructuralHit(name, found.line, found.value, found.detail))
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

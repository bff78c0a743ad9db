"""Web application settings that hold credentials: PHP define() constants, .NET XML configs.

- php-define: `define('DB_PASSWORD', '...')` in a PHP file (WordPress's wp-config.php and its
  backups, any PHP application's settings). Reported: a constant whose name is a secret name
  (`analyzer.secrets.assignments.secret_name`) given a string literal: a database password
  (DB_PASSWORD, DB_PASS) whatever its shape, any other secret name only with a
  credential-shaped literal (PHP is code: a language file's `define('TXT_PASSWORD',
  'Passwort')` is a label). WordPress's AUTH_KEY, SECURE_AUTH_KEY, LOGGED_IN_KEY, NONCE_KEY
  and their *_SALT sign the login cookies: anyone who has them can forge a session, so they
  are reported too, except the sample's 'put your unique phrase here' or any other value
  made of words and spaces (a localised sample's 'Gib hier deine Zeichenkette ein'). A
  value that is a function call, a constant or a double-quoted string with a `$variable` in
  it is no literal; a define() after `//`, `#`, `/*` or a docblock's `*` on its line is a
  comment (WordPress's own pluggable.php shows example keys so); the file must open PHP
  code (`<?php`).
- connection-string: the password (`Password=`, `Pwd=`, OLE DB Jet's `Jet OLEDB:Database
  Password=`) of an ADO.NET, ODBC, OLE DB or JDBC-style connection string in an attribute or
  element text of a `.config` file (web.config, app.config, *.exe.config): `<add name="db"
  connectionString="Server=db;User Id=sa;Password=...;"/>`, and of the provider connection
  string an Entity Framework connection string quotes inside its own (`provider connection
  string=&quot;data source=db;...;password=...&quot;`). appSettings `<add key="DbPassword"
  value="..."/>` and applicationSettings `<setting name="ApiKey"><value>...</value>
  </setting>` whose name is a secret name are `keyword` hits (a value given to a secret
  name in configuration).
  Values that are references (`%DB_PASSWORD%`, `$(DbPassword)`, `#{DbPassword}`, `${...}`,
  `@file`) or switches are no hits, as in every configuration file
  (`analyzer.secrets.assignments.literal_setting`). ASP.NET Core keeps the same connection
  strings in appsettings.json and appsettings.<Environment>.json (`"ConnectionStrings":
  {"Default": "Server=db;...;Password=..."}`): every JSON string of those files is read the
  same way (`json_connection_strings`); their secret-named keys are `keyword` hits already.

PHP's function names are case-insensitive: `DEFINE(` and `Define(` are read as `define(`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

from analyzer.secrets.assignments import (
    NOT_SECRET_VALUE,
    PROSE,
    credential_shaped,
    literal_setting,
    secret_name,
)
from analyzer.secrets.structure_formats import Found, Source

PHP_MARKERS = (b"define(", b"define (", b"DEFINE(", b"DEFINE (", b"Define(", b"Define (")
CONFIG_MARKERS = (b"onnectionString", b"<appSettings", b"<applicationSettings")
"""Any one of these lets `connection_strings` read a `.config` file (with the path test): the
sections that hold connection strings and settings (connectionStrings, a log4net or Enterprise
Library connectionString, appSettings, applicationSettings). Long literals: Hyperscan finds
them at no measurable cost, where short ones (`wd=`) slow the one marker scan every file gets."""

# ---- PHP define() ----------------------------------------------------------------------------

_DEFINE = re.compile(
    r"""(?<![\w$>:])(?i:define)\s*\(\s*(['"])([A-Za-z_][A-Za-z0-9_]*)\1\s*,\s*"""
    r"""(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*[,)]"""
)
_WORDPRESS_KEY = re.compile(r"(?:AUTH|SECURE_AUTH|LOGGED_IN|NONCE)_(?:KEY|SALT)")
_DATABASE_PASSWORD = re.compile(r"(?i)(?:^|_)DB_?(?:PASSWORD|PASSWD|PASS|PWD)$")
_LINE_COMMENT = re.compile(r"^\s*\*|//|#|/\*", re.M)
"""Before a define() on its line: it is in a comment (a docblock's example, an old value)."""
_PHP_OPEN = re.compile(rb"<\?php", re.I)
_INTERPOLATION = re.compile(r"(?<!\\)\$[A-Za-z_{]|\{\$")


def php_defines(src: Source) -> Iterator[Found]:
    """String constants of a PHP file whose name says they hold a secret.

    >>> [f.value for f in php_defines(Source("/w/wp-config.php",
    ...     b"<?php\\ndefine( 'DB_PASSWORD', 'Wp9oKm3nJb6V' );\\ndefine('DB_USER', 'wp');"))]
    ['Wp9oKm3nJb6V']
    """
    if not _PHP_OPEN.search(src.data):
        return  # JavaScript's define(), a C macro named ...define(: not PHP
    text = src.text
    for m in _DEFINE.finditer(text):
        value = _php_string(m)
        if (
            value is not None
            and _php_secret(m.group(2), value)
            and not _LINE_COMMENT.search(text, text.rfind("\n", 0, m.start()) + 1, m.start())
        ):
            line = src.line_at(m.start(3) if m.group(3) is not None else m.start(4))
            yield Found(line, value, f"{m.group(2)[:100]} in a PHP define()")


def _php_string(m: re.Match[str]) -> str | None:
    """The literal's value (PHP's escapes undone); None for an interpolated string."""
    if m.group(3) is not None:
        return re.sub(r"\\([\\'])", r"\1", m.group(3))
    if _INTERPOLATION.search(m.group(4)):
        return None
    return re.sub(r"\\([\\\"$])", r"\1", m.group(4))


def _php_secret(name: str, value: str) -> bool:
    if _WORDPRESS_KEY.fullmatch(name):
        return not PROSE.fullmatch(value)  # a localised sample's 'mettez une phrase unique ici'
    if not secret_name(name) or NOT_SECRET_VALUE.fullmatch(value) or PROSE.fullmatch(value):
        return False
    return bool(_DATABASE_PASSWORD.search(name)) or credential_shaped(value)


# ---- .NET XML configuration ------------------------------------------------------------------

_XML_TEXT = re.compile(r"""=\s*"([^"]*)"|=\s*'([^']*)'|>([^<]+)<""")
"""An attribute's value (either quote) or an element's text."""
_PASSWORD_KEY = re.compile(r"(?i)(?:^|[;&?\"'])\s*(?:jet\s+oledb:database\s+)?(?:password|pwd)\s*=")
"""A password key: ADO.NET's and ODBC's `Password=`/`Pwd=`, OLE DB Jet's (Access's)
`Jet OLEDB:Database Password=`; after a quote too (the first pair of a quoted inner
connection string)."""
_PASSWORD_KEYS = ("password", "pwd", "jet oledb:database password")
_INNER_KEY = "provider connection string"
"""Entity Framework's connection string quotes the provider's own as this key's value:
`metadata=res://...;provider=System.Data.SqlClient;provider connection string="data
source=db;user id=app;password=..."` (in a .config's attribute, the quotes are `&quot;`)."""
_PAIR = re.compile(
    r"""\s*([^=;]+?)\s*=\s*("(?:[^"]|"")*"|'(?:[^']|'')*'|\{(?:[^}]|\}\})*\}|[^;]*)"""
)
_JDBC_PAIR = re.compile(r"""([^=;&?]+?)\s*=\s*([^;&]*)""")
_USER_KEYS = ("user id", "userid", "uid", "user", "username", "user name")
_HOST_KEYS = ("server", "data source", "host", "address", "addr", "network address", "dsn")
_APP_SETTING = re.compile(
    r"""<add\s+key\s*=\s*(["'])([^"'<>]*)\1\s+value\s*=\s*(?:"([^"]*)"|'([^']*)')"""
)
_APPLICATION_SETTING = re.compile(
    r"""<setting\s+name\s*=\s*(["'])([^"'<>]*)\1[^>]*>\s*<value>([^<]*)</value>"""
)


def connection_strings(src: Source) -> Iterator[Found]:
    """Connection-string passwords (kind connection-string) and secret-named settings (kind
    keyword) of a .NET XML configuration file.

    >>> [(f.value, f.detail) for f in connection_strings(Source("/app/web.config",
    ...     b'<add name="db" connectionString="Server=db;User Id=sa;Password=Wc3&amp;v;"/>'))]
    [('Wc3&v', 'password of a connection string for user sa')]
    """
    text = src.text
    for m in _XML_TEXT.finditer(text):
        group = m.lastindex or 0
        raw = m.group(group)
        if _PASSWORD_KEY.search(raw):
            unescaped = html.unescape(raw)
            for offset, password, detail in _connection_password(unescaped):
                line = src.line_at(m.start(group)) + unescaped.count("\n", 0, offset)
                yield Found(line, password, detail)
    for m in _APP_SETTING.finditer(text):
        value = m.group(3) if m.group(3) is not None else m.group(4)
        yield from _setting(src, m.group(2), value, m.start(2), "appSettings")
    for m in _APPLICATION_SETTING.finditer(text):
        yield from _setting(src, m.group(2), m.group(3), m.start(3), "applicationSettings")


_JSON_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def json_connection_strings(src: Source) -> Iterator[Found]:
    """Connection-string passwords in the JSON strings of an ASP.NET Core appsettings file.

    >>> [(f.line, f.value) for f in json_connection_strings(Source("/app/appsettings.json",
    ...     b'{"ConnectionStrings": {\\n "Db": "Server=db;User Id=sa;Password=Qx7\\\\"v;"}}'))]
    [(2, 'Qx7"v')]
    """
    text = src.text
    for m in _JSON_STRING.finditer(text):
        raw = m.group(1)
        if not _PASSWORD_KEY.search(raw):
            continue
        try:
            value = json.loads(f'"{raw}"')
        except ValueError:
            continue  # not JSON's escapes: not a string JSON would read
        for _, password, detail in _connection_password(value):
            yield Found(src.line_at(m.start(1)), password, detail)  # a JSON string is one line


def _setting(src: Source, name: str, raw: str, at: int, where: str) -> Iterator[Found]:
    value = html.unescape(raw).strip()
    if secret_name(name) and literal_setting(value) and not _PASSWORD_KEY.search(value):
        yield Found(src.line_at(at), value, f"{name[:100]} in {where}", kind="keyword")


def _connection_password(text: str) -> Iterator[tuple[int, str, str]]:
    """(offset, password, detail) of the password of a connection string with more in it than
    its password (a server, a user, a database...).

    >>> list(_connection_password("Data Source=db;Pwd='a;b';Initial Catalog=shop"))
    [(15, 'a;b', 'password of a connection string to db')]
    >>> list(_connection_password("jdbc:mysql://db/shop?user=app&password=Jm4kQ9"))
    [(30, 'Jm4kQ9', 'password of a connection string for user app')]
    >>> list(_connection_password("Server=db;Integrated Security=SSPI"))
    []
    >>> [p for _, p, _ in _connection_password(
    ...     'metadata=res://*/M.csdl;provider connection string="data source=db;pwd=Ef5v;x=1"')]
    ['Ef5v']
    """
    jdbc = text.lstrip().lower().startswith("jdbc:")
    pairs = [
        (m.start(), " ".join(m.group(1).lower().split()), m.group(2).strip())
        for m in (_JDBC_PAIR if jdbc else _PAIR).finditer(text)
    ]
    for offset, key, raw in pairs:
        if key == _INNER_KEY and len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
            start = text.find(raw, offset) + 1
            for at, password, detail in _connection_password(_connection_value(raw)):
                yield start + at, password, detail
    pairs = [(offset, key, _connection_value(raw)) for offset, key, raw in pairs]
    settings = {key: value for _, key, value in pairs}
    if len(settings) < 2:
        return
    user = next((settings[k] for k in _USER_KEYS if settings.get(k)), "")
    host = next((settings[k] for k in _HOST_KEYS if settings.get(k)), "")
    where = f" for user {user[:60]}" if user else f" to {host[:100]}" if host else ""
    for offset, key, value in pairs:
        if key in _PASSWORD_KEYS and literal_setting(value):
            yield offset, value, f"password of a connection string{where}"


def _connection_value(value: str) -> str:
    """A value without its quotes or ODBC braces (doubled quotes and braces undone)."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1].replace(value[0] * 2, value[0])
    if len(value) >= 2 and value[0] == "{" and value[-1] == "}":
        return value[1:-1].replace("}}", "}")
    return value


# ---- application keys ----------------------------------------------------------------------

APP_KEY_MARKERS = (b"hash_salt", b"'crypt'", b'"crypt"')
"""Drupal's and Magento's key settings: `php_app_keys` reads a PHP file holding one."""

_DRUPAL_SALT = re.compile(
    r"""\$settings\s*\[\s*(['"])hash_salt\1\s*\]\s*=\s*"""
    r"""(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*;"""
)
_MAGENTO_CRYPT = re.compile(
    r"""(['"])crypt\1\s*=>\s*(?:\[|array\s*\()\s*(['"])key\2\s*=>\s*"""
    r"""(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")"""
)
_APP_KEYS = (
    (_DRUPAL_SALT, "Drupal $settings['hash_salt'] (signs one-time login links and form tokens)"),
    (_MAGENTO_CRYPT, "Magento crypt key (decrypts the payment and integration secrets it stores)"),
)


def php_app_keys(src: Source) -> Iterator[Found]:
    """The keys a PHP application signs or encrypts with, as literals in its settings:
    Drupal's `$settings['hash_salt'] = '...';` (sites/*/settings.php), Magento's
    `'crypt' => ['key' => '...']` (app/etc/env.php).

    >>> [f.detail[:22] for f in php_app_keys(Source("/w/settings.php",
    ...     b"<?php\\n$settings['hash_salt'] = 'Hs9-Pn3xRw7Vb2Kq5Ty8Lm1Zc4';"))]
    ["Drupal $settings['hash"]
    """
    if not _PHP_OPEN.search(src.data):
        return
    text = src.text
    for pattern, detail in _APP_KEYS:
        for m in pattern.finditer(text):
            single, double = m.group(m.re.groups - 1), m.group(m.re.groups)
            value = single if single is not None else double
            start = m.start(m.re.groups - 1) if single is not None else m.start(m.re.groups)
            if _LINE_COMMENT.search(text, text.rfind("\n", 0, m.start()) + 1, m.start()):
                continue  # an example in a comment or a docblock
            if _key_literal(value) and not (double is not None and _INTERPOLATION.search(value)):
                yield Found(src.line_at(start), value, detail, kind="application-key")


_MACHINE_KEY = re.compile(r"<machineKey\b([^>]*)>")
_MACHINE_KEY_ATTRIBUTE = re.compile(
    r"""(?<![\w:.-])(validationKey|decryptionKey)\s*=\s*(?:"([^"]*)"|'([^']*)')"""
)
_HEX_KEY = re.compile(r"[0-9A-Fa-f]{16,}")
_MACHINE_KEY_USE = {
    "validationKey": "signs ViewState and authentication cookies",
    "decryptionKey": "encrypts ViewState and authentication cookies",
}


def machine_keys(src: Source) -> Iterator[Found]:
    """The explicit keys of an ASP.NET `<machineKey>` in a .config file: whoever has them forges
    ViewState (code execution on the server) and authentication cookies. The default
    `AutoGenerate,IsolateApps` is no key; a machineKey inside `<!-- -->` is an example.

    >>> [f.detail for f in machine_keys(Source("/w/web.config",
    ...     b'<machineKey validationKey="AutoGenerate" decryptionKey="8A7B6C5D4E3F2A1B"/>'))]
    ['decryptionKey of an ASP.NET machineKey (encrypts ViewState and authentication cookies)']
    """
    text = src.text
    for m in _MACHINE_KEY.finditer(text):
        if text.rfind("<!--", 0, m.start()) > text.rfind("-->", 0, m.start()):
            continue  # commented out
        for a in _MACHINE_KEY_ATTRIBUTE.finditer(m.group(1)):
            group = 2 if a.group(2) is not None else 3
            value = a.group(group).strip()
            if _HEX_KEY.fullmatch(value):
                line = src.line_at(m.start(1) + a.start(group))
                detail = f"{a.group(1)} of an ASP.NET machineKey ({_MACHINE_KEY_USE[a.group(1)]})"
                yield Found(line, value, detail, kind="application-key")


_JWT_SECTION = re.compile(r"(?i)jwt\w*")
_JWT_KEY = frozenset({"key", "secret", "secretkey", "signingkey", "issuersigningkey"})


def jwt_keys(src: Source) -> Iterator[Found]:
    """The signing key of an ASP.NET Core appsettings `"Jwt": {"Key": "..."}` section (Jwt,
    JwtSettings, JwtBearer...: anyone with it mints tokens the service accepts).

    >>> [(f.line, f.detail) for f in jwt_keys(Source("/app/appsettings.json",
    ...     b'{"Jwt": {\\n "Issuer": "shop", "Key": "Jw6-Pq3zLm8VbNx2Rt5Kc9Hy4Wd7"}}'))]
    [(2, 'Jwt:Key in appsettings (signs the JSON Web Tokens the service accepts)')]
    """
    yield from _jwt_sections(src, src.json, 0)


def _jwt_sections(src: Source, node: object, depth: int) -> Iterator[Found]:
    if not isinstance(node, dict) or depth > 8:
        return
    for name, section in node.items():
        if _JWT_SECTION.fullmatch(name) and isinstance(section, dict):
            for key, value in section.items():
                if key.lower() in _JWT_KEY and isinstance(value, str) and _key_literal(value):
                    line = src.line_of(json.dumps(value)[1:-1]) or src.line_of(value)
                    detail = f"{name[:60]}:{key[:60]} in appsettings (signs the JSON Web Tokens"
                    yield Found(
                        line, value, f"{detail} the service accepts)", kind="application-key"
                    )
        else:
            yield from _jwt_sections(src, section, depth + 1)


def _key_literal(value: str) -> bool:
    """A literal that can be a key: 16 characters or more, no blank, not a reference."""
    return len(value) >= 16 and not any(c.isspace() for c in value) and literal_setting(value)

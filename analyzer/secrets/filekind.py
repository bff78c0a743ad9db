"""What kind of file a value was found in: configuration, .env, shell history, code or data.

The kind decides what a keyword or entropy guess is worth (`analyzer.secrets.assignments`): a
password assigned in a configuration file is a credential; the same word in a program, a header
or a data table is most often a name, a test vector or a lookup key.
"""

from __future__ import annotations

import enum
import re


class FileKind(enum.Enum):
    """Where a secret-looking value sits, by what the file is for."""

    CONFIG = "config"
    """Settings: under /etc or a config directory, a configuration format (.conf, .ini,
    .yaml...) or a name that says so (settings.json, credentials, .npmrc...)."""
    DOTENV = "dotenv"
    HISTORY = "history"
    CODE = "code"
    """Programs and scripts: a source extension, or a text file that starts with #!."""
    DATA = "data"
    """Everything else: documentation, tables, web pages, packaged data."""


HISTORY_NAME = re.compile(
    r"/(?:\.(?:bash|zsh|sh|ash|python|mysql|psql|rediscli)_history|fish_history)$"
)
DOTENV_NAME = re.compile(r"/(?:[^/]*\.env|\.env\.[^/]*)$")
_CONFIG_PLACE = re.compile(
    r"^/(?:usr/local/)?etc/|/(?:conf|config|configs|configuration|settings|secrets|\.config)/"
)
_CONFIG_NAME = re.compile(
    r"(?:^|[._-])(?:app)?(?:config|conf|cfg|settings|credentials|secrets)(?:$|[._-])"
    r"|^\.[\w.-]*rc$|^\.(?:pgpass|s3cfg|boto|git-credentials)$",
    re.I,
)
_CONFIG_WORDS = "conf cnf cfg cf ini properties toml yaml yml hcl tfvars plist prefs"
_CODE_WORDS = (
    "py pyi pyx pxd pl pm t rb js mjs cjs jsx ts tsx go java kt kts scala groovy gradle c h "
    "cc cpp cxx hh hpp hxx ipp inl m mm cs fs vb php phtml sh bash zsh ksh fish ps1 psm1 bat "
    "cmd lua tcl tm td m4 ac am cmake mk vim el lisp scm clj r jl swift rs dart ex exs erl "
    "hrl hs ml mli nim zig v sv vhd awk sed sql pas d f f90 asm s"
)
_CONFIG_EXTENSIONS = frozenset(_CONFIG_WORDS.split())
_CODE_EXTENSIONS = frozenset(_CODE_WORDS.split())


def file_kind(path: str, head: bytes) -> FileKind:
    """The kind of the file at `path` whose content starts with `head`.

    >>> file_kind("/etc/nsswitch.conf", b""), file_kind("/app/config.py", b"")
    (<FileKind.CONFIG: 'config'>, <FileKind.CODE: 'code'>)
    >>> file_kind("/usr/bin/c_rehash", b"#!/usr/bin/perl"), file_kind("/usr/share/a.enc", b"")
    (<FileKind.CODE: 'code'>, <FileKind.DATA: 'data'>)
    """
    if HISTORY_NAME.search(path):
        return FileKind.HISTORY
    if DOTENV_NAME.search(path):
        return FileKind.DOTENV
    name = path[path.rfind("/") + 1 :]
    extension = name.rpartition(".")[2].lower() if "." in name.lstrip(".") else ""
    if _CONFIG_PLACE.search(path):  # the system's settings, even when written as scripts
        return FileKind.CONFIG
    if extension in _CODE_EXTENSIONS:
        return FileKind.CODE
    stem = name.rpartition(".")[0] if extension else name
    if extension in _CONFIG_EXTENSIONS or _CONFIG_NAME.search(stem or name):
        return FileKind.CONFIG
    return FileKind.CODE if head.startswith(b"#!") else FileKind.DATA

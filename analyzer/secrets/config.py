"""Secrets in the image config: ENV values, labels, entrypoint/cmd, healthcheck, ONBUILD,
SHELL, build history lines and comments, and the manifest's annotations.

Each source is handed to the secrets engine as a small text of its own (an ENV entry or label
as KEY=value, so detect-secrets' keyword and INI logic apply; a command argument by argument),
and command lines are also read as shell commands (`curl -u user:pass`, `mysql -pX`). ENV
variables whose name says "secret" are reported on their own when their value is not a
placeholder or a file reference. The values found also feed the Scrubber, which keeps them out
of every output that quotes the config.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from analyzer.image.config import history_step_layers
from analyzer.image.model import ImageConfig
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.scrubber import Scrubber
from analyzer.secrets.structure import is_placeholder, structural_hits

__all__ = ["ConfigSecret", "Scrubber", "archive_scrubber", "config_secrets", "scrubber_for"]

_SECRET_NAME = re.compile(
    r"PASSW(?:OR)?D|PASSWD|_PWD$|^PWD_|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|"
    r"CREDENTIAL|_AUTH$|^AUTH_",
    re.I,
)
_FILE_REFERENCE = re.compile(r"_FILE$|_PATH$|_DIR$", re.I)


def secret_env(name: str, value: str) -> bool:
    """True for an ENV variable that holds a secret value (not a path to one).

    >>> secret_env("DB_PASSWORD", "s3cr3t-Pa55"), secret_env("DB_PASSWORD_FILE", "/run/x")
    (True, False)
    >>> secret_env("PATH", "/usr/bin"), secret_env("API_TOKEN", "${API_TOKEN}")
    (False, False)
    """
    if not _SECRET_NAME.search(name) or _FILE_REFERENCE.search(name):
        return False
    return bool(value) and not value.startswith("/") and not is_placeholder(value)


@dataclass(frozen=True, slots=True)
class ConfigSecret:
    """A secret in the config (the raw value never leaves the secrets package unredacted)."""

    kind: str
    source: str
    """"ENV DB_PASSWORD", "ENV", "LABEL", "ENTRYPOINT/CMD", "HEALTHCHECK", "ONBUILD",
    "SHELL", "ANNOTATION" or "history step 4"."""
    value: str
    layer: int | None
    """The layer a history step produced (None for ENV, labels and empty-layer steps)."""

    @property
    def origin(self) -> str:
        """The source without a history step's number: what the finding's fingerprint uses,
        so that adding an earlier build step does not make a known secret look new."""
        return _origin(self.source)


def _origin(source: str) -> str:
    return "history" if source.startswith("history step") else source


@dataclass(frozen=True, slots=True)
class _Source:
    """A text of the config to look at: by the engine, as a shell command, or both."""

    name: str
    text: str
    layer: int | None
    engine: bool = True
    shell: bool = False


def _sources(
    config: ImageConfig, layer_count: int, raw_config: bytes, raw_manifest: bytes
) -> list[_Source]:
    """Every text of the config (and the manifest's annotations), each on its own: the engine
    stops after its first pass that finds anything, so one text per ENV entry, label and
    command argument lets each be judged (a value the keyword plugin takes runs to the end of
    its text, and must not swallow the next argument: the scrubber looks for it verbatim).
    Command lines are also read as shell commands (`-u user:pass`, `-p pass`)."""
    sources = [_Source("ENV", entry, None) for entry in config.env]
    sources += [_Source("LABEL", f"{key}={value}", None) for key, value in config.labels]
    sources += _command("ENTRYPOINT/CMD", config.entrypoint + config.cmd)
    sources += _command("HEALTHCHECK", config.healthcheck or ())
    extra = _json_object(raw_config).get("config") or {}
    if isinstance(extra, dict):
        for instruction in _strings(extra.get("OnBuild")):
            sources.append(_Source("ONBUILD", instruction, None, shell=True))
        sources += _command("SHELL", _strings(extra.get("Shell")))
    layers = history_step_layers(config, layer_count)
    for i, step in enumerate(config.history):
        sources.append(_Source(f"history step {i}", step.created_by, layers[i], shell=True))
        if step.comment:
            sources.append(_Source(f"history step {i}", step.comment, layers[i]))
    sources += [
        _Source("ANNOTATION", f"{key}={value}", None)
        for key, value in annotation_pairs(_json_object(raw_manifest))
    ]
    return sources


def _command(name: str, arguments: Sequence[str]) -> list[_Source]:
    """Each argument for the engine, and the command line as a shell command."""
    if not arguments:
        return []
    each = [_Source(name, argument, None) for argument in arguments]
    return [*each, _Source(name, " ".join(arguments), None, engine=False, shell=True)]


def annotation_pairs(document: Any) -> list[tuple[str, str]]:
    """Every (key, value) of every `annotations` object in a manifest or index document.

    >>> annotation_pairs({"annotations": {"a": "1"}, "layers": [{"annotations": {"b": "2"}}]})
    [('a', '1'), ('b', '2')]
    """
    found: list[tuple[str, str]] = []
    stack = [document]
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            notes = item.get("annotations")
            if isinstance(notes, dict):
                found += [(str(k), v) for k, v in notes.items() if isinstance(v, str)]
            stack += [v for k, v in item.items() if k != "annotations"]
        elif isinstance(item, list):
            stack += item
    return found


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def config_secrets(
    config: ImageConfig,
    layer_count: int,
    engine: SecretEngine,
    raw_config: bytes = b"",
    raw_manifest: bytes = b"",
) -> list[ConfigSecret]:
    """Every secret in the config (the raw documents add ONBUILD, SHELL and the manifest's
    annotations), one per (source, value)."""
    found: list[ConfigSecret] = []
    seen: set[tuple[str, str]] = set()
    for name, value in (e.split("=", 1) for e in config.env if "=" in e):
        if secret_env(name, value):
            seen.add(("ENV", value))
            found.append(ConfigSecret("env", f"ENV {name}", value, None))
    for source in _sources(config, layer_count, raw_config, raw_manifest):
        for kind, value in _secrets_in(source, engine):
            if is_placeholder(value) or (_origin(source.name), value) in seen:
                continue  # a value repeated in later build steps is reported at the first
            seen.add((_origin(source.name), value))
            found.append(ConfigSecret(kind, source.name, value, source.layer))
    return found


def _secrets_in(source: _Source, engine: SecretEngine) -> list[tuple[str, str]]:
    """detect-secrets' hits, plus shell-command credentials (curl -u, mysql -p...)."""
    shell: list[tuple[str, str]] = []
    if source.shell:  # a build step or a command line: read it as a shell history line
        shell = [
            (h.kind, h.value)
            for h in structural_hits(_AS_HISTORY, source.text.encode())
            if h.kind == "history-credential"
        ]
    if not source.engine:
        return shell
    name = f"image-config/{source.name.split(maxsplit=1)[0].lower()}"
    found = _engine_values(engine, name, source.text)
    if any(" " in value for _, value in found):
        # A keyword value runs to the end of its text: in `app --password=PW --user=bob` it is
        # "PW --user=bob". Each shell word is judged on its own, and a value that merely
        # holds a narrower one (from a word or the shell patterns) is left out.
        words = [
            hit for word in _shell_words(source.text) for hit in _engine_values(engine, name, word)
        ]
        narrower = {value for _, value in words + shell}
        found = words + [
            (kind, value)
            for kind, value in found
            if not any(other != value and other in value for other in narrower)
        ]
    return list(dict.fromkeys(found + shell))


def _engine_values(engine: SecretEngine, name: str, text: str) -> list[tuple[str, str]]:
    return [(r.type, r.token or r.value) for r in engine.scan(name, text.encode())]


def _shell_words(text: str) -> list[str]:
    """The words a shell would split `text` into (plain whitespace if its quotes are odd).

    >>> _shell_words("exec app --password='a b' --user=bob"), _shell_words("echo 'x")
    (['exec', 'app', '--password=a b', '--user=bob'], ['echo', "'x"])
    """
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


_AS_HISTORY = "/root/.sh_history"


def archive_scrubber(
    documents: Iterable[bytes], engine: SecretEngine, images: Sequence[Scrubber] = ()
) -> Scrubber:
    """A Scrubber for the archive's own index documents (index.json, manifest.json): every
    image's secrets (the config's and those found in files), plus the secrets in the
    documents' annotations."""
    values = [
        value
        for raw in documents
        for key, note in annotation_pairs(_json_object(raw))
        for _, value in _secrets_in(_Source("ANNOTATION", f"{key}={note}", None), engine)
        if not is_placeholder(value)
    ]
    return Scrubber.union(images, values)


def scrubber_for(
    config: ImageConfig,
    layer_count: int,
    engine: SecretEngine,
    raw_config: bytes = b"",
    raw_manifest: bytes = b"",
) -> Scrubber:
    """A Scrubber for everything quoted from this image's config (history, labels, cmd) and
    manifest."""
    found = config_secrets(config, layer_count, engine, raw_config, raw_manifest)
    labels = [f"{key}={value}" for key, value in config.labels]
    return Scrubber(secrets=found, env=[*config.env, *labels])

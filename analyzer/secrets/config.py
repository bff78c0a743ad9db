"""Secrets in the image config: ENV values, labels, entrypoint/cmd and build history lines.

Each source is handed to the secrets engine as a small text (ENV as KEY=value lines, so
detect-secrets' keyword and INI logic apply), and ENV variables whose name says "secret" are
reported on their own when their value is not a placeholder or a file reference. The values
found also feed the Scrubber, which keeps them out of every output that quotes the config.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from analyzer.image.config import history_step_layers
from analyzer.image.model import ImageConfig
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.redact import redact
from analyzer.secrets.structure import is_placeholder, structural_hits

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
    """"ENV DB_PASSWORD", "LABEL", "ENTRYPOINT/CMD" or "history step 4"."""
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


def _sources(config: ImageConfig, layer_count: int) -> list[_Source]:
    # ENTRYPOINT/CMD: each argument on its own for the engine (a keyword value runs to the
    # end of its text and must not swallow the next argument: the scrubber looks for it
    # verbatim), and the command line as a shell command (`-u user:pass`, `-p pass`).
    command = config.entrypoint + config.cmd
    sources = [
        _Source("ENV", "\n".join(config.env), None),
        _Source("LABEL", "\n".join(f"{k}={v}" for k, v in config.labels), None),
        *(_Source("ENTRYPOINT/CMD", argument, None) for argument in command),
        _Source("ENTRYPOINT/CMD", " ".join(command), None, engine=False, shell=True),
    ]
    layers = history_step_layers(config, layer_count)
    sources += [
        _Source(f"history step {i}", step.created_by, layers[i], shell=True)
        for i, step in enumerate(config.history)
    ]
    return sources


def config_secrets(
    config: ImageConfig, layer_count: int, engine: SecretEngine
) -> list[ConfigSecret]:
    """Every secret in the config, one per (source, value)."""
    found: list[ConfigSecret] = []
    seen: set[tuple[str, str]] = set()
    for name, value in (e.split("=", 1) for e in config.env if "=" in e):
        if secret_env(name, value):
            seen.add(("ENV", value))
            found.append(ConfigSecret("env", f"ENV {name}", value, None))
    for source in _sources(config, layer_count):
        for kind, value in _secrets_in(source, engine):
            if is_placeholder(value) or (_origin(source.name), value) in seen:
                continue  # a value repeated in later build steps is reported at the first
            seen.add((_origin(source.name), value))
            found.append(ConfigSecret(kind, source.name, value, source.layer))
    return found


def _secrets_in(source: _Source, engine: SecretEngine) -> list[tuple[str, str]]:
    """detect-secrets' hits, plus shell-command credentials (curl -u, mysql -p...)."""
    found: list[tuple[str, str]] = []
    if source.engine:
        name = f"image-config/{source.name.split(maxsplit=1)[0].lower()}"
        found += [(r.type, r.token or r.value) for r in engine.scan(name, source.text.encode())]
    if source.shell:  # a build step or a command line: read it as a shell history line
        found += [
            (h.kind, h.value)
            for h in structural_hits(_AS_HISTORY, source.text.encode())
            if h.kind == "history-credential"
        ]
    return found


_AS_HISTORY = "/root/.sh_history"


class Scrubber:
    """Replaces known secret values with their redacted form in text quoted from the config."""

    def __init__(self, values: Iterable[str] = (), secrets: Iterable[ConfigSecret] = ()) -> None:
        self.secrets = tuple(secrets)
        """The config secrets the values came from, so the secrets detector reports them
        without scanning the config a second time."""
        self._values = sorted(
            {v for v in (*values, *(s.value for s in self.secrets)) if len(v) >= 4},
            key=len,
            reverse=True,
        )

    def __call__(self, text: str) -> str:
        """`text` with every known secret value redacted.

        >>> Scrubber(["hunter2-long"])("curl -u admin:hunter2-long x")
        'curl -u admin:hunt... (12 chars, sha256:92a797213174aa3c) x'
        """
        for value in self._values:
            if value in text:
                text = text.replace(value, str(redact(value)))
        return text


def scrubber_for(config: ImageConfig, layer_count: int, engine: SecretEngine) -> Scrubber:
    """A Scrubber for everything quoted from this image's config (history, labels, cmd)."""
    return Scrubber(secrets=config_secrets(config, layer_count, engine))

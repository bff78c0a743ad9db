"""Secrets in the image config and manifest: every string of them, and the image's names.

The fields an image's behaviour comes from are read first, each as a small text of its own: ENV
entries and labels as KEY=value (so detect-secrets' keyword and INI logic apply), entrypoint,
cmd, healthcheck and SHELL argument by argument and as a shell command (`curl -u user:pass`,
`mysql -pX`), ONBUILD instructions and build history lines as shell commands, the manifest's
annotations as KEY=value. ENV variables whose name says "secret" are reported on their own when
their value is not a placeholder or a file reference. Then every other string of the raw config
and manifest (author, container_config, WorkingDir, Volumes keys, StopSignal, unknown fields,
object keys...: "CONFIG <path>", "MANIFEST <path>"), the image's references ("REF") and, for a
scan, its file names and link targets ("FILE NAME <name>", see `name_secrets`).

A value is reported once per place it is a secret in among the fields first read (one per
ENV entry, label, command...; once for all history steps), and the other strings report only
values not reported already: a build container's config repeats the image's, and a token in a
file name is usually in a label or a command too.

The values found also feed the Scrubber, which keeps them out of every output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from analyzer.image.config import history_step_layers
from analyzer.image.model import Image, ImageConfig
from analyzer.secrets.documents import Path, document_strings
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.scrubber import Scrubber
from analyzer.secrets.sources import (
    Source,
    annotation_pairs,
    command,
    json_object,
    secrets_in,
    walked,
)
from analyzer.secrets.structure import is_placeholder
from analyzer.secrets.words import judged_words

__all__ = ["ConfigSecret", "Scrubber", "archive_scrubber", "config_secrets", "scrubber_for"]

_SECRET_NAME = re.compile(
    r"PASSW(?:OR)?D|PASSWD|_PWD$|^PWD_|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|"
    r"CREDENTIAL|_AUTH$|^AUTH_",
    re.I,
)
_FILE_REFERENCE = re.compile(r"_FILE$|_PATH$|_DIR$", re.I)
_SWITCH = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled"})
"""Values of a setting, never of a secret (`REQUIRE_AUTH=true`): as secrets they would also be
redacted from every text that says "true"."""


def secret_env(name: str, value: str) -> bool:
    """True for an ENV variable that holds a secret value (not a path to one).

    >>> secret_env("DB_PASSWORD", "s3cr3t-Pa55"), secret_env("DB_PASSWORD_FILE", "/run/x")
    (True, False)
    >>> secret_env("PATH", "/usr/bin"), secret_env("API_TOKEN", "${API_TOKEN}")
    (False, False)
    >>> secret_env("REQUIRE_AUTH", "true"), secret_env("TOKEN_AUTH", "Off")
    (False, False)
    """
    if not _SECRET_NAME.search(name) or _FILE_REFERENCE.search(name):
        return False
    if not value or value.startswith("/") or value.lower() in _SWITCH:
        return False
    return not is_placeholder(value)


@dataclass(frozen=True, slots=True)
class ConfigSecret:
    """A secret in the config (the raw value never leaves the secrets package unredacted)."""

    kind: str
    source: str
    """"ENV DB_PASSWORD", "ENV", "LABEL", "ENTRYPOINT/CMD", "HEALTHCHECK", "ONBUILD",
    "SHELL", "ANNOTATION", "history step 4", "REF", "CONFIG author", "MANIFEST subject"...
    (scrubbed: an ENV name or object key may hold a secret itself)."""
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


def _sources(
    config: ImageConfig, layer_count: int, document: dict[str, Any], raw_manifest: bytes
) -> list[Source]:
    """The fields an image's behaviour comes from, each on its own: the engine stops after
    its first pass that finds anything, so one text per ENV entry, label and command argument
    lets each be judged (a value the keyword plugin takes runs to the end of its text, and
    must not swallow the next argument: the scrubber looks for it verbatim)."""
    sources = [Source("ENV", entry, None) for entry in config.env]
    sources += [Source("LABEL", f"{key}={value}", None) for key, value in config.labels]
    sources += command("ENTRYPOINT/CMD", config.entrypoint + config.cmd)
    sources += command("HEALTHCHECK", config.healthcheck or ())
    extra = document.get("config") or {}
    if isinstance(extra, dict):
        for instruction in _strings(extra.get("OnBuild")):
            sources.append(Source("ONBUILD", instruction, None, shell=True))
        sources += command("SHELL", _strings(extra.get("Shell")))
    layers = history_step_layers(config, layer_count)
    for i, step in enumerate(config.history):
        sources.append(Source(f"history step {i}", step.created_by, layers[i], shell=True))
        if step.comment:
            sources.append(Source(f"history step {i}", step.comment, layers[i]))
    sources += [
        Source("ANNOTATION", f"{key}={value}", None)
        for key, value in annotation_pairs(json_object(raw_manifest))
    ]
    return sources


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _other_strings(
    document: dict[str, Any], raw_config: bytes, raw_manifest: bytes
) -> list[Source]:
    """Every string of the raw config and manifest that `_sources` did not read."""
    config = walked("CONFIG", document_strings(raw_config, _read_first(document)))
    manifest = document_strings(raw_manifest, lambda path: path[-1:] == ("annotations",))
    return config + walked("MANIFEST", manifest)


def _read_first(document: dict[str, Any]) -> Callable[[Path], bool]:
    """The config paths `_sources` reads (the runtime settings come from `config`, or from
    `container_config` when `config` is empty), and the build container's settings that
    merely repeat the image's."""
    runtime = "config" if document.get("config") else "container_config"
    read: set[Path] = {(runtime, key) for key in ("Env", "Labels", "Entrypoint", "Cmd")}
    read |= {(runtime, "Healthcheck", "Test"), ("config", "OnBuild"), ("config", "Shell")}
    read |= {("history", "created_by"), ("history", "comment")}
    image, build = document.get(runtime), document.get("container_config")
    if runtime == "config" and isinstance(image, dict) and isinstance(build, dict):
        read |= {("container_config", k) for k, v in build.items() if image.get(k) == v}
    return read.__contains__


def config_secrets(
    config: ImageConfig,
    layer_count: int,
    engine: SecretEngine,
    raw_config: bytes = b"",
    raw_manifest: bytes = b"",
    *,
    refs: Sequence[str] = (),
) -> list[ConfigSecret]:
    """Every secret in the config, manifest and references: one per (source, value) among
    the fields read first, then one per value not yet reported (see the module docstring).
    Source names are scrubbed of the values found."""
    found = _found(config, layer_count, engine, raw_config, raw_manifest, refs=refs)
    return list(Scrubber(secrets=found).secrets)


def _found(
    config: ImageConfig,
    layer_count: int,
    engine: SecretEngine,
    raw_config: bytes,
    raw_manifest: bytes,
    *,
    refs: Sequence[str],
) -> list[ConfigSecret]:
    found: list[ConfigSecret] = []
    seen: set[tuple[str, str]] = set()
    for name, value in (e.split("=", 1) for e in config.env if "=" in e):
        if secret_env(name, value):
            seen.add(("ENV", value))
            found.append(ConfigSecret("env", f"ENV {name}", value, None))
    document = json_object(raw_config)
    for source in _sources(config, layer_count, document, raw_manifest):
        for kind, value in secrets_in(source, engine):
            if not is_placeholder(value) and (_origin(source.name), value) not in seen:
                seen.add((_origin(source.name), value))  # later build steps: reported once
                found.append(ConfigSecret(kind, source.name, value, source.layer))
    reported = {value for _, value in seen}
    others = [Source("REF", ref, None) for ref in refs]
    for source in others + _other_strings(document, raw_config, raw_manifest):
        for kind, value in secrets_in(source, engine):
            if not is_placeholder(value) and value not in reported:
                reported.add(value)
                found.append(ConfigSecret(kind, source.name, value, source.layer))
    return found


def archive_scrubber(
    documents: Iterable[bytes], engine: SecretEngine, images: Sequence[Scrubber] = ()
) -> Scrubber:
    """A Scrubber for the archive's own index documents (index.json, manifest.json): every
    image's secrets (the config's and those found in files), plus the secrets in every string
    of the documents (annotations, tags, member names...)."""
    return Scrubber.union(images, archive_values(documents, engine))


def archive_values(documents: Iterable[bytes], engine: SecretEngine) -> list[str]:
    """The secret values in every string of the archive's index documents."""
    sources: list[Source] = []
    for raw in documents:
        notes = annotation_pairs(json_object(raw))
        sources += [Source("ANNOTATION", f"{key}={note}", None) for key, note in notes]
        strings = document_strings(raw, lambda path: path[-1:] == ("annotations",))
        sources += walked("ARCHIVE", strings)
    found = (value for source in sources for _, value in secrets_in(source, engine))
    return list(dict.fromkeys(value for value in found if not is_placeholder(value)))


def name_secrets(names: Iterable[tuple[str, int]], engine: SecretEngine) -> list[ConfigSecret]:
    """Secrets in file names and link targets, given as (name, layer) lowest layer first:
    each name the prefilter has a shape on is judged on its own (see `judged_words`), and a
    value is reported once, at the first name that holds it ("FILE NAME <name>")."""
    layers: dict[str, int] = {}
    for name, layer in names:
        layers.setdefault(name, layer)
    found: dict[str, ConfigSecret] = {}
    for name, secret in judged_words(engine, "image-names", list(layers), transforms=False):
        value = secret.token or secret.value
        if not is_placeholder(value) and value not in found:
            found[value] = ConfigSecret(secret.type, f"FILE NAME {name}", value, layers[name])
    return list(found.values())


def scrubber_for(
    config: ImageConfig,
    layer_count: int,
    engine: SecretEngine,
    raw_config: bytes = b"",
    raw_manifest: bytes = b"",
    *,
    refs: Sequence[str] = (),
    values: Iterable[str] = (),
    names: Iterable[tuple[str, int]] = (),
) -> Scrubber:
    """A Scrubber for everything quoted from this image: its config, manifest, references
    (`refs`) and file names (`names`, see `name_secrets`), and `values` found elsewhere (the
    archive's index documents). Its `secrets` are what the secrets detector reports."""
    found = config_secrets(config, layer_count, engine, raw_config, raw_manifest, refs=refs)
    known = {secret.value for secret in found}
    found += [s for s in name_secrets(names, engine) if s.value not in known]
    labels = [f"{key}={value}" for key, value in config.labels]
    return Scrubber(values, found, env=[*config.env, *labels])


def image_scrubber(
    image: Image,
    engine: SecretEngine,
    values: Iterable[str] = (),
    names: Iterable[tuple[str, int]] = (),
) -> Scrubber:
    """`scrubber_for` one image, its references included."""
    return scrubber_for(
        image.config,
        len(image.layers),
        engine,
        image.raw_config,
        image.raw_manifest,
        refs=image.refs,
        values=values,
        names=names,
    )

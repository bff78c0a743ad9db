"""Secrets in the image config and manifest: every string of them, and the image's names.

The fields an image's behaviour comes from are read first, each as a small text of its own: ENV
entries and labels as KEY=value (so detect-secrets' keyword and INI logic apply), entrypoint,
cmd, healthcheck and SHELL argument by argument and as a shell command (`curl -u user:pass`,
`mysql -pX`), ONBUILD instructions and build history lines as shell commands, the manifest's
annotations as KEY=value. ENV variables whose name says "secret" are reported on their own when
their value is not a placeholder or a file reference. Then every other string of the raw config
and manifest (author, container_config, WorkingDir, Volumes keys, StopSignal, unknown fields,
object keys...: "CONFIG <path>", "MANIFEST <path>"), the image's references ("REF") and, for a
scan, its file names and link targets ("FILE NAME <path>", "LINK TARGET <target> OF <path>") and
its files' extended attributes' names and text values ("XATTR NAME <attribute> ON <path>",
"XATTR VALUE OF <attribute> ON <path>", see `name_secrets`): those secrets name the file they
are found on.

A value is reported once per place it is a secret in among the fields first read (one per
ENV entry, label, command...; once for all history steps), and the other strings report only
values not reported already: a build container's config repeats the image's, and a token in a
file name is usually in a label or a command too.

The values found also feed the Scrubber, which keeps them out of every output.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from analyzer.image.config import history_step_layers
from analyzer.image.model import ArchiveDocument, Image, ImageConfig
from analyzer.secrets.assignments import NOT_SECRET_VALUE, secret_name
from analyzer.secrets.documents import DocumentString, Path, document_strings, entry_strings
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.scrubber import Scrubber
from analyzer.secrets.sources import (
    SHADOWED,
    Source,
    annotation_pairs,
    build_args,
    command,
    json_object,
    secrets_in,
    walked,
)
from analyzer.secrets.structure import is_placeholder
from analyzer.secrets.words import judged_words

__all__ = [
    "ArchiveSecret",
    "ConfigSecret",
    "Scrubber",
    "archive_scrubber",
    "archive_secrets",
    "config_secrets",
    "scrubber_for",
    "xattr_text",
]

_SWITCH = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled"})
"""Values of a setting, never of a secret (`REQUIRE_AUTH=true`): as secrets they would also be
redacted from every text that says "true"."""


def secret_env(name: str, value: str) -> bool:
    """True for an ENV variable (or build argument) that holds a secret value: its name says
    secret as a `.env` file's keys are judged (`assignments.secret_name`: `REDIS_PASS`,
    `APP_ENCRYPTION_KEY`, `LDAP_BIND_PW`, not `DB_PASSWORD_FILE` or `AUTH_USER`), and its value
    is not a path, a switch, a short number or a placeholder.

    >>> secret_env("DB_PASSWORD", "s3cr3t-Pa55"), secret_env("DB_PASSWORD_FILE", "/run/x")
    (True, False)
    >>> secret_env("RABBITMQ_DEFAULT_PASS", "s3cr3t-Pa55"), secret_env("PASS_MAX_DAYS", "99")
    (True, False)
    >>> secret_env("PATH", "/usr/bin"), secret_env("API_TOKEN", "${API_TOKEN}")
    (False, False)
    >>> secret_env("REQUIRE_AUTH", "true"), secret_env("TOKEN_AUTH", "Off")
    (False, False)
    """
    if not secret_name(name):
        return False
    if not value or value.startswith("/") or value.lower() in _SWITCH:
        return False
    return not NOT_SECRET_VALUE.fullmatch(value) and not is_placeholder(value)


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
    archive: bool = False
    """In the archive's own index.json or manifest.json rather than the image's documents."""
    path: str = ""
    """The file whose name, link target or attribute name holds the secret ("FILE NAME",
    "LINK TARGET", "XATTR NAME"); empty for the image's documents."""

    @property
    def origin(self) -> str:
        """The source without a history step's number: what the finding's fingerprint uses,
        so that adding an earlier build step does not make a known secret look new."""
        return _origin(self.source)


def _origin(source: str) -> str:
    return "history" if source.startswith("history step") else source


def _sources(config: ImageConfig, layer_count: int, document: dict[str, Any]) -> list[Source]:
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
    return sources


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _other_strings(document: dict[str, Any], raw_config: bytes) -> list[Source]:
    """Every string of the raw config that `_sources` did not read, but its identifiers."""
    strings = document_strings(raw_config, _read_first(document))
    return walked("CONFIG", (found for found in strings if not is_identifier(found)))


_ID = re.compile(r"[0-9a-f]{64}")
_SHORT_ID = re.compile(r"[0-9a-f]{12}")
_ID_PATHS = frozenset({("container",), ("id",), ("parent",)})
_IMAGE_PATHS = frozenset({("config", "Image"), ("container_config", "Image")})
_HOSTNAME_PATHS = frozenset({("config", "Hostname"), ("container_config", "Hostname")})


def is_identifier(found: DocumentString) -> bool:
    """The ids Docker writes into a config: the build container's (`container`, and the short
    form it uses as the container's host name), the parent image's and the legacy layer id.
    They are random hex by construction: as secrets they would be high-entropy alarms in
    nearly every docker-built image.

    >>> is_identifier(DocumentString(("container",), "ab" * 32, "container"))
    True
    >>> is_identifier(DocumentString(("config", "Hostname"), "adc9e5ad1f2b", "Hostname"))
    True
    >>> is_identifier(DocumentString(("config", "Hostname"), "db-primary", "Hostname"))
    False
    >>> is_identifier(DocumentString(("author",), "ab" * 32, "author"))
    False
    """
    if found.path in _ID_PATHS or found.path in _IMAGE_PATHS:
        return bool(_ID.fullmatch(found.text))
    return found.path in _HOSTNAME_PATHS and bool(_SHORT_ID.fullmatch(found.text))


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
    archive: Sequence[ConfigSecret] = (),
) -> list[ConfigSecret]:
    """Every secret in the config, manifest, references and `archive` (those of the archive's
    own documents that bear on the image, see `archive_secrets`): one per (source, value)
    among the fields read first, then one per value not yet reported (see the module
    docstring). Source names are scrubbed of the values found."""
    found = _found(
        config, layer_count, engine, raw_config, raw_manifest, refs=refs, archive=archive
    )
    return list(Scrubber(secrets=found).secrets)


def _found(
    config: ImageConfig,
    layer_count: int,
    engine: SecretEngine,
    raw_config: bytes,
    raw_manifest: bytes,
    *,
    refs: Sequence[str],
    archive: Sequence[ConfigSecret],
) -> list[ConfigSecret]:
    examined = _examined(config, layer_count, engine, raw_config, raw_manifest)
    found = list(examined.first)
    reported = {secret.value for secret in found}
    others = [Source("REF", ref, None) for ref in refs]
    candidates = [
        ConfigSecret(kind, source.name, value, source.layer)
        for source in others
        for kind, value in secrets_in(source, engine)
    ]
    for secret in [*candidates, *examined.others, *archive]:
        if not is_placeholder(secret.value) and secret.value not in reported:
            reported.add(secret.value)
            found.append(secret)
    return found


@dataclass(frozen=True, slots=True)
class _Examined:
    """What a config (or a manifest) holds, whatever image names it: the secrets of the fields
    read first, and every candidate among its other strings (in order, not yet de-duplicated
    against the image's references and its other document)."""

    first: tuple[ConfigSecret, ...]
    others: tuple[ConfigSecret, ...]

    def __add__(self, other: _Examined) -> _Examined:
        return _Examined(self.first + other.first, self.others + other.others)


_Key = tuple[str, bytes, int]
_MEMO: weakref.WeakKeyDictionary[SecretEngine, dict[_Key, _Examined]]
_MEMO = weakref.WeakKeyDictionary()
_MEMO_ENTRIES = 256


def _examined(
    config: ImageConfig,
    layer_count: int,
    engine: SecretEngine,
    raw_config: bytes,
    raw_manifest: bytes,
) -> _Examined:
    """The config's and the manifest's secrets, each examined once per engine: images sharing
    a config (5,000 manifests of one build, tags of one image) cost one examination."""
    memo = _MEMO.setdefault(engine, {})
    if len(memo) >= _MEMO_ENTRIES:
        memo.clear()

    def once(key: _Key, examine: Callable[[], _Examined]) -> _Examined:
        if not key[1]:  # a document read without its bytes is never shared
            return examine()
        if key not in memo:
            memo[key] = examine()
        return memo[key]

    config_part = once(
        ("config", raw_config, layer_count),
        lambda: _examine_config(config, layer_count, engine, raw_config),
    )
    return config_part + once(
        ("manifest", raw_manifest, 0), lambda: _examine_manifest(engine, raw_manifest)
    )


def _examine_config(
    config: ImageConfig, layer_count: int, engine: SecretEngine, raw_config: bytes
) -> _Examined:
    found: list[ConfigSecret] = []
    seen: set[tuple[str, str]] = set()
    for name, value in (e.split("=", 1) for e in config.env if "=" in e):
        if secret_env(name, value):
            seen.add(("ENV", value))
            found.append(ConfigSecret("env", f"ENV {name}", value, None))
    for name, value in _shadowed_env(raw_config):
        if secret_env(name, value) and ("ENV", value) not in seen:
            seen.add(("ENV", value))
            found.append(ConfigSecret("env", f"ENV {name}, {SHADOWED}", value, None))
    document = json_object(raw_config)
    found += _first_found(_sources(config, layer_count, document), engine, seen)
    return _Examined(tuple(found), _candidates(_other_strings(document, raw_config), engine))


def _shadowed_env(raw_config: bytes) -> Iterator[tuple[str, str]]:
    """(name, value) of the Env entries a repeated key hides from runtimes (an earlier "Env"
    or "config" member): judged by name as the live ones are, not only by their shape."""
    for found in document_strings(raw_config):
        if found.shadowed and found.path[-1:] == ("Env",) and not found.key and "=" in found.text:
            name, value = found.text.split("=", 1)
            yield name, value


def _examine_manifest(engine: SecretEngine, raw_manifest: bytes) -> _Examined:
    notes = annotation_pairs(json_object(raw_manifest))
    sources = [Source("ANNOTATION", f"{key}={value}", None) for key, value in notes]
    strings = document_strings(raw_manifest, lambda path: path[-1:] == ("annotations",))
    others = _candidates(walked("MANIFEST", strings), engine)
    return _Examined(tuple(_first_found(sources, engine, set())), others)


def _first_found(
    sources: Iterable[Source], engine: SecretEngine, seen: set[tuple[str, str]]
) -> list[ConfigSecret]:
    """One secret per (source, value) of the fields read first (once for all history steps)."""
    found = []
    for source in sources:
        for kind, value in secrets_in(source, engine):
            if not is_placeholder(value) and (_origin(source.name), value) not in seen:
                seen.add((_origin(source.name), value))  # later build steps: reported once
                found.append(ConfigSecret(kind, source.name, value, source.layer))
    return found


def _candidates(sources: Iterable[Source], engine: SecretEngine) -> tuple[ConfigSecret, ...]:
    return tuple(
        ConfigSecret(kind, source.name, value, source.layer)
        for source in sources
        for kind, value in secrets_in(source, engine)
    )


ENTROPY = frozenset({"Base64 High Entropy String", "Hex High Entropy String"})
"""detect-secrets' plugins that guess from entropy alone (see `ArchiveDocument.entropy`)."""


@dataclass(frozen=True, slots=True)
class ArchiveSecret:
    """A secret in one of the archive's own documents (index.json, manifest.json, a nested
    index, an artifact manifest or the JSON an artifact carries)."""

    secret: ConfigSecret
    config: str = ""
    """The Config of the manifest.json entry it is in: the images read from that entry report
    it ("" for one outside any entry, which every image reports)."""
    subject: str = ""
    """The manifest digest the document it is in is about (an artifact's subject): the image
    read from that manifest reports it ("" for none, which every image reports)."""


def archive_scrubber(
    documents: Iterable[tuple[str, bytes]], engine: SecretEngine, images: Sequence[Scrubber] = ()
) -> Scrubber:
    """A Scrubber for the archive's own index documents (index.json, manifest.json): every
    image's secrets (the config's and those found in files), plus the secrets in every string
    of the documents (annotations, tags, member names...)."""
    return Scrubber.union(images, archive_values(archive_secrets(documents, engine)))


def archive_secrets(
    documents: Iterable[ArchiveDocument | tuple[str, bytes]], engine: SecretEngine
) -> list[ArchiveSecret]:
    """The secrets in every string of the archive's own documents, given as (name, bytes) or
    as ArchiveDocuments (which may name the manifest they are about): those of a manifest.json
    entry tied to its Config, one per (entry, value); those of a document about a manifest
    tied to it, one per (manifest, value); the others once per value. High-entropy strings
    count only where the document's `entropy` says so. A value under a repeated key's earlier
    member counts too (see `analyzer.secrets.documents`): it is in the document, though readers
    never see it."""
    found: dict[tuple[str, str, str], ArchiveSecret] = {}
    judged: dict[tuple[str, bool, bool], list[tuple[str, str]]] = {}

    def add(sources: Iterable[Source], config: str, document: ArchiveDocument) -> None:
        subject = document.subject
        for source in sources:
            # entries share texts (keys, layers): each is judged once
            key = (source.text, source.engine, source.shell)
            if key not in judged:
                judged[key] = secrets_in(source, engine)
            for kind, value in judged[key]:
                if not is_placeholder(value) and (document.entropy or kind not in ENTROPY):
                    secret = ConfigSecret(kind, source.name, value, None, archive=True)
                    found.setdefault(
                        (config, subject, value), ArchiveSecret(secret, config, subject)
                    )

    for given in documents:
        document = given if isinstance(given, ArchiveDocument) else ArchiveDocument(*given)
        name, raw = document.name, document.raw
        notes = annotation_pairs(json_object(raw))
        annotations = [Source(f"ANNOTATION {name}", f"{k}={note}", None) for k, note in notes]
        add(annotations, "", document)
        for members, strings in entry_strings(raw, lambda path: path[-1:] == ("annotations",)):
            config, listed = _text(members.get("Config")), list(strings)
            add(walked(f"ARCHIVE {name}", listed), config, document)
            for source, variable, value in build_args(f"ARCHIVE {name}", listed):
                if secret_env(variable, value):  # NPM_TOKEN=<no shape>, as ENV would be
                    secret = ConfigSecret("env", source, value, None, archive=True)
                    key = (config, document.subject, value)
                    found.setdefault(key, ArchiveSecret(secret, config, document.subject))
    return list(found.values())


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def archive_values(secrets: Iterable[ArchiveSecret]) -> list[str]:
    """The distinct secret values of `secrets`."""
    return list(dict.fromkeys(s.secret.value for s in secrets))


def name_secrets(
    names: Iterable[tuple[str, int, str]],
    engine: SecretEngine,
    xattrs: Iterable[tuple[str, str, int, str]] = (),
) -> list[ConfigSecret]:
    """Secrets in file names and link targets, given as (name or target, layer, path) lowest
    layer first, and in extended attributes' names and text values, given as (path, attribute,
    layer, value; "" for a binary value): each the prefilter has a shape on is judged on its
    own (see `judged_words`), and a value is reported once, at the first file that holds it
    ("FILE NAME <path>", "LINK TARGET <target> OF <path>", "XATTR NAME <attribute> ON <path>",
    "XATTR VALUE OF <attribute> ON <path>"; the secret's `path` names the file)."""
    places: dict[str, tuple[str, int, str]] = {}
    for name, layer, path in names:
        source = f"FILE NAME {name}" if name == path else f"LINK TARGET {name} OF {path}"
        places.setdefault(name, (source, layer, path))
    for path, attribute, layer, value in xattrs:
        places.setdefault(attribute, (f"XATTR NAME {attribute} ON {path}", layer, path))
        if value:
            places.setdefault(value, (f"XATTR VALUE OF {attribute} ON {path}", layer, path))
    found: dict[str, ConfigSecret] = {}
    for name, secret in judged_words(engine, "image-names", list(places), transforms=False):
        value = secret.token or secret.value
        if not is_placeholder(value) and value not in found:
            source, layer, path = places[name]
            found[value] = ConfigSecret(secret.type, source, value, layer, path=path)
    return list(found.values())


def xattr_text(value: bytes) -> str:
    """An attribute's value as text, or "" when it is not UTF-8 text (NULs aside at its end,
    as setfattr and SELinux write them).

    >>> xattr_text(b"system_u:object_r:bin_t:s0\\x00"), xattr_text(b"\\x01\\x00\\x00\\x02")
    ('system_u:object_r:bin_t:s0', '')
    """
    text = value.rstrip(b"\x00")
    if not text or b"\x00" in text:
        return ""
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        return ""


def scrubber_for(
    config: ImageConfig,
    layer_count: int,
    engine: SecretEngine,
    raw_config: bytes = b"",
    raw_manifest: bytes = b"",
    *,
    refs: Sequence[str] = (),
    values: Iterable[str] = (),
    names: Iterable[tuple[str, int, str]] = (),
    xattrs: Iterable[tuple[str, str, int, str]] = (),
    archive: Sequence[ConfigSecret] = (),
) -> Scrubber:
    """A Scrubber for everything quoted from this image: its config, manifest, references
    (`refs`), file names (`names`) and extended attributes (`xattrs`, see
    `name_secrets`), the secrets of the archive's index documents that bear on it
    (`archive`), and `values` found elsewhere (the archive's index documents: all of them).
    Its `secrets` are what the secrets detector reports."""
    found = config_secrets(
        config, layer_count, engine, raw_config, raw_manifest, refs=refs, archive=archive
    )
    known = {secret.value for secret in found}
    found += [s for s in name_secrets(names, engine, xattrs) if s.value not in known]
    labels = [f"{key}={value}" for key, value in config.labels]
    return Scrubber(values, found, env=[*config.env, *labels])


def image_scrubber(
    image: Image,
    engine: SecretEngine,
    values: Iterable[str] = (),
    names: Iterable[tuple[str, int, str]] = (),
    *,
    xattrs: Iterable[tuple[str, str, int, str]] = (),
    archive: Sequence[ConfigSecret] = (),
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
        xattrs=xattrs,
        archive=archive,
    )

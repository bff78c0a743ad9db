"""The texts of an image's documents and how each is examined for secrets.

A `Source` is one small text (an ENV entry, a label as KEY=value, a command argument, a history
line, a string of the raw config...) read by the secrets engine, as a shell command, or both.
Each text is judged on its own: the engine stops after its first pass that finds anything, and
a value the keyword plugin takes runs to the end of its text (it must not swallow the next
argument: the scrubber looks for it verbatim).
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from analyzer.secrets.documents import DocumentString, Path
from analyzer.secrets.engine import SecretEngine
from analyzer.secrets.literals import Literals
from analyzer.secrets.structure import structural_hits
from analyzer.secrets.words import judged_words, shell_words, utf8

_DIGEST = re.compile(r"(?:sha256|sha384|sha512|blake3):[0-9a-f]{64,128}")
"""A content digest (diff_ids, descriptors): an identifier, never examined as a secret."""
_COMMAND_KEYS = frozenset({"Cmd", "Entrypoint", "Shell", "Test"})
_AS_HISTORY = "/root/.sh_history"


@dataclass(frozen=True, slots=True)
class Source:
    """A text of the config to look at: by the engine, as a shell command, or both."""

    name: str
    text: str
    layer: int | None
    engine: bool = True
    shell: bool = False


def command(name: str, arguments: Sequence[str]) -> list[Source]:
    """Each argument for the engine, and the command line as a shell command."""
    if not arguments:
        return []
    each = [Source(name, argument, None) for argument in arguments]
    return [*each, Source(name, " ".join(arguments), None, engine=False, shell=True)]


def annotation_pairs(document: Any) -> list[tuple[str, str]]:
    """Every (key, value) of every `annotations` object in a manifest or index document.

    >>> annotation_pairs({"annotations": {"a": "1"}, "layers": [{"annotations": {"b": "2"}}]})
    [('a', '1'), ('b', '2')]
    """
    found: list[tuple[str, str]] = []
    queue = deque([document])  # breadth first; popping a list's head would be quadratic
    while queue:
        item = queue.popleft()
        if isinstance(item, dict):
            notes = item.get("annotations")
            if isinstance(notes, dict):
                found += [(str(k), v) for k, v in notes.items() if isinstance(v, str)]
            queue.extend(v for k, v in item.items() if k != "annotations")
        elif isinstance(item, list):
            queue.extend(item)
    return found


def json_object(raw: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw) if raw else {}
    except (ValueError, RecursionError):  # the walk reads such a document token by token
        return {}
    return document if isinstance(document, dict) else {}


def walked(prefix: str, strings: Iterable[DocumentString]) -> list[Source]:
    """A source per distinct string (KEY=value for an object member, so the keyword plugin
    sees the key), commands grouped back into their arguments. A text met again (the keys of
    200k layer descriptors) is examined once: the engine would say the same."""
    sources: dict[tuple[str, bool, bool], Source] = {}
    shadowed: set[tuple[str, bool, bool]] = set()
    commands: dict[tuple[Path, bool], list[str]] = {}
    for found in strings:
        if _DIGEST.fullmatch(found.text):
            continue
        last = found.path[-1] if found.path and not found.key else ""
        if last in _COMMAND_KEYS:
            commands.setdefault((found.path, found.shadowed), []).append(found.text)
            continue
        text = f"{_variable(found.key)}={found.text}" if found.key else found.text
        shell = last == "OnBuild"
        key = (text, True, shell)
        # the path is named only for a new text, or for one met so far only where a repeated
        # key shadows it (a value readers do see is named where they see it)
        if key not in sources or (key in shadowed and not found.shadowed):
            name = _name(prefix, found.path, shadowed=found.shadowed)
            sources[key] = Source(name, text, None, shell=shell)
            if found.shadowed:
                shadowed.add(key)
            else:
                shadowed.discard(key)
    for (path, hidden), arguments in commands.items():
        for source in command(_name(prefix, path, shadowed=hidden), arguments):
            sources.setdefault((source.text, source.engine, source.shell), source)
    return list(sources.values())


_BUILD_ARG = "build-arg:"
"""BuildKit's name for a `--build-arg` (buildx provenance records them under `args`)."""


def _variable(key: str) -> str:
    """The name the keyword plugin judges for a member's key: a build argument's own name,
    as the Dockerfile's ARG sees it (the plugin reads no name with a colon in it).

    >>> _variable("build-arg:DB_PASSWORD"), _variable("Hostname")
    ('DB_PASSWORD', 'Hostname')
    """
    return key.removeprefix(_BUILD_ARG) or key


def build_args(prefix: str, strings: Iterable[DocumentString]) -> Iterator[tuple[str, str, str]]:
    """(source name, argument name, value) of each build argument a document records under
    BuildKit's `build-arg:NAME` keys (buildx provenance), for the by-name check ENV gets.

    >>> from analyzer.secrets.documents import document_strings
    >>> raw = b'{"args": {"build-arg:NPM_TOKEN": "abc", "target": "x"}}'
    >>> list(build_args("ARCHIVE p", document_strings(raw)))
    [('ARCHIVE p args.build-arg:NPM_TOKEN', 'NPM_TOKEN', 'abc')]
    """
    for found in strings:
        if found.key.startswith(_BUILD_ARG) and found.key != _BUILD_ARG:
            name = _name(prefix, found.path, shadowed=found.shadowed)
            yield name, found.key.removeprefix(_BUILD_ARG), found.text


SHADOWED = "shadowed: the key is repeated and runtimes read only its last value"
"""What a source name adds for a value under a repeated key's earlier member: the secret is in
the document (and in the evidence) though Docker and containerd never read it."""


def _name(prefix: str, path: Path, *, shadowed: bool = False) -> str:
    name = f"{prefix} {'.'.join(path)}" if path else prefix
    return f"{name}, {SHADOWED}" if shadowed else name


def secrets_in(source: Source, engine: SecretEngine) -> list[tuple[str, str]]:
    """detect-secrets' hits, plus shell-command credentials (curl -u, mysql -p...)."""
    shell: list[tuple[str, str]] = []
    if source.shell:  # a build step or a command line: read it as a shell history line
        shell = [
            (h.kind, h.value)
            for h in structural_hits(_AS_HISTORY, utf8(source.text))
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
            (r.type, r.token or r.value)
            for _, r in judged_words(engine, name, shell_words(source.text))
        ]
        narrower = Literals(value for _, value in words + shell)
        found = words + [(kind, value) for kind, value in found if not _holds(narrower, value)]
    return list(dict.fromkeys(found + shell))


def _holds(narrower: Literals, value: str) -> bool:
    """True when `value` holds one of the narrower values other than itself (any such is
    shorter, so it lies in the value less its first or its last character)."""
    return bool(narrower.spans(value[1:]) or narrower.spans(value[:-1]))


def _engine_values(engine: SecretEngine, name: str, text: str) -> list[tuple[str, str]]:
    return [(r.type, r.token or r.value) for r in engine.scan(name, utf8(text))]

"""Cluster and cloud credential files: kubeconfigs, Kubernetes Secret manifests, Azure files.

- kubeconfig: client-key-data, token, password (and OIDC tokens) under users: in a kubeconfig
  (users: beside clusters: or `kind: Config`): cluster access.
- kubernetes-secret: values of `data` (base64, decoded) and `stringData` in `kind: Secret`
  YAML documents.
- azure-credentials: accessToken, refreshToken, clientSecret, secret in ~/.azure files;
  clientSecret in an SDK auth file (with tenantId); AZURE_CLIENT_SECRET anywhere.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

from analyzer.secrets.assignments import unquote
from analyzer.secrets.structure_formats import Found, Source

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

_K8S_SECRET = re.compile(r"^kind:[ \t]*Secret[ \t]*$")
_K8S_BLOCK = re.compile(r"^(data|stringData):[ \t]*$")
_K8S_ITEM = re.compile(r"^[ \t]+([\w.-]+):[ \t]*(\S.*?)[ \t]*$")


def kubernetes_secrets(src: Source) -> Iterator[Found]:
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
            value = unquote(item.group(2))
            if block == "data":
                try:
                    value = base64.b64decode(value, validate=True).decode("utf-8")
                except ValueError:
                    continue
            yield Found(number, value, f"Kubernetes Secret {block}.{item.group(1)}")


def kubeconfig(src: Source) -> Iterator[Found]:
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


AZURE_MARKERS = frozenset({b"clientSecret", b"AZURE_CLIENT_S"})
"""Outside ~/.azure/, the Azure kind needs one of these in the file."""


def azure(src: Source) -> Iterator[Found]:
    in_azure_dir = "/.azure/" in src.path
    if not in_azure_dir and src.markers.isdisjoint(AZURE_MARKERS):
        return
    if in_azure_dir:
        pattern = _AZURE_IN_AZURE_DIR
    elif '"clientSecret"' in src.text and '"tenantId"' in src.text:
        pattern = _AZURE_SDK_AUTH  # the file `az ad sp create-for-rbac --sdk-auth` writes
    else:
        pattern = _AZURE_ENV
    for m in pattern.finditer(src.text):
        yield Found(src.line_at(m.start(2)), m.group(2), m.group(1))

"""detect-secrets is fenced: one package reaches into it, checked against one version.

analyzer/secrets/dscompat re-implements parts of detect-secrets' internals exactly; an upgrade
of detect-secrets (or a new importer elsewhere) must be a deliberate change, not an accident of
`pip install`.
"""

from __future__ import annotations

import ast
import configparser
from importlib.metadata import version
from pathlib import Path

from analyzer.secrets.dscompat import CHECKED_AGAINST

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "analyzer"
FENCE = PACKAGE / "secrets" / "dscompat"
FENCED = ("detect_secrets", "yaml")
OUTSIDE_THE_FENCE = {"analyzer/vulndb/sources.py": ["yaml"]}
"""Deliberate uses outside it: vulndb loads advisory data published as YAML (PyPA's OSV records,
Alpine secdb) with PyYAML's safe loader; nothing there reproduces detect-secrets' behaviour."""


def _requirements() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return [line.strip() for line in config["options"]["install_requires"].splitlines() if line]


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):  # function-level imports count too
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_installed_detect_secrets_is_the_version_dscompat_is_checked_against() -> None:
    """Fails after `pip install -U detect-secrets`: bump CHECKED_AGAINST and the pin together,
    after the equivalence tests pass on the new version."""
    assert version("detect-secrets") == CHECKED_AGAINST


def test_setup_cfg_pins_detect_secrets_to_that_version_and_declares_pyyaml() -> None:
    requirements = _requirements()
    assert f"detect-secrets=={CHECKED_AGAINST}" in requirements
    assert any(r.lower().startswith("pyyaml") for r in requirements)


def test_only_dscompat_imports_detect_secrets_or_yaml() -> None:
    outside = {
        str(path.relative_to(ROOT)): sorted(_imported(ast.parse(path.read_text())) & set(FENCED))
        for path in sorted(PACKAGE.rglob("*.py"))
        if FENCE not in path.parents
    }
    assert {path: names for path, names in outside.items() if names} == OUTSIDE_THE_FENCE


def test_the_fence_holds_what_it_says() -> None:
    """The guard above would pass vacuously if nothing were fenced at all."""
    inside = set()
    for path in FENCE.glob("*.py"):
        inside |= _imported(ast.parse(path.read_text()))
    assert set(FENCED) <= inside

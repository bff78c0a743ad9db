"""Every plugin loads the way detect-secrets loads custom plugins, and is fully described."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
from detect_secrets.core.plugins.util import get_plugins_from_file

from analyzer.secrets.kinds import DS_TYPES, rule_for
from analyzer.secrets.plugins import MODULES, plugin_settings

SETTINGS = plugin_settings()


def loaded(entry: dict[str, str]) -> type:
    """The class detect-secrets' own importer (import_file_as_module) finds for an entry."""
    classes = {c.__name__: c for c in get_plugins_from_file(entry["path"][len("file://") :])}
    return classes[entry["name"]]


@pytest.mark.parametrize("entry", SETTINGS, ids=[e["name"] for e in SETTINGS])
def test_plugin_loads_through_the_custom_plugin_path_and_is_described(
    entry: dict[str, str],
) -> None:
    plugin = loaded(entry)
    assert plugin.denylist, "the prefilter needs a denylist"
    assert plugin.secret_type in DS_TYPES
    assert rule_for(plugin.secret_type).id.startswith("IA-SECRET-")
    assert plugin.PROVIDER and plugin.KINDS and plugin.VALIDATION


def test_plugin_files_hold_exactly_their_listed_plugins() -> None:
    for module in MODULES:
        listed = set(importlib.import_module(f"analyzer.secrets.plugins.{module}").PLUGINS)
        path = next(e["path"] for e in SETTINGS if e["name"] in listed)[len("file://") :]
        assert {c.__name__ for c in get_plugins_from_file(path)} == listed


def test_names_and_types_do_not_collide_with_detect_secrets_or_each_other() -> None:
    names = [e["name"] for e in SETTINGS]
    types = [loaded(e).secret_type for e in SETTINGS]
    builtin = subprocess.run(
        [sys.executable, "-c", _BUILTINS], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert len(set(names)) == len(names) and not set(names) & set(builtin)
    assert len(set(types)) == len(types) and not set(types) & set(builtin)


_BUILTINS = """
from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class as m
print("\\n".join(k for c in m().items() for k in (c[0], c[1].__name__)))
"""


def test_module_docstrings_cite_the_providers_documentation() -> None:
    for module in MODULES:
        doc = importlib.import_module(f"analyzer.secrets.plugins.{module}").__doc__ or ""
        assert "https://" in doc and "Severity" in doc, module


def test_coverage_table_has_a_row_per_plugin() -> None:
    table = subprocess.run(
        [sys.executable, "scripts/coverage_table.py"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert table[0].startswith("| Provider |")
    assert len(table) == 2 + len(SETTINGS)

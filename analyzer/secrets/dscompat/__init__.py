"""Everything that reaches into detect-secrets and PyYAML, fenced in one package.

detect-secrets stays the judge of what is a secret; these modules call its settings, plugins,
filters and transformers, and re-implement a few of its internals exactly (per-line pipeline,
INI and YAML transformers, the indirect-reference filter, the entropy formula), each tested
against the original. They are the only importers of `detect_secrets` and `yaml` in the
package but one (analyzer.vulndb loads advisory YAML; tests/secrets/test_dscompat.py holds them to
it), and they are checked against one
version of detect-secrets: `CHECKED_AGAINST`, pinned in setup.cfg. An upgrade is a deliberate
change: bump both, and run the equivalence tests.
"""

CHECKED_AGAINST = "1.5.0"
"""The detect-secrets release whose internals these modules reproduce."""

# Before any module here imports detect-secrets: its `requests` is a stand-in that refuses
# (image-audit never verifies a secret over the network; see `offline`).
from analyzer.secrets.dscompat import offline  # noqa: E402

offline.install()

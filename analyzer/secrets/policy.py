"""What a file's hit is worth: the severity policy on top of detect-secrets and the structure.

detect-secrets stays the engine; this decides how far to believe it, in general terms.

- Guesses: detect-secrets' keyword plugin (a secret-sounding name) and its two entropy plugins
  (a random-looking string) judge one line. When nothing else agrees, the hit is low: in code
  and data those are names, test vectors, alphabets and checksums far more often than
  credentials. Agreement is another plugin reporting the same value (a token format, an AWS
  key: that plugin's rule wins and names the guess), or the structure recognising the value in
  its context (a credential assignment in a configuration file, a .env line, a history line,
  a credential-shaped literal in code: `analyzer.secrets.assignments` and the other kinds),
  whose hit replaces the guess. The image config's secrets are judged elsewhere (they are a
  credential context by nature) and keep the rule's severity.
- A private-key BEGIN line that no structural reader could decode into a key body (a header
  named in a string, a block around placeholder text or filler) is detect-secrets' private-key
  plugin alone: low, and the evidence says so. A key whose body decodes is the structure's hit.
- libmagic naming a Java key store: the structure reads JKS and JCEKS itself and reports every
  store with a key; a store it left alone holds certificates only (a trust store such as the
  JDK's cacerts), which is no secret: no finding.
- Test, fixture and documentation paths inside vendored packages are low whatever was found;
  so is a Python distribution's METADATA or PKG-INFO there (its README, published on PyPI:
  PyJWT's carries an example token).
- A value of hexadecimal digits glued to more of them on its line is a row of a hex table
  (Tcl's encoding tables hold AWS key id and Twilio SID shapes), not a token: low.
- Vendor content: a hit in a file that a package database records with the same digest (an
  unmodified package file) is content shipped to every user of that package. It is `info`,
  names the package, and bears on no requirement (`vendor_verdict`; the detector decides, from
  the image's package databases). A modified package file (an edited /etc conffile) and a file
  no package owns are judged as above: that is where real secrets live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzer.findings.model import Severity
from analyzer.inventory.ownership import Owner
from analyzer.secrets.sink import SecretHit

GUESSES = frozenset({"Secret Keyword", "Base64 High Entropy String", "Hex High Entropy String"})
"""detect-secrets' plugins that guess from a name or from entropy alone."""
_HEADER_ONLY = "Private Key"
"""detect-secrets' private-key plugin: it sees BEGIN lines, not keys."""
_TRUST_STORE = re.compile(r"^binary key material \((?:Java|JCE).{0,20}KeyStore")
_ALSO = " (also: "
_VENDORED = re.compile(r"/(?:site-packages|dist-packages|node_modules|vendor|gems|share/doc)/")
_NOT_PRODUCTION = re.compile(
    r"/(?:tests?|testing|testdata|test_data|fixtures?|docs?|examples?|samples?|spec)/|"
    r"/test_[^/]*$|_test\.[a-z]+$|"
    r"\.(?:dist|egg)-info/(?:METADATA|PKG-INFO)$",  # a distribution's README, as on PyPI
    re.I,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """How one hit is reported."""

    severity: Severity | None
    """None: the rule's own severity."""
    note: str = ""
    """Why the severity differs from the rule's, for the evidence (empty: it does not)."""


def lowered(path: str) -> bool:
    """True for test, fixture and documentation paths inside vendored packages.

    >>> lowered("/usr/lib/python3/dist-packages/requests/tests/test_x.py")
    True
    >>> lowered("/app/tests/conftest.py"), lowered("/usr/lib/node_modules/x/index.js")
    (False, False)
    >>> lowered("/usr/lib/python3/dist-packages/PyJWT-2.6.0.egg-info/PKG-INFO")
    True
    """
    return bool(_VENDORED.search(path) and _NOT_PRODUCTION.search(path))


def guess_alone(hit: SecretHit) -> bool:
    """A keyword or entropy hit that no other plugin and no structural reader agreed with.

    >>> from analyzer.secrets.redact import redact
    >>> alone = SecretHit("Secret Keyword", 3, redact("files"), "Secret Keyword")
    >>> agreed = SecretHit("Secret Keyword", 3, redact("x"), "Secret Keyword (also: Slack Token)")
    >>> guess_alone(alone), guess_alone(agreed)
    (True, False)
    """
    if hit.kind not in GUESSES:
        return False
    _, also, others = hit.detail.rpartition(_ALSO)
    return not also or set(others.removesuffix(")").split(", ")) <= GUESSES


def vendor_verdict(owner: Owner) -> Verdict:
    """A hit in a file its package shipped and nobody changed: content every user of that
    package has (test vectors, documentation examples, a distribution's own API keys), not
    the image owner's secret. Reported at info, naming the package.

    >>> vendor_verdict(Owner("python3-jwt", "dpkg")).note
    'vendor content: an unmodified file of package python3-jwt (dpkg)'
    """
    return Verdict(
        Severity.INFO,
        f"vendor content: an unmodified file of package {owner.package} ({owner.manager})",
    )


def verdict(path: str, hit: SecretHit) -> Verdict | None:
    """How a hit in the file at `path` is reported; None when it is no secret at all."""
    if hit.kind == "keystore" and _TRUST_STORE.match(hit.detail):
        return None
    if hit.kind == _HEADER_ONLY:
        return Verdict(Severity.LOW, "a private-key header without a key body that decodes")
    if guess_alone(hit):
        return Verdict(Severity.LOW, "a guess that nothing else agrees with")
    if hit.hex_table:
        return Verdict(Severity.LOW, "inside a longer run of hexadecimal digits (a hex table)")
    if lowered(path):
        return Verdict(Severity.LOW, "in a test or documentation path of a vendored package")
    if hit.low_confidence:
        return Verdict(Severity.LOW, "the value reads like prose")
    return Verdict(None)

"""IA-COMPILER, IA-DEBUGGER, IA-NETTOOL, IA-SSHD: build tools and attacker-friendly utilities.

What it finds: programs (ELF or script, after following links) reached by these names from a
bin, sbin or libexec folder (a renamed binary is not recognised):
- IA-COMPILER: compilers, assemblers, linkers and build tools (gcc/cc/g++/clang/tcc, as/ld,
  make/cmake, rustc/cargo, javac, go, mvn/gradle/ant), including target-prefixed and versioned names
  (x86_64-linux-gnu-gcc-12);
- IA-DEBUGGER: debuggers, tracers and profilers (gdb, strace, ltrace, valgrind, lldb, perf);
- IA-NETTOOL: network tools that widen an intruder's reach (curl, wget, nc/ncat/netcat, socat,
  telnet, ssh/scp, ftp, tcpdump, nmap, rsync);
- IA-SSHD: an SSH server (sshd, dropbear).

Why it matters: they are not needed to run an application and they are exactly what an intruder
uses to build exploits, inspect processes, fetch payloads and move laterally (PCI DSS 2.2.4,
container guidance 12.1). An SSH server in a container is a remote login service to manage.

Fix: multi-stage builds (compile in a builder stage), remove debugging and network tools from the
final stage, never run sshd in a container (use `docker exec`/`kubectl exec` for access).
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.detectors.base import ContentWants
from analyzer.detectors.context import ImageContext
from analyzer.detectors.tools import Family, any_of, names, tool_findings
from analyzer.findings.model import Finding, Rule, Severity

_TRIPLET = r"(?:[a-z0-9_]+-(?:[a-z0-9_]+-)?linux-[a-z0-9_]+-)?"
_VERSION = r"(?:-\d+(?:\.\d+)*)?"

COMPILER = Rule(
    "IA-COMPILER",
    "Compiler or build tool present",
    "unnecessary-software",
    Severity.MEDIUM,
    "Compilers let an intruder build exploits and tools inside the container.",
    "Compile in a builder stage of a multi-stage build; ship only the artefacts.",
)
DEBUGGER = Rule(
    "IA-DEBUGGER",
    "Debugger or tracer present",
    "unnecessary-software",
    Severity.MEDIUM,
    "Debuggers and tracers can read other processes' memory and secrets.",
    "Remove debugging tools from the final image; use ephemeral debug containers.",
)
NETTOOL = Rule(
    "IA-NETTOOL",
    "Network tool present",
    "unnecessary-software",
    Severity.LOW,
    "Download and socket tools let an intruder fetch payloads and move laterally.",
    "Remove curl/wget/nc and similar tools from the final image.",
)
SSHD = Rule(
    "IA-SSHD",
    "SSH server present",
    "unnecessary-software",
    Severity.HIGH,
    "An SSH daemon is a remote login service inside the container.",
    "Do not ship sshd; use the orchestrator's exec for access.",
)

FAMILIES = (
    Family(
        COMPILER,
        names(
            _TRIPLET + r"(?:gcc|g\+\+|cc|c\+\+|cpp|clang|clang\+\+|gfortran)" + _VERSION,
            _TRIPLET + r"(?:as|ld|ld\.bfd|ld\.gold|ld\.lld)",
            "tcc",
            "make",
            "gmake",
            "cmake",
            "ninja",
            "rustc",
            "cargo",
            "javac",
            "go",
            "gccgo",
            "mvn",
            "gradle",
            "ant",
        ),
        "compiler/build tool",
    ),
    Family(
        DEBUGGER,
        names("gdb", "gdb-multiarch", "gdbserver", "strace", "ltrace", "valgrind", "lldb", "perf"),
        "debugger",
    ),
    Family(
        NETTOOL,
        names(
            "curl",
            "wget",
            "nc",
            "ncat",
            "netcat",
            r"nc\.openbsd",
            r"nc\.traditional",
            "socat",
            "telnet",
            "ssh",
            "scp",
            "sftp",
            "ftp",
            "tcpdump",
            "nmap",
            "rsync",
        ),
        "network tool",
    ),
    Family(SSHD, names("sshd", "dropbear", "dropbearmulti"), "SSH server"),
)
_ALL = any_of(*(f.names for f in FAMILIES))


class BuildToolDetector:
    """Compilers, debuggers, network tools and SSH servers."""

    rules = (COMPILER, DEBUGGER, NETTOOL, SSHD)

    content = ContentWants(program_heads=True, head_names=_ALL.pattern)

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """One finding per binary, per family."""
        for family in FAMILIES:
            yield from tool_findings(ctx, family)

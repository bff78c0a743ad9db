"""What both benchmark scripts report about the run: the machine and the command line."""

from __future__ import annotations

import os
import platform
import shlex
import sys
from typing import Any


def machine_facts(**libraries: str) -> dict[str, Any]:
    """What the figures were measured on, plus the versions of the `libraries` that matter."""
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        **libraries,
    }


def command_line(argv0_variable: str) -> str:
    """The command as the user typed it (the bash wrapper passes its own name in the
    environment variable `argv0_variable`)."""
    argv0 = os.environ.get(argv0_variable, sys.argv[0])
    return shlex.join([argv0, *sys.argv[1:]])

"""Shared by the benchmark scripts: their argument parser, machine description and
writing figures as JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path


class Parser(argparse.ArgumentParser):
    """argparse with a usage error on one line and exit status 2, as ``hls-sim`` gives
    (what was wrong, what is allowed, where to look), rather than the usage first."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def machine_info() -> dict[str, object]:
    """Interpreter, library versions, CPUs and memory of this machine."""
    import mesa
    import numpy as np
    import pandas as pd

    import hls_sim

    try:
        mem_total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        mem_total = None
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "memory_total_bytes": mem_total,
        "mesa": mesa.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "hls_sim": hls_sim.__version__,
    }


def write_json(path: Path, payload: dict) -> None:
    """Write benchmark figures as JSON, creating the folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"figures written to {path}")

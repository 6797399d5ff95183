"""Rewrite the pinned golden outputs: ``python -m tests.golden.regenerate``.

Only for a change that moves results on purpose; commit the new files on their own,
saying why the numbers moved.
"""

from __future__ import annotations

import json
from pathlib import Path

from .cases import CASES, fingerprint, run_case

HERE = Path(__file__).parent


def main() -> None:
    for name in CASES:
        fp = fingerprint(run_case(name))
        (HERE / f"{name}.json").write_text(json.dumps(fp, indent=1, sort_keys=True) + "\n")
        print(f"wrote {name}.json")


if __name__ == "__main__":
    main()

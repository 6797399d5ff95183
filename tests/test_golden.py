"""Golden regression test: every output of a few (scenario, seed) pairs is pinned.

A restructuring must leave these green. If a change moves numbers on purpose,
regenerate the pinned files (``python -m tests.golden.regenerate``) in a commit of its
own that says why.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .golden.cases import CASES, TABLES, fingerprint, run_case

HERE = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_match_the_pinned_golden_files(name):
    pinned = json.loads((HERE / f"{name}.json").read_text())
    got = fingerprint(run_case(name))
    moved = {k: (pinned["summary"].get(k), v) for k, v in got["summary"].items()
             if pinned["summary"].get(k) != v}
    assert not moved, f"summary values moved (pinned, now): {moved}"
    assert set(got["summary"]) == set(pinned["summary"]), "summary metrics added or removed"
    for table in TABLES:
        assert got["hashes"][table] == pinned["hashes"][table], f"{table} table changed"

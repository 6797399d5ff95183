"""The results folder: Parquet tables written run by run, atomically, and a manifest.

Layout of ``results/<name>-<timestamp>/``::

    manifest.json            versions, git commit, scenarios (resolved content and hash),
                             seeds, executor, timings, failures
    summary/<run>.parquet    one row per run: every summary metric
    timeseries/<run>.parquet one row per week of the run
    people/<run>.parquet     one row per person of the run
    events/<run>.parquet     the event log, for a few sampled runs only
    runs/<run>.json          written last for each run: the run is complete
    failures/<run>.json      a run that raised: its error and traceback

Each folder of Parquet files reads as one table (``pd.read_parquet(dir / "summary")``,
or :func:`load_results`). Every file is written to a hidden temporary name and renamed
into place, so a crash or a kill leaves no half-written file, and ``--resume`` can tell
exactly which runs finished.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..atomic import replacing, write_atomic, write_json
from .work import RunOutput

__all__ = ["write_atomic", "write_json", "write_parquet_atomic"]  # with the classes

TABLES = ("summary", "timeseries", "people", "events")
SORT = ("scenario", "sample", "replicate")
TABLE_ORDER = {"timeseries": ("week",), "people": ("person",), "events": ()}


def write_parquet_atomic(path: Path, df: pd.DataFrame) -> None:
    with replacing(path) as tmp:
        # pyarrow directly: a third of pandas.to_parquet's time on small tables.
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)


def disk_usage(root: Path) -> int:
    """Bytes used by every file under ``root`` (the results folder)."""
    return sum(p.stat().st_size for p in Path(root).rglob("*") if p.is_file())


def disk_by_table(root: Path) -> dict[str, int]:
    """Bytes used by each table's folder (summary, timeseries, people, events) and by
    everything else (manifest, run records, figures, the report), largest first."""
    root = Path(root)
    out = {t: disk_usage(root / t) for t in TABLES if (root / t).is_dir()}
    out["other"] = disk_usage(root) - sum(out.values())
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def human_bytes(n: float) -> str:
    """``12.3 MB``: decimal units, as file managers show them."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{int(n)} bytes"


class ResultsStore:
    """Reads and writes one ensemble's results folder."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> dict[str, Any]:
        try:
            return json.loads(self.manifest_path.read_text())
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.root}: not a results folder "
                                    "(no manifest.json)") from None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json(self.manifest_path, manifest)

    def finished_keys(self) -> set[str]:
        """Runs whose every table is safely on disk."""
        d = self.root / "runs"
        return {p.stem for p in d.glob("*.json")} if d.is_dir() else set()

    def clean_partial(self) -> int:
        """Remove temporary files a killed run left behind, and stale failure records."""
        n = 0
        for tmp in self.root.glob("*/.tmp-*"):
            tmp.unlink(missing_ok=True)
            n += 1
        return n

    def save(self, out: RunOutput) -> dict[str, Any]:
        """Write one finished run (tables first, then its completion record)."""
        key = out.spec.key
        record = {**out.spec.ids(), "key": key, "run_seconds": out.run_seconds,
                  "worker": out.worker}
        if not out.ok:
            record.update(error=out.error, traceback=out.traceback)
            write_json(self.root / "failures" / f"{key}.json", record)
            return record
        for name, df in out.tables.items():
            write_parquet_atomic(self.root / name / f"{key}.parquet", df)
        (self.root / "failures" / f"{key}.json").unlink(missing_ok=True)
        write_json(self.root / "runs" / f"{key}.json", record)
        return record

    def failures(self) -> list[dict[str, Any]]:
        d = self.root / "failures"
        return [json.loads(p.read_text()) for p in sorted(d.glob("*.json"))] \
            if d.is_dir() else []

    def runs(self) -> pd.DataFrame:
        d = self.root / "runs"
        rows = [json.loads(p.read_text()) for p in sorted(d.glob("*.json"))] \
            if d.is_dir() else []
        return pd.DataFrame(rows)

    def table(self, name: str) -> pd.DataFrame:
        """All finished runs' rows of one table, in a stable order."""
        d = self.root / name
        done = self.finished_keys()
        files = sorted(p for p in d.glob("*.parquet") if p.stem in done) if d.is_dir() else []
        if not files:
            return pd.DataFrame()
        df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        order = [c for c in SORT if c in df.columns] + \
                [c for c in TABLE_ORDER.get(name, ()) if c in df.columns]
        return df.sort_values(order, kind="stable").reset_index(drop=True)


@dataclass
class EnsembleResults:
    """An ensemble's results, read back from its folder.

    Attributes:
        path: the results folder.
        manifest: provenance (versions, scenarios, seeds, timings, failures).
        summary: one row per run; ``timeseries``, ``people``, ``events`` likewise.
    """

    path: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame
    timeseries: pd.DataFrame
    people: pd.DataFrame
    events: pd.DataFrame
    runs: pd.DataFrame

    @property
    def scenarios(self) -> list[str]:
        return [s["name"] for s in self.manifest["scenarios"]]

    @property
    def baseline(self) -> str:
        return self.manifest.get("baseline") or self.scenarios[0]


def load_results(path: str | Path) -> EnsembleResults:
    """Read an ensemble's results folder (as written by ``hls-sim run``/``compare``)."""
    store = ResultsStore(Path(path))
    manifest = store.read_manifest()
    return EnsembleResults(store.root, manifest, store.table("summary"),
                             store.table("timeseries"), store.table("people"),
                             store.table("events"), store.runs())

"""The results folder: Parquet tables written batch by batch, atomically, and a manifest.

Layout of ``results/<name>-<timestamp>/``::

    manifest.json              versions, git commit, scenarios (resolved content and
                               hash), seeds, executor, timings, failures
    summary/<batch>.parquet    one row per run: every summary metric
    timeseries/<batch>.parquet one row per week of each run
    people/<batch>.parquet     one row per person of each run
    events/<batch>.parquet     the event log, for a few sampled runs only
    runs/<batch>.json          written last for each batch: its runs, complete
    failures/<run>.json        a run that raised: its error and traceback

The runner hands runs to its workers in batches of about a second of work, and stores
each batch's finished runs together: one file per table and batch, named after the
batch's first finished run (``<scenario>__r<replicate>``, with ``__s<sample>`` in a
design). Each folder of Parquet files reads as one table (:func:`load_results`, or
``pd.read_parquet(dir / "summary")`` on a folder no run was killed in). Every file is
written to a hidden temporary name and renamed into place, and a batch's record is
written after its tables, so a crash or a kill leaves no half-written file, a batch is
either recorded whole or not at all, and ``--resume`` can tell exactly which runs
finished (and removes the tables of a batch that was not recorded).

Folders written before batches (one file per run, ``runs/<run>.json`` holding one
run's record) read the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..atomic import replacing, write_atomic, write_json
from .work import RunBatch, united_categories, wide_dictionaries, with_rows

__all__ = ["write_atomic", "write_json", "write_parquet_atomic"]  # with the classes

TABLES = ("summary", "timeseries", "people", "events")
SORT = ("scenario", "sample", "replicate")
TABLE_ORDER = {"timeseries": ("week",), "people": ("person",), "events": ()}


def write_parquet_atomic(path: Path, df: pd.DataFrame | pa.Table) -> None:
    """Write a table (a DataFrame, or an Arrow table such as ``work.arrow_table`` makes)
    so the file exists whole or not at all."""
    table = df if isinstance(df, pa.Table) else pa.Table.from_pandas(df, preserve_index=False)
    with replacing(path) as tmp:
        # pyarrow directly: a third of pandas.to_parquet's time on small tables. No
        # column statistics (nothing reads a file by row ranges) and dictionary
        # encoding only for categorical columns, which need it to keep their categories
        # (a run's other values are mostly distinct floats, and a one-row summary's
        # dictionaries only added bytes): a third less time writing a run's tables in
        # the runner's parent process, and smaller files (benchmarks/README.md).
        categorical = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
        pq.write_table(table, tmp, write_statistics=False, use_dictionary=categorical)


def read_parquet_files(files: list[Path], columns: list[str] | None = None) -> pd.DataFrame:
    """Many small Parquet files (a batch's or a run's) read as one frame, rows in the
    files' order; only ``columns`` (those of them a file has) if given.

    A design of 10,240 runs left 10,240 summary files of 72 columns each before runs
    were stored by batch (now a few hundred). Read one by one with pandas they took
    133 s here (pandas builds a dataset around each file and converts each to a
    frame); with pyarrow's ``ParquetFile`` and one conversion at the end, about half
    that. Most of what is left is per column, so a caller wanting a few columns reads
    only those. The tables are joined by ``pa.concat_tables(...,
    promote_options="default")``: a column some runs lack, or hold only nulls in, reads
    as nulls there, typed as in the other runs; a categorical column comes back with
    the files' categories where they all have the same, else (an event's detail, whose
    categories differ from run to run) their union, sorted
    (:func:`~.work.united_categories`). A table with types that clash between files is
    concatenated by pandas instead. A file with no rows is left out unless every file
    has none (its columns' types may be pandas' guess for an empty column)."""
    if not files:
        return pd.DataFrame()
    tables = []
    for f in files:
        pf = pq.ParquetFile(f)
        names = pf.schema_arrow.names
        # categorical codes widened first: files whose codes differ in width (a run
        # with more than 127 event details, one with fewer) then join as one table
        tables.append(wide_dictionaries(pf.read(columns=None if columns is None else
                                                [c for c in columns if c in names])))
    tables = with_rows(tables)
    try:
        table = pa.concat_tables(tables, promote_options="default")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        table = None
    if table is None:
        return pd.concat([t.to_pandas() for t in tables], ignore_index=True)
    return united_categories(table).to_pandas()


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

    def records(self) -> list[dict[str, Any]]:
        """Every recorded batch: ``{"batch": name, "tables": [...], "runs": [...]}``,
        by name. (A record of a folder written before batches holds one run: it is read
        as a batch of one, named after the run, with the tables it has files for.)"""
        d = self.root / "runs"
        out = []
        for p in sorted(d.glob("*.json")) if d.is_dir() else []:
            rec = json.loads(p.read_text())
            if "runs" not in rec:  # one run's record
                rec = {"batch": rec["key"], "runs": [rec],
                       "tables": [t for t in TABLES
                                  if (self.root / t / f"{rec['key']}.parquet").is_file()]}
            out.append(rec)
        return out

    def finished_keys(self) -> set[str]:
        """Runs whose every table is safely on disk."""
        return {r["key"] for rec in self.records() for r in rec["runs"]}

    def clean_partial(self) -> int:
        """Remove what a killed command left unfinished: temporary files, and the tables
        of a batch whose record was never written (its runs will run again)."""
        n = 0
        for tmp in self.root.glob("*/.tmp-*"):
            tmp.unlink(missing_ok=True)
            n += 1
        recorded = {rec["batch"] for rec in self.records()}
        for t in TABLES:
            for f in (self.root / t).glob("*.parquet") if (self.root / t).is_dir() else []:
                if f.stem not in recorded:
                    f.unlink(missing_ok=True)
                    n += 1
        return n

    def save_batch(self, batch: RunBatch) -> list[dict[str, Any]]:
        """Write a batch: each failed run's record; the finished runs' tables, one file
        each; then the batch's record naming its runs (the runs are complete). Returns
        every run's record."""
        records, finished = [], []
        failures = self.root / "failures"
        for out in batch.runs:
            record = {**out.spec.ids(), "key": out.spec.key, "run_seconds": out.run_seconds,
                      "worker": out.worker}
            records.append(record)
            if not out.ok:
                record.update(error=out.error, traceback=out.traceback)
                write_json(failures / f"{out.spec.key}.json", record)
            else:
                finished.append(record)
        if not finished:
            return records
        name = finished[0]["key"]
        for table, df in batch.tables.items():
            write_parquet_atomic(self.root / table / f"{name}.parquet", df)
        if failures.is_dir():  # a run that failed before and finished now
            for record in finished:
                (failures / f"{record['key']}.json").unlink(missing_ok=True)
        write_json(self.root / "runs" / f"{name}.json",
                   {"batch": name, "tables": sorted(batch.tables), "runs": finished})
        return records

    def failures(self) -> list[dict[str, Any]]:
        d = self.root / "failures"
        return [json.loads(p.read_text()) for p in sorted(d.glob("*.json"))] \
            if d.is_dir() else []

    def runs(self) -> pd.DataFrame:
        """One row per finished run: its ids, key, seconds, worker and batch."""
        rows = [{**r, "batch": rec["batch"]} for rec in self.records() for r in rec["runs"]]
        return pd.DataFrame(rows).sort_values("key", ignore_index=True) if rows \
            else pd.DataFrame()

    def files(self, name: str) -> list[Path]:
        """The recorded batches' files of one table (a killed batch's are not)."""
        return [self.root / name / f"{rec['batch']}.parquet" for rec in self.records()
                if name in rec["tables"]]

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """All finished runs' rows of one table, in a stable order (by scenario, sample
        and replicate, then week or person); only ``columns`` (those it has), if given."""
        files = self.files(name)
        if not files:
            return pd.DataFrame()
        df = read_parquet_files(files, columns)
        order = [c for c in SORT if c in df.columns] + \
                [c for c in TABLE_ORDER.get(name, ()) if c in df.columns]
        return df.sort_values(order, kind="stable").reset_index(drop=True)


class EnsembleResults:
    """An ensemble's results, read back from its folder.

    Attributes:
        path: the results folder.
        manifest: provenance (versions, scenarios, seeds, timings, failures).
        summary: one row per run; ``timeseries``, ``people``, ``events`` likewise;
            ``runs``: one row per finished run (its ids, key, seconds and worker).

    Each table is read from the folder when first used, not before: a design's folder
    holds a file per batch and table, and a caller wanting the run records alone should
    not wait for every summary to be read.
    """

    TABLE_NAMES = ("summary", "timeseries", "people", "events", "runs")

    def __init__(self, path: str | Path, manifest: dict[str, Any],
                 summary: pd.DataFrame | None = None,
                 timeseries: pd.DataFrame | None = None,
                 people: pd.DataFrame | None = None, events: pd.DataFrame | None = None,
                 runs: pd.DataFrame | None = None):
        self.path = Path(path)
        self.manifest = manifest
        self._tables: dict[str, pd.DataFrame | None] = dict(zip(
            self.TABLE_NAMES, (summary, timeseries, people, events, runs), strict=True))

    def _table(self, name: str) -> pd.DataFrame:
        df = self._tables[name]
        if df is None:
            store = ResultsStore(self.path)
            df = self._tables[name] = store.runs() if name == "runs" else store.table(name)
        return df

    summary = property(lambda self: self._table("summary"))
    timeseries = property(lambda self: self._table("timeseries"))
    people = property(lambda self: self._table("people"))
    events = property(lambda self: self._table("events"))
    runs = property(lambda self: self._table("runs"))

    @property
    def scenarios(self) -> list[str]:
        return [s["name"] for s in self.manifest["scenarios"]]

    @property
    def baseline(self) -> str:
        return self.manifest.get("baseline") or self.scenarios[0]


def load_results(path: str | Path) -> EnsembleResults:
    """Read an ensemble's results folder (as written by ``hls-sim run``/``compare``)."""
    store = ResultsStore(Path(path))
    return EnsembleResults(store.root, store.read_manifest())  # tables read when used

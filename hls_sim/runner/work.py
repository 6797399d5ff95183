"""What a worker does: run a batch of simulations and hand back their tables.

These functions run in worker processes (a process pool or Dask workers), so they are
top-level, take only picklable arguments, and never raise for a failing run: a run that
raises comes back as a :class:`RunOutput` carrying its error and traceback, so the rest
of the ensemble goes on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

Table = pd.DataFrame | pa.Table
"""A run's table as a worker hands it back: a DataFrame, or an Arrow table with the
same pandas metadata (:func:`arrow_table`)."""


@dataclass(frozen=True)
class RunSpec:
    """One simulation of an ensemble.

    Attributes:
        scenario: the scenario's name (its parameters travel with the batch).
        replicate: replicate number; replicate k of every scenario shares ``seed``.
        seed: the model's seed (spawned from the ensemble's root seed).
        keep: tables to keep besides the summary: any of ``"timeseries"``,
            ``"people"``, ``"events"``.
        overrides: parameter overrides on top of the scenario (sensitivity designs).
        sample: sample-point number in a design, if any.
    """

    scenario: str
    replicate: int
    seed: int
    keep: tuple[str, ...] = ("timeseries", "people")
    overrides: tuple[tuple[str, Any], ...] = ()
    sample: int | None = None

    @property
    def key(self) -> str:
        """File-safe identity of the run, unique within an ensemble."""
        if self.sample is None:
            return f"{self.scenario}__r{self.replicate:04d}"
        return f"{self.scenario}__s{self.sample:06d}__r{self.replicate:04d}"

    def ids(self) -> dict[str, Any]:
        """Identifying columns added to every table of this run."""
        ids: dict[str, Any] = {"scenario": self.scenario, "replicate": self.replicate,
                               "seed": self.seed}
        if self.sample is not None:
            ids["sample"] = self.sample
        return ids


@dataclass
class RunOutput:
    """What came back from one run: its tables, or the error it raised."""

    spec: RunSpec
    tables: dict[str, Table] = field(default_factory=dict)
    run_seconds: float = float("nan")
    worker: str = ""
    error: str | None = None
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RunBatch:
    """What came back from one batch of runs: each run's record (its spec, seconds,
    worker, or its error), and the finished runs' tables, each table of the batch as
    one Arrow table (the runs' rows in the batch's order).

    The results folder stores a batch's tables as one file each (:mod:`.store`): a
    Parquet file's fixed cost (its writer, schema and metadata, ~1 ms a table here) is
    paid once a batch rather than once a run, and a batch's tables cross from the worker
    as a few contiguous buffers rather than a few per column of every run.
    """

    runs: list[RunOutput]
    tables: dict[str, pa.Table] = field(default_factory=dict)

    @classmethod
    def of(cls, outputs: list[RunOutput]) -> RunBatch:
        """Gather the finished runs' tables into one table each (a run's record keeps
        none). Runs may lack a table (events are kept for a few) or a column; the
        combined table has nulls there. Categorical columns get the union of the runs'
        categories."""
        names: dict[str, list[pa.Table]] = {}
        for out in outputs:
            if out.ok:
                for name, t in out.tables.items():
                    names.setdefault(name, []).append(
                        t if isinstance(t, pa.Table)
                        else pa.Table.from_pandas(t, preserve_index=False))
        tables = {name: _combined(parts) for name, parts in names.items()}
        runs = [RunOutput(o.spec, {}, o.run_seconds, o.worker, o.error, o.traceback)
                for o in outputs]
        return cls(runs, tables)

    @property
    def ok(self) -> list[RunOutput]:
        """The runs that finished (their rows are in the tables)."""
        return [o for o in self.runs if o.ok]


def _combined(parts: list[pa.Table]) -> pa.Table:
    """Runs' tables as one table in contiguous buffers (dictionaries unified)."""
    parts = with_rows(parts)
    if len(parts) == 1:
        return parts[0]
    parts = [wide_dictionaries(t) for t in parts]  # codes of one width, to be united
    try:
        table = united_categories(pa.concat_tables(parts, promote_options="default"))
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # types that clash: pandas decides
        table = pa.Table.from_pandas(pd.concat([t.to_pandas() for t in parts],
                                               ignore_index=True), preserve_index=False)
    return table.combine_chunks()


def united_categories(table: pa.Table) -> pa.Table:
    """Each categorical column of a table joined from runs' (or files') tables, with one
    set of categories: where every part has the same categories in the same order, those
    (a person's status keeps its order); otherwise the union, sorted. The same rule when
    runs are gathered into batches and when batches are read, so however the runs were
    batched, a folder's table comes back with the same categories."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type) and column.num_chunks > 1:
            first = column.chunk(0).dictionary
            if not all(c.dictionary.equals(first) for c in column.chunks[1:]):
                column = _sorted_union(column)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=table.schema)


def _sorted_union(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A categorical column's chunks recoded to the sorted union of their categories."""
    import pyarrow.compute as pc

    values = pc.unique(pa.chunked_array([c.dictionary for c in column.chunks]))
    values = values.take(pc.sort_indices(values))
    chunks = [pa.DictionaryArray.from_arrays(
        pc.take(pc.index_in(c.dictionary, value_set=values).cast(column.type.index_type),
                c.indices), values, ordered=column.type.ordered)
        for c in column.chunks]
    return pa.chunked_array(chunks, type=column.type)


def with_rows(tables: list[pa.Table]) -> list[pa.Table]:
    """The tables that have rows, or the first alone if none has: a run's empty table
    adds no rows, and its columns' types (an empty column's type is pandas' guess) must
    not decide the others'."""
    kept = [t for t in tables if t.num_rows]
    return kept or tables[:1]


def wide_dictionaries(table: pa.Table) -> pa.Table:
    """The table with every categorical column's codes 32-bit (pandas stores a few
    categories' codes in 8 bits), so that runs' categories can be united: an event
    log's details, a hundred or so in one run, outnumber 127 across runs."""
    fields = [f.with_type(pa.dictionary(pa.int32(), f.type.value_type, f.type.ordered))
              if pa.types.is_dictionary(f.type) and f.type.index_type.bit_width < 32 else f
              for f in table.schema]
    schema = pa.schema(fields, metadata=table.schema.metadata)
    return table if schema.equals(table.schema) else table.cast(schema)


def _with_ids(df: pd.DataFrame, spec: RunSpec) -> pd.DataFrame:
    ids = spec.ids()
    front = pd.DataFrame({k: [v] * len(df) for k, v in ids.items()}, index=df.index)
    return pd.concat([front, df], axis=1)


def arrow_table(columns: Mapping[str, Any], spec: RunSpec) -> pa.Table:
    """One run's table as Arrow, straight from its columns (numpy arrays, lists or
    pandas Categoricals of one length), with the run's ids in front: the table, schema
    and pandas metadata that ``pa.Table.from_pandas(_with_ids(pd.DataFrame(columns),
    spec), preserve_index=False)`` gives, so a file written from it reads back as the
    same DataFrame, without building the DataFrame.

    Storing a run's tables was nearly all of the runner's own time: pyarrow converts a
    DataFrame column by column through pandas, about 33 us a column (a summary row of
    75 columns, 2.4 ms). The schema and its metadata are made that way once for each
    kind of table (its columns, their types and categories) and kept.
    """
    n = len(next(iter(columns.values())))
    ids = spec.ids()
    cols = {**{k: [v] * n for k, v in ids.items()}, **columns}
    # (An empty table's columns may take other types: it is a kind of its own.)
    key = (n == 0,) + tuple((k, ("id", type(v).__name__)) for k, v in ids.items()) + \
        tuple((k, _column_kind(v)) for k, v in columns.items())
    schema = _SCHEMAS.get(key)
    if schema is None:
        table = pa.Table.from_pandas(pd.DataFrame(cols), preserve_index=False)
        _SCHEMAS[key] = table.schema
        return table
    arrays = []
    for column, v in zip(schema, cols.values(), strict=True):
        if isinstance(v, pd.Categorical):
            arrays.append(pa.DictionaryArray.from_arrays(
                pa.array(v.codes, type=column.type.index_type),
                pa.array(v.categories.to_numpy(), type=column.type.value_type)))
        else:
            arrays.append(pa.array(v, type=column.type, from_pandas=True))  # NaN: null
    return pa.Table.from_arrays(arrays, schema=schema)


_SCHEMAS: dict[tuple, pa.Schema] = {}


def _column_kind(v: Any) -> tuple:
    """What decides a column's Arrow type and pandas metadata."""
    if isinstance(v, np.ndarray):
        return ("array", v.dtype.str)
    if isinstance(v, pd.Categorical):
        return ("categorical", tuple(v.categories), v.ordered, v.codes.dtype.str)
    return ("list",) + tuple(sorted({type(x).__name__ for x in v}))

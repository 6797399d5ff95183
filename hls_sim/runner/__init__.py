"""The scenario runner: many runs of many scenarios, on any executor, stored as they finish.

* :mod:`.ensemble`    what to run (scenarios x replicates, seeds) and the run loop
* :mod:`.work`        what a worker does with one batch of runs
* :mod:`.executors`   in-process, a local process pool, or a Dask cluster
* :mod:`.store`       the results folder: Parquet tables, manifest, resume
"""

from .ensemble import (
    Ensemble,
    EnsembleError,
    Outcome,
    provenance,
    resume_ensemble,
    run_ensemble,
)
from .executors import DaskExecutor, ExecutorError, ProcessExecutor, SerialExecutor, make_executor
from .store import EnsembleResults, ResultsStore, load_results
from .work import RunOutput, RunSpec

__all__ = ["Ensemble", "EnsembleError", "Outcome", "run_ensemble", "resume_ensemble",
           "load_results", "EnsembleResults", "ResultsStore", "RunSpec", "RunOutput",
           "make_executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor",
           "ExecutorError", "provenance"]

"""The scenario runner: many runs of many scenarios, on any executor, stored as they finish.

* :mod:`.experiment`  what to run (scenarios x replicates, seeds) and the run loop
* :mod:`.work`        what a worker does with one batch of runs
* :mod:`.executors`   in-process, a local process pool, or a Dask cluster
* :mod:`.store`       the results folder: Parquet tables, manifest, resume
"""

from .executors import DaskExecutor, ExecutorError, ProcessExecutor, SerialExecutor, make_executor
from .experiment import (
    Experiment,
    ExperimentError,
    Outcome,
    provenance,
    resume_experiment,
    run_experiment,
)
from .store import ExperimentResults, ResultsStore, load_results
from .work import RunOutput, RunSpec

__all__ = ["Experiment", "ExperimentError", "Outcome", "run_experiment", "resume_experiment",
           "load_results", "ExperimentResults", "ResultsStore", "RunSpec", "RunOutput",
           "make_executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor",
           "ExecutorError", "provenance"]

"""The design of an experiment: a sensitivity analysis or a scenario-discovery study, in YAML.

An experiment file names a base scenario (or another model), the factors to vary, the
outputs to study, the method and its settings, and how many replicates to run at each
sample point::

    description: Which assumptions drive the collaborative-minus-competitive gap?
    scenario: quick.yaml                  # the place (a scenario name or file)
    arms:                                 # run at every sample point, with the same seeds
      competitive: {}
      collaborative: {regime: collaborative}
    factors:
      support.handoff_loss: [0.1, 0.5]    # uniform between the bounds
      learning.reflection_learning: {bounds: [0.01, 0.1], group: learning}
    outputs:
      - {name: wellbeing_gap, metric: wellbeing_mean,
         difference: [collaborative, competitive]}
    method: sobol
    sample: {N: 256, calc_second_order: false}
    replicates: 2

Files are read with ``yaml.safe_load`` and validated in full before anything runs: every
problem is an :class:`ExperimentFileError`, one line naming the file and line, what was
wrong and what is allowed (with "did you mean" for misspelt keys and parameter names).
``docs/sensitivity.md`` describes every key.

:class:`DesignEnsemble` turns a validated file and its sample into the scenario
runner's runs (one :class:`~hls_sim.runner.work.RunSpec` per sample point, replicate and
arm), so a design runs on the same executors, into the same results store, and resumes
the same way as ``hls-sim run``.

* :mod:`.spec`     what an experiment file says (factors, outputs, method), validated
* :mod:`.parse`    reading and validating the file (one-line errors with file:line)
* :mod:`.sample`   SALib's problem and sample, checked; every run's seed
* :mod:`.plan`     the sample as the runner's ensemble; run and resume
* :mod:`.outputs`  the outputs read back from a results folder
"""

from __future__ import annotations

from .outputs import DesignOutputs, design_outputs, read_summaries
from .parse import arm_content, available, find, from_manifest, load, summary_metrics
from .plan import DesignEnsemble, resume_design, run_design
from .sample import (
    check_values,
    n_units,
    noise_points,
    prepare,
    problem,
    rows_per_unit,
    sample,
    samples_hash,
    seed_for,
)
from .spec import (
    DISTRIBUTIONS,
    INDEX_METHODS,
    KEYS,
    METHODS,
    SHIPPED_DIR,
    ExperimentFileError,
    ExperimentSpec,
    Factor,
    Output,
)

__all__ = ["DesignOutputs", "design_outputs", "read_summaries", "arm_content", "available",
           "find", "from_manifest", "load", "summary_metrics", "DesignEnsemble",
           "resume_design", "run_design", "check_values", "n_units", "noise_points",
           "prepare", "problem", "rows_per_unit", "sample", "samples_hash", "seed_for",
           "DISTRIBUTIONS", "INDEX_METHODS", "KEYS", "METHODS", "SHIPPED_DIR",
           "ExperimentFileError", "ExperimentSpec", "Factor", "Output"]

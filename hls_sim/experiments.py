"""Experiment files (sensitivity and discovery designs): the public name of
:mod:`hls_sim.design`, kept so ``from hls_sim import experiments`` goes on working.

    >>> from hls_sim import experiments
    >>> spec = experiments.load("experiments/sobol_regime_gap.yaml")
    >>> X = experiments.prepare(spec)
    >>> outcome = experiments.run_design(spec, X, "results/gap", workers=2)
"""

from .design import *  # noqa: F403
from .design import __all__  # noqa: F401

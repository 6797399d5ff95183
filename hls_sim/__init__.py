"""hls_sim: an agent-based simulator of how services for people with multiple and complex
needs are commissioned: competitive short-term funding against collaborative, long-term
Human Learning Systems commissioning.

    >>> import hls_sim
    >>> result = hls_sim.run("collaborative", seed=1)
    >>> result.timeseries[["week", "wellbeing_mean"]].tail()
    >>> result.summary["rereferral_12m_rate"]
    >>> print("\\n".join(result.journey(42)))
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .params import PRESETS, ParameterError, Params, make_params, parameter_names

if TYPE_CHECKING:
    from .model import HLSModel
    from .result import Result

__version__ = "0.1.0"
__all__ = ["run", "HLSModel", "Params", "Result", "ParameterError", "PRESETS", "make_params",
           "parameter_names", "__version__"]


def run(scenario: str | dict[str, Any] | Params | None = "competitive", seed: int = 0,
        **overrides: Any) -> Result:
    """Run one simulation and return its :class:`Result`.

    Args:
        scenario: a preset name (``"competitive"``, ``"collaborative"``), a dict of
            parameter overrides (dotted names, e.g. ``{"regime": "collaborative",
            "place.n_people": 2000}``), or a :class:`Params`.
        seed: random seed; the same seed gives identical results, and the same people
            and shocks in every regime (common random numbers).
        **overrides: more overrides, ``__`` for ``.`` (``place__n_weeks=104``).

    Raises:
        ParameterError: a parameter is unknown or out of range, or the parameters
            cannot make a run together (``feasibility.check``, as for a scenario file,
            but for the run's length: one line naming it, the value and what is
            allowed).
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ParameterError(f"invalid seed={seed!r}: allowed a whole number >= 0")
    from . import feasibility
    from .model import HLSModel
    from .result import Result

    start = time.perf_counter()
    params = make_params(scenario, **overrides)
    # The checks a scenario file and the runner make (0.4 ms): until 3 December 2026 an
    # override here went to the model unchecked, and a cost of 1e30 pence an hour ended
    # in a traceback from deep inside a compiled kernel. All but the run's length: a
    # short run from here (``place__n_weeks=8``, as tests and examples make) keeps the
    # model's own rules.
    feasibility.check(params, weeks=False)
    model = HLSModel(params, seed=seed)
    model.run()
    return Result.from_model(model, time.perf_counter() - start)


def __getattr__(name: str) -> Any:
    """``hls_sim.HLSModel`` and ``hls_sim.Result``, imported on first use: the model
    imports Mesa (with pandas, scipy.spatial and networkx, about 1.7 s), which the
    command line needs only when it runs a model, not for ``--help``, ``validate`` or
    a refused input."""
    if name == "HLSModel":
        from .model import HLSModel

        return HLSModel
    if name == "Result":
        from .result import Result

        return Result
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

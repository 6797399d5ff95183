"""The interface every mechanism of the week plan has.

As Starsim's modules do, a mechanism owns its parameters (it reads one group of
``model.params``), any state arrays it adds, the weekly results it records, and its
random numbers: each stochastic decision draws from its own stream
(:meth:`Mechanism.stream`), indexed by a stable slot (a person's, post's or
organisation's row), so the same agent meets the same luck in every world run from one
seed. Its lifecycle is small:

* ``init(model)`` once, after the model has built the place (people, posts,
  organisations, contracts) and before week 0;
* ``step(model)`` once a week, at its place in the week plan;
* ``record(model)`` once a week after every mechanism has stepped, to write its own
  results (``self.results[name][week]``);
* ``finalize(model)`` once when the run ends.

The week plan is simply the ordered list of mechanisms the model runs
(``hls_sim.mechanisms.default_mechanisms()``); a researcher adds or replaces one
from outside the package without touching the model::

    from hls_sim import HLSModel, mechanisms

    class Outreach(mechanisms.Mechanism):
        name = "outreach"
        def step(self, model): ...

    plan = mechanisms.insert_after(mechanisms.default_mechanisms(), "access", Outreach())
    model = HLSModel("competitive", seed=1, mechanisms=plan)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from ..streams import Stream

if TYPE_CHECKING:
    from ..model import HLSModel


class Mechanism:
    """One mechanism of the week.

    Class attributes:
        name: unique key in the week plan (and in ``model.mechanisms``).
        group: the ``Params`` group it reads (``None`` if several or none).
        result_names: weekly results it records; each becomes a column of the run's
            timeseries.

    Attributes set by :meth:`init`: ``results``, each result's weekly series by name,
    which are the rows of ``weekly`` (one row per result name, in order; one column per
    week), so a mechanism can record a week's results in one write,
    ``self.weekly[:, model.week] = values`` (one numpy call a week rather than one per
    result, which between compiled kernels costs more than it looks).
    """

    name: ClassVar[str] = "mechanism"
    group: ClassVar[str | None] = None
    result_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.results: dict[str, np.ndarray] = {}

    def init(self, model: HLSModel) -> None:
        """Set up before week 0 (called once, in plan order)."""
        self.weekly = np.full((len(self.result_names), model.params.place.n_weeks), np.nan)
        self.results = dict(zip(self.result_names, self.weekly, strict=True))

    def stream(self, model: HLSModel, decision: str) -> Stream:
        """The random numbers of one of this mechanism's decisions: a draw is fixed by
        (seed, decision, week, slot), so worlds run from one seed share their luck."""
        return Stream(model.seed, f"{self.name}.{decision}", kernels=model.kernels)

    def step(self, model: HLSModel) -> None:
        """This mechanism's part of the week."""

    def record(self, model: HLSModel) -> None:
        """Write this week's results into ``self.results`` (after every step)."""

    def finalize(self, model: HLSModel) -> None:
        """After the last week."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

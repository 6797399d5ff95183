"""The economic case: a Green Book appraisal of each option against the no-service arm.

    >>> from hls_sim.appraisal import economic_case, plot_who_pays
    >>> case = economic_case(results)      # EnsembleResults with a "no_service" arm
    >>> print(case.table_text())           # committee table, paired differences, payers
    >>> case.summary["collaborative: npv"]

See docs/appraisal.md for what is and is not counted, and where every number comes from.
"""

from ..params.appraisal import AppraisalParams
from .case import FIGURES, EconomicCase, economic_case, npv, plot_who_pays, switching_share
from .engine import (
    BASELINE,
    AppraisalError,
    discount_factors,
    ledger,
    price_index,
    unit_costs,
    uprate,
    wellby_values,
    yearly_quantities,
)

__all__ = ["AppraisalParams", "AppraisalError", "BASELINE", "EconomicCase", "FIGURES",
           "discount_factors", "economic_case", "ledger", "npv", "plot_who_pays",
           "price_index", "switching_share", "unit_costs", "uprate", "wellby_values",
           "yearly_quantities"]

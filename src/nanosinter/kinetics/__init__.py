"""Kinetics of sintering: neck-growth laws, model choice, surface diffusivity, mechanism verdict.

Start from a dimer table (``dimer.csv`` from the analysis or ``observables.csv`` from the KMC):

>>> from nanosinter import kinetics
>>> table = kinetics.read_dimer_table("dimer.csv")          # doctest: +SKIP
>>> fit = kinetics.fit_dimer_neck_growth(table, rng=0)       # doctest: +SKIP
>>> fit.best, fit.model("power_law").params["n"]            # doctest: +SKIP
"""

from nanosinter.kinetics._fit import (
    ModelFit,
    NeckGrowthFit,
    fit_dimer_neck_growth,
    fit_neck_growth,
)
from nanosinter.kinetics._laws import MECHANISM_BY_KEY, MECHANISMS, Mechanism, neck_ratio
from nanosinter.kinetics._table import (
    DimerTable,
    contact_time_s,
    dimer_table_from_columns,
    read_dimer_table,
)

__all__ = [
    "MECHANISMS",
    "MECHANISM_BY_KEY",
    "DimerTable",
    "Mechanism",
    "ModelFit",
    "NeckGrowthFit",
    "contact_time_s",
    "dimer_table_from_columns",
    "fit_dimer_neck_growth",
    "fit_neck_growth",
    "neck_ratio",
    "read_dimer_table",
]

"""Kinetics of sintering: neck-growth laws, model choice, surface diffusivity, mechanism verdict.

Start from a dimer table (``dimer.csv`` from the analysis or ``observables.csv`` from the KMC):

>>> from nanosinter import kinetics
>>> table = kinetics.read_dimer_table("dimer.csv")          # doctest: +SKIP
>>> fit = kinetics.fit_dimer_neck_growth(table, rng=0)       # doctest: +SKIP
>>> fit.best, fit.model("power_law").params["n"]            # doctest: +SKIP
"""

from nanosinter.kinetics._analyze import KineticsResult, analyze_kinetics, read_particles_table
from nanosinter.kinetics._budget import BeamBudget, ElementBudget, beam_budget, hops_needed
from nanosinter.kinetics._diffusivity import (
    B_from_surface_diffusivity,
    SurfaceDiffusivity,
    surface_diffusivity,
    surface_diffusivity_from_B,
)
from nanosinter.kinetics._evidence import (
    Evidence,
    Verdict,
    centre_motion_evidence,
    decide_mechanism,
    densification_evidence,
    densification_likelihood_ratio,
    mechanism_evidence,
    merge_events,
    merge_motion_evidence,
    neck_curvature_evidence,
    ostwald_evidence,
    sublimation_evidence,
    vapour_transport_evidence,
    volume_evidence,
)
from nanosinter.kinetics._fit import (
    ModelFit,
    NeckGrowthFit,
    fit_dimer_neck_growth,
    fit_neck_growth,
    initial_stage_end_s,
)
from nanosinter.kinetics._laws import MECHANISM_BY_KEY, MECHANISMS, Mechanism, neck_ratio
from nanosinter.kinetics._plots import plot_dimer_curves, plot_neck_growth, save_figure
from nanosinter.kinetics._table import (
    DimerTable,
    contact_time_s,
    dimer_table_from_columns,
    read_dimer_table,
)

__all__ = [
    "MECHANISMS",
    "MECHANISM_BY_KEY",
    "B_from_surface_diffusivity",
    "BeamBudget",
    "DimerTable",
    "ElementBudget",
    "Evidence",
    "KineticsResult",
    "Mechanism",
    "ModelFit",
    "NeckGrowthFit",
    "SurfaceDiffusivity",
    "Verdict",
    "analyze_kinetics",
    "beam_budget",
    "centre_motion_evidence",
    "contact_time_s",
    "decide_mechanism",
    "densification_evidence",
    "densification_likelihood_ratio",
    "dimer_table_from_columns",
    "fit_dimer_neck_growth",
    "fit_neck_growth",
    "hops_needed",
    "initial_stage_end_s",
    "mechanism_evidence",
    "merge_events",
    "merge_motion_evidence",
    "neck_curvature_evidence",
    "neck_ratio",
    "ostwald_evidence",
    "plot_dimer_curves",
    "plot_neck_growth",
    "read_dimer_table",
    "read_particles_table",
    "save_figure",
    "sublimation_evidence",
    "surface_diffusivity",
    "surface_diffusivity_from_B",
    "vapour_transport_evidence",
    "volume_evidence",
]

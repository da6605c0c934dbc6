"""One call from a dimer table to fits, evidence, verdict, D_s and (optionally) beam budget."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nanosinter.errors import AnalysisError, FileFormatError, InputError
from nanosinter.kinetics._budget import DEFAULT_ELEMENTS, BeamBudget, beam_budget
from nanosinter.kinetics._diffusivity import (
    CDS_FORMULA_VOLUME_NM3,
    DEFAULT_SURFACE_ENERGY_J_PER_M2,
    ROOM_TEMPERATURE_K,
    SurfaceDiffusivity,
    surface_diffusivity,
)
from nanosinter.kinetics._evidence import (
    CDS_SUBLIMATION_ENTHALPY_eV,
    Evidence,
    Verdict,
    decide_mechanism,
    mechanism_evidence,
)
from nanosinter.kinetics._fit import DEFAULT_MAX_X_OVER_A, NeckGrowthFit, fit_dimer_neck_growth
from nanosinter.kinetics._table import DimerTable, contact_time_s


@dataclass(frozen=True)
class KineticsResult:
    """Everything :func:`analyze_kinetics` finds for one dimer record.

    Attributes
    ----------
    table : DimerTable
    fit : NeckGrowthFit or None
        None when the particles never touch (or too few points follow contact).
    evidence : tuple of Evidence
    verdict : Verdict
    diffusivity : SurfaceDiffusivity or None
        Effective D_s from the surface-diffusion law (None without a fit).
    budget : BeamBudget or None
        Only when a dose rate was given and D_s exists.
    notes : tuple of str
    """

    table: DimerTable
    fit: NeckGrowthFit | None
    evidence: tuple[Evidence, ...]
    verdict: Verdict
    diffusivity: SurfaceDiffusivity | None
    budget: BeamBudget | None
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        """JSON-ready summary (pass it through :func:`nanosinter._json.dumps`)."""
        return {
            "source": self.table.source,
            "n_rows": len(self.table),
            "contact_time_s": contact_time_s(self.table),
            "verdict": self.verdict.as_dict(),
            "fit": None if self.fit is None else self.fit.as_dict(),
            "surface_diffusivity": None if self.diffusivity is None
            else self.diffusivity.as_dict(),
            "evidence": [e.as_dict() for e in self.evidence],
            "beam_budget": None if self.budget is None else self.budget.as_dict(),
            "notes": list(self.notes),
        }


def analyze_kinetics(
    table: DimerTable,
    *,
    particles: Mapping[str, np.ndarray] | None = None,
    contact_time_s: float | None = None,
    time_offset_s: float = 0.0,
    max_x_over_a: float | None = DEFAULT_MAX_X_OVER_A,
    criterion: str = "bic",
    n_boot: int = 500,
    confidence: float = 0.95,
    rng: np.random.Generator | int | None = 0,
    temperature_K: float = ROOM_TEMPERATURE_K,
    surface_energy_J_per_m2: float = DEFAULT_SURFACE_ENERGY_J_PER_M2,
    atomic_volume_nm3: float = CDS_FORMULA_VOLUME_NM3,
    dose_rate_e_per_A2_s: float | None = None,
    beam_energy_keV: float = 300.0,
    elements: Sequence[str] = DEFAULT_ELEMENTS,
    hop_threshold_eV: Mapping[str, float] | None = None,
    surface_binding_dataset: str = "tang2023",
    sublimation_enthalpy_eV: float | None = CDS_SUBLIMATION_ENTHALPY_eV,
) -> KineticsResult:
    """Fit the neck growth, gather the mechanism evidence, decide, and estimate D_s.

    Parameters
    ----------
    table : DimerTable
        From :func:`read_dimer_table`.
    particles : mapping, optional, keyword-only
        Per-particle tracks (:func:`read_particles_table`) for the centre-motion row.
    contact_time_s, time_offset_s, max_x_over_a : keyword-only
        Time zero of the neck growth and end of the initial stage (see
        :func:`fit_dimer_neck_growth`).
    criterion, n_boot, confidence, rng : keyword-only
        Model choice and bootstrap options (see :func:`fit_neck_growth`); ``rng`` defaults to
        the seed 0 so that a report is reproducible.
    temperature_K, surface_energy_J_per_m2, atomic_volume_nm3 : keyword-only
        Inputs of the Kuczynski D_s (see :func:`surface_diffusivity_from_B`); the temperature
        also enters the vapour-transport test unless the table has a ``temperature_K``
        column.
    sublimation_enthalpy_eV : float or None, keyword-only
        For the vapour-transport test (default CdS, Nishimura 1991); None leaves it out.
    dose_rate_e_per_A2_s : float, optional, keyword-only
        Electron flux; when given, the beam budget is computed over the neck-growth time.
    beam_energy_keV, elements, hop_threshold_eV, surface_binding_dataset : keyword-only
        Passed to :func:`beam_budget`.

    Returns
    -------
    KineticsResult
    """
    gen = np.random.default_rng(rng)
    notes: list[str] = []
    fit = None
    if table.has_contact:
        try:
            fit = fit_dimer_neck_growth(
                table, contact_time_s=contact_time_s, time_offset_s=time_offset_s,
                max_x_over_a=max_x_over_a, criterion=criterion, n_boot=n_boot,
                confidence=confidence, rng=gen,
            )
        except AnalysisError as exc:
            notes.append(f"no neck-growth fit: {exc}")
    else:
        notes.append("the particles never touch: no neck-growth fit")
    a = None if fit is None else fit.particle_radius_nm
    until = None if fit is None else fit.initial_stage_end_s
    evidence = mechanism_evidence(table, particles=particles, particle_radius_nm=a,
                                  until_s=until, fit=fit, temperature_K=temperature_K,
                                  sublimation_enthalpy_eV=sublimation_enthalpy_eV, rng=gen)
    verdict = decide_mechanism(evidence, fit)
    diff = None
    budget = None
    if fit is not None:
        diff = surface_diffusivity(
            fit, temperature_K=temperature_K, surface_energy_J_per_m2=surface_energy_J_per_m2,
            atomic_volume_nm3=atomic_volume_nm3,
        )
        if verdict.mechanism != "surface_diffusion":
            notes.append("D_s assumes surface diffusion; the verdict is "
                         f"{verdict.label}, so read D_s as a bound, not a measurement")
        if dose_rate_e_per_A2_s is not None:
            budget = beam_budget(
                D_s_nm2_per_s=diff.D_s_nm2_per_s,
                D_s_interval_nm2_per_s=diff.interval_nm2_per_s,
                exposure_s=float(fit.time_s.max()),
                dose_rate_e_per_A2_s=dose_rate_e_per_A2_s, beam_energy_keV=beam_energy_keV,
                elements=elements, hop_threshold_eV=hop_threshold_eV,
                surface_binding_dataset=surface_binding_dataset,
            )
    return KineticsResult(table, fit, evidence, verdict, diff, budget, tuple(notes))


def read_particles_table(path: str | os.PathLike[str],
                         events: str | os.PathLike[str] | None = None) -> dict[str, np.ndarray]:
    """Read a per-particle track table (``particles.csv`` of the analysis or the KMC).

    Needs ``time_s, track_id`` and the centroid as ``centroid_x_nm, centroid_y_nm`` or as
    ``x_nm, y_nm`` (the names ``nanosinter analyze`` writes, returned under the ``centroid_*``
    names); other columns (``frame``, ``equivalent_diameter_nm``, the KMC's ``body`` ...) are
    kept as they are.

    The merge events of the analysis (``events.csv``: ``time_s, event, parent_ids``) are
    attached as ``merge_time_s`` and ``merge_parent_ids`` (one entry per merge, parent track
    ids separated by spaces) for :func:`merge_motion_evidence`: from *events* when given,
    else from an ``events.csv`` beside *path* when one exists.

    Raises
    ------
    FileFormatError
        If the file is missing or unreadable.
    InputError
        If a needed column is missing.
    """
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"particle table {p} does not exist")
    try:
        df = pd.read_csv(p)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise FileFormatError(f"particle table {p} is not a readable CSV: {exc}") from None
    for axis in ("x", "y"):
        if f"centroid_{axis}_nm" not in df.columns and f"{axis}_nm" in df.columns:
            df[f"centroid_{axis}_nm"] = df[f"{axis}_nm"]
    need = ("time_s", "track_id", "centroid_x_nm", "centroid_y_nm")
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputError(f"particle table {p} lacks column(s) {', '.join(missing)}")
    out = {str(c): df[c].to_numpy() for c in df.columns}
    ev_path = Path(events) if events is not None else p.parent / "events.csv"
    if events is not None and not ev_path.is_file():
        raise FileFormatError(f"events table {ev_path} does not exist")
    if ev_path.is_file():
        try:
            ev = pd.read_csv(ev_path, dtype={"parent_ids": str})
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise FileFormatError(f"events table {ev_path} is not a readable CSV: {exc}"
                                  ) from None
        miss = [c for c in ("time_s", "event", "parent_ids") if c not in ev.columns]
        if miss:
            raise InputError(f"events table {ev_path} lacks column(s) {', '.join(miss)}")
        m = ev["event"].astype(str) == "merge"
        out["merge_time_s"] = ev.loc[m, "time_s"].to_numpy(float)
        out["merge_parent_ids"] = ev.loc[m, "parent_ids"].fillna("").astype(str).to_numpy()
    return out

"""Per-element summary of knock-on physics at one beam energy (what ``nanosinter beam`` prints).

References
----------
.. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004). doi:10.1016/j.micron.2004.02.003
.. [2] R. F. Egerton, R. McLeod, F. Wang, M. Malac, Ultramicroscopy 110, 991 (2010).
   doi:10.1016/j.ultramic.2009.11.003
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nanosinter._validation import check_choice, check_positive, check_same_length
from nanosinter.beam._cross_sections import (
    MODELS,
    displacement_cross_section_barn,
    mf_validity_message,
    sputter_cross_section_barn,
)
from nanosinter.beam._kinematics import (
    max_energy_transfer_eV,
    threshold_angle_deg,
    threshold_beam_energy_keV,
)
from nanosinter.beam._rates import electron_flux_e_per_A2_s, event_rate_per_s
from nanosinter.errors import InputError
from nanosinter.materials import (
    DATASETS,
    DISPLACEMENT_TO_SUBLIMATION_RATIO,
    element,
    surface_binding_energy_eV,
)

#: Column order of a record (rates only present when a dose rate is given).
RECORD_KEYS = (
    "element", "Z", "mass_u", "E_max_eV", "surface_binding_eV", "surface_binding_source",
    "threshold_angle_deg", "reachable", "displacement_energy_eV", "displacement_energy_source",
    "displacement_threshold_kV", "sputter_threshold_kV", "sigma_displacement_barn",
    "sigma_sputter_barn",
)
RATE_KEYS = ("displacement_rate_per_s", "sputter_rate_per_s", "sputter_mean_time_s")


@dataclass
class BeamTable:
    """Result of :func:`beam_table`.

    Attributes
    ----------
    beam_energy_keV : float
        Electron energy.
    energies : str
        Energy data set name.
    model : str
        Cross-section model.
    dose_rate_e_per_A2_s : float or None
        Flux used for the rates (None when no flux was given).
    records : list of dict
        One record per element (keys :data:`RECORD_KEYS` and, with a flux, :data:`RATE_KEYS`).
        ``threshold_angle_deg`` is None where the binding energy exceeds E_max.
    warnings : list of str
        Validity notes (McKinley–Feshbach for Z ≥ 28).
    """

    beam_energy_keV: float
    energies: str
    model: str
    dose_rate_e_per_A2_s: float | None
    records: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"kV": ..., "elements": [...], ...}`` (the CLI contract)."""
        out: dict[str, Any] = {
            "kV": self.beam_energy_keV,
            "energies": self.energies,
            "model": self.model,
            "elements": self.records,
            "warnings": self.warnings,
        }
        if self.dose_rate_e_per_A2_s is not None:
            out["dose_rate_e_per_A2_s"] = self.dose_rate_e_per_A2_s
        return out


def _paired(name: str, values: Sequence[Any] | None, symbols: Sequence[str]) -> list[float] | None:
    if values is None:
        return None
    check_same_length(["elements", name], symbols, values)
    return [float(check_positive(f"{name} for {s}", v)) for s, v in zip(symbols, values,
                                                                        strict=True)]


def beam_table(
    elements: Sequence[str],
    *,
    beam_energy_keV: float,
    energies: str = "tang2023",
    surface_energies_eV: Sequence[float] | None = None,
    displacement_energies_eV: Sequence[float] | None = None,
    dose_rate_e_per_A2_s: float | None = None,
    current_density_A_per_cm2: float | None = None,
    model: str = "mckinley-feshbach",
) -> BeamTable:
    """Knock-on summary per element: E_max, threshold angle, thresholds, cross sections, rates.

    Parameters
    ----------
    elements : sequence of str
        Chemical symbols (at least one).
    beam_energy_keV : float, keyword-only
        Electron energy in keV.
    energies : {"tang2023", "crc", "srim"}, keyword-only
        Data set for surface binding energies E_s.
    surface_energies_eV : sequence of float, optional, keyword-only
        E_s per element in the order of *elements*, replacing the data set.
    displacement_energies_eV : sequence of float, optional, keyword-only
        E_d per element; by default E_d = (5/3) E_s (Egerton et al. 2010, calibrated to
        measured sputtering).
    dose_rate_e_per_A2_s, current_density_A_per_cm2 : float, optional, keyword-only
        Electron flux (at most one) for per-atom rates.
    model : {"mckinley-feshbach", "rutherford"}, keyword-only
        Cross-section model.

    Returns
    -------
    BeamTable
        Records and validity warnings.

    References
    ----------
    .. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004).
       doi:10.1016/j.micron.2004.02.003
    .. [2] R. F. Egerton et al., Ultramicroscopy 110, 991 (2010).
       doi:10.1016/j.ultramic.2009.11.003
    """
    if isinstance(elements, str) or len(elements) == 0:
        raise InputError("elements must be a non-empty list of chemical symbols")
    e0 = float(check_positive("beam_energy_keV", beam_energy_keV))
    check_choice("energies", energies, DATASETS)
    check_choice("model", model, MODELS)
    els = [element(s) for s in elements]
    symbols = [e.symbol for e in els]
    es_given = _paired("surface_energies_eV", surface_energies_eV, symbols)
    ed_given = _paired("displacement_energies_eV", displacement_energies_eV, symbols)
    flux = None
    if dose_rate_e_per_A2_s is not None or current_density_A_per_cm2 is not None:
        flux = float(electron_flux_e_per_A2_s(
            dose_rate_e_per_A2_s=dose_rate_e_per_A2_s,
            current_density_A_per_cm2=current_density_A_per_cm2,
        ))

    table = BeamTable(e0, energies, model, flux)
    for i, el in enumerate(els):
        if es_given is not None:
            es, es_src = es_given[i], "given"
        else:
            es, es_src = surface_binding_energy_eV(el.symbol, energies), energies
        if ed_given is not None:
            ed, ed_src = ed_given[i], "given"
        else:
            ed = DISPLACEMENT_TO_SUBLIMATION_RATIO * es
            ed_src = "5/3 x surface binding energy (Egerton et al. 2010)"
        emax = float(max_energy_transfer_eV(e0, el.mass_u))
        theta = float(threshold_angle_deg(e0, el.mass_u, es))
        rec: dict[str, Any] = {
            "element": el.symbol,
            "Z": el.Z,
            "mass_u": el.mass_u,
            "E_max_eV": emax,
            "surface_binding_eV": es,
            "surface_binding_source": es_src,
            "threshold_angle_deg": None if math.isnan(theta) else theta,
            "reachable": es <= emax,
            "displacement_energy_eV": ed,
            "displacement_energy_source": ed_src,
            "displacement_threshold_kV": float(threshold_beam_energy_keV(el.mass_u, ed)),
            "sputter_threshold_kV": float(threshold_beam_energy_keV(el.mass_u, es)),
            "sigma_displacement_barn": float(displacement_cross_section_barn(
                e0, el.Z, el.mass_u, ed, model=model, warn=False)),
            "sigma_sputter_barn": float(sputter_cross_section_barn(
                e0, el.Z, el.mass_u, es, model=model, warn=False)),
        }
        if flux is not None:
            k_d = float(event_rate_per_s(rec["sigma_displacement_barn"], dose_rate_e_per_A2_s=flux))
            k_s = float(event_rate_per_s(rec["sigma_sputter_barn"], dose_rate_e_per_A2_s=flux))
            rec["displacement_rate_per_s"] = k_d
            rec["sputter_rate_per_s"] = k_s
            rec["sputter_mean_time_s"] = 1.0 / k_s if k_s > 0 else None
        table.records.append(rec)
    msg = mf_validity_message([e.Z for e in els], model)
    if msg:
        table.warnings.append(msg)
    return table


def format_table(table: BeamTable) -> str:
    """Plain-text table of a :class:`BeamTable` for a terminal.

    Parameters
    ----------
    table : BeamTable
        The result of :func:`beam_table`.

    Returns
    -------
    str
        Header line, one line per element, and footnotes.

    References
    ----------
    .. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004).
       doi:10.1016/j.micron.2004.02.003
    """
    cols = [("element", "el", "{}"), ("Z", "Z", "{}"), ("mass_u", "M/u", "{:.3f}"),
            ("E_max_eV", "Emax/eV", "{:.3f}"), ("surface_binding_eV", "Es/eV", "{:.3f}"),
            ("threshold_angle_deg", "theta_th/deg", "{:.2f}"),
            ("displacement_energy_eV", "Ed/eV", "{:.3f}"),
            ("displacement_threshold_kV", "Ed_thr/kV", "{:.1f}"),
            ("sputter_threshold_kV", "Es_thr/kV", "{:.1f}"),
            ("sigma_displacement_barn", "sig_d/b", "{:.4g}"),
            ("sigma_sputter_barn", "sig_s/b", "{:.4g}")]
    if table.dose_rate_e_per_A2_s is not None:
        cols += [("displacement_rate_per_s", "k_d/s^-1", "{:.3g}"),
                 ("sputter_rate_per_s", "k_s/s^-1", "{:.3g}")]
    rows = [[h for _, h, _ in cols]]
    for rec in table.records:
        row = []
        for key, _, fmt in cols:
            v = rec[key]
            row.append("unreachable" if v is None and key == "threshold_angle_deg"
                       else "-" if v is None else fmt.format(v))
        rows.append(row)
    widths = [max(len(r[j]) for r in rows) for j in range(len(cols))]
    lines = [f"Knock-on at {table.beam_energy_keV:g} keV, energies: {table.energies}, "
             f"cross sections: {table.model}"]
    if table.dose_rate_e_per_A2_s is not None:
        lines[0] += f", flux {table.dose_rate_e_per_A2_s:g} e/(A^2 s)"
    for r in rows:
        lines.append("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    lines.append("theta_th: smallest electron deflection angle giving E_t >= Es "
                 "(E_t = Emax sin^2(theta/2)); sig_s: planar escape, E_min = sqrt(Es Emax).")
    return "\n".join(lines)

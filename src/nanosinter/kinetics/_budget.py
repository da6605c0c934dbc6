"""Beam budget: can knock-on collisions alone supply the hops the measured D_s needs?

A surface atom that hops at rate Gamma a distance lambda in two dimensions has
D_s = Gamma lambda^2 / 4, so a diffusivity D_s over a time t needs

    N_needed = 4 D_s t / lambda^2

hops per surface atom. The beam supplies N_beam = sigma_hop * (dose rate) * t knock-on events
per atom, where sigma_hop is the McKinley–Feshbach cross section for transferring more than a
hop threshold E_hop (Egerton's treatment of beam-induced adatom motion; Tang et al. take
"E_t > surface binding energy" as the criterion for surface diffusion, which is the default
threshold here). Both sides scale with t, so the ratio N_beam / N_needed =
sigma_hop F lambda^2 / (4 D_s) (F the electron flux) is a ratio of rates and does not depend on
the exposure. For a compound both species must move: the headline
answer uses the slowest species.

References
----------
.. [1] R. F. Egerton, "Beam-induced motion of adatoms in the transmission electron microscope",
   Microsc. Microanal. 19, 479 (2013). doi:10.1017/S1431927612014274
.. [2] R. F. Egerton, P. Li and M. Malac, "Radiation damage in the TEM and SEM", Micron 35,
   399 (2004). doi:10.1016/j.micron.2004.02.003
.. [3] H. Mehrer, "Diffusion in Solids", Springer (2007), ch. 7 (D = Gamma lambda^2 / 2d for a
   random walk in d dimensions). doi:10.1007/978-3-540-71488-0
.. [4] L. Tang et al., Nanomaterials 13, 3082 (2023). doi:10.3390/nano13243082
.. [5] O. Madelung, "Semiconductors: Data Handbook" (2004) (CdS wurtzite a = 0.4136 nm).
   doi:10.1007/978-3-642-18865-7
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from nanosinter._validation import check_positive
from nanosinter.errors import InputError

#: hop length: the cation–cation (same-sublattice) distance a of wurtzite CdS (Madelung 2004)
DEFAULT_HOP_LENGTH_NM = 0.4136
#: species at the surface of the CdSe/CdS core/shell particles (CdS shell, Tang et al. 2023)
DEFAULT_ELEMENTS = ("Cd", "S")
#: Egerton et al. (2004): McKinley–Feshbach is accurate for Z < 28
MF_MAX_Z = 28


@dataclass(frozen=True)
class ElementBudget:
    """Knock-on supply against diffusion demand for one element (per surface atom)."""

    symbol: str
    Z: int
    mass_u: float
    max_transfer_eV: float
    hop_threshold_eV: float
    hop_cross_section_barn: float
    sputter_cross_section_barn: float
    hop_rate_per_s: float
    sputter_rate_per_s: float
    hops_supplied: float
    sputter_events: float
    ratio: float
    ratio_interval: tuple[float, float]
    break_even_threshold_eV: float

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["ratio_interval"] = list(self.ratio_interval)
        return d


@dataclass(frozen=True)
class BeamBudget:
    """Result of :func:`beam_budget`.

    Attributes
    ----------
    elements : tuple of ElementBudget
        One row per element.
    hops_needed : float
        4 D_s t / lambda^2 per surface atom over the exposure.
    hops_needed_interval : (float, float)
        From the interval of D_s.
    limiting_ratio : float
        Smallest supplied/needed ratio over the elements (both species must move).
    can_explain : bool
        True when the beam supplies at least the needed hops for every element.
    answer : str
        One sentence for the report.
    notes : tuple of str
    """

    elements: tuple[ElementBudget, ...]
    hops_needed: float
    hops_needed_interval: tuple[float, float]
    required_hop_rate_per_s: float
    exposure_s: float
    beam_energy_keV: float
    dose_rate_e_per_A2_s: float
    hop_length_nm: float
    D_s_nm2_per_s: float
    limiting_ratio: float
    can_explain: bool
    answer: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "elements"}
        d["hops_needed_interval"] = list(self.hops_needed_interval)
        d["notes"] = list(self.notes)
        d["elements"] = [e.as_dict() for e in self.elements]
        return d


def hops_needed(D_s_nm2_per_s: float, time_s: float, *, hop_length_nm: float =
                DEFAULT_HOP_LENGTH_NM) -> float:
    """Hops per surface atom that a 2-D random walk with diffusivity D_s makes in *time_s*.

    N = 4 D_s t / lambda^2 (from D = Gamma lambda^2 / 2d with d = 2).

    References
    ----------
    .. [1] H. Mehrer, "Diffusion in Solids" (2007), ch. 7. doi:10.1007/978-3-540-71488-0
    """
    lam = float(check_positive("hop_length_nm", hop_length_nm))
    return 4.0 * float(D_s_nm2_per_s) * float(time_s) / lam**2


def beam_budget(
    *,
    D_s_nm2_per_s: float,
    exposure_s: float,
    dose_rate_e_per_A2_s: float,
    beam_energy_keV: float = 300.0,
    elements: Sequence[str] = DEFAULT_ELEMENTS,
    hop_threshold_eV: Mapping[str, float] | None = None,
    surface_binding_dataset: str = "tang2023",
    D_s_interval_nm2_per_s: tuple[float, float] | None = None,
    hop_length_nm: float = DEFAULT_HOP_LENGTH_NM,
) -> BeamBudget:
    """Knock-on hops the beam supplies per surface atom against the hops D_s needs.

    Parameters
    ----------
    D_s_nm2_per_s : float, keyword-only
        Effective surface diffusivity from the neck growth (nm^2/s), e.g.
        :func:`surface_diffusivity`.
    exposure_s : float, keyword-only
        Irradiation time over which the neck grew (s).
    dose_rate_e_per_A2_s : float, keyword-only
        Electron flux (e / Å^2 / s).
    beam_energy_keV : float, keyword-only
        Incident energy (keV); 300 in Tang et al. (2023).
    elements : sequence of str, keyword-only
        Surface species; default Cd and S (the CdS shell).
    hop_threshold_eV : mapping, optional, keyword-only
        Least energy transfer that makes an atom hop, per element (eV). Default: the surface
        binding energy from *surface_binding_dataset* -- Tang et al.'s criterion for
        beam-driven surface diffusion.
    surface_binding_dataset : {"tang2023", "crc", "srim"}, keyword-only
        Data set of :func:`nanosinter.materials.surface_binding_energy_eV` for the default hop
        threshold and for the sputter cross section.
    D_s_interval_nm2_per_s : (float, float), optional, keyword-only
        Interval of D_s, carried into the needed hops and the ratios.
    hop_length_nm : float, keyword-only
        Hop length lambda (nm); default the wurtzite CdS a (0.4136 nm).

    Returns
    -------
    BeamBudget

    Notes
    -----
    McKinley–Feshbach cross sections are used for every element; for Z >= 28 (Cd, Se) they
    are approximate (Egerton et al. 2004) and are called with ``warn=False``; the result says
    so in its notes. The supplied hops are an upper bound: a transfer above the threshold in a
    direction that does not lead to a neighbouring site makes no hop.

    References
    ----------
    .. [1] R. F. Egerton, Microsc. Microanal. 19, 479 (2013).
       doi:10.1017/S1431927612014274
    .. [2] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004).
       doi:10.1016/j.micron.2004.02.003
    .. [3] H. Mehrer, "Diffusion in Solids" (2007). doi:10.1007/978-3-540-71488-0
    """
    from nanosinter.beam import (
        displacement_cross_section_barn,
        event_rate_per_s,
        max_energy_transfer_eV,
        sputter_cross_section_barn,
    )
    from nanosinter.materials import element

    D = float(check_positive("D_s_nm2_per_s", D_s_nm2_per_s))
    t = float(check_positive("exposure_s", exposure_s))
    flux = float(check_positive("dose_rate_e_per_A2_s", dose_rate_e_per_A2_s))
    e0 = float(check_positive("beam_energy_keV", beam_energy_keV))
    lam = float(check_positive("hop_length_nm", hop_length_nm))
    if not elements:
        raise InputError("elements must name at least one element")
    need = hops_needed(D, t, hop_length_nm=lam)
    if D_s_interval_nm2_per_s is not None:
        lo, hi = (hops_needed(v, t, hop_length_nm=lam) for v in D_s_interval_nm2_per_s)
    else:
        lo = hi = need
    rows = []
    notes = []
    for sym in elements:
        el = element(sym)
        es = _binding(el.symbol, surface_binding_dataset)
        eh = es if not hop_threshold_eV or el.symbol not in _norm(hop_threshold_eV) else float(
            check_positive(f"hop_threshold_eV[{el.symbol}]", _norm(hop_threshold_eV)[el.symbol]))
        quiet = el.Z < MF_MAX_Z
        if not quiet:
            notes.append(f"{el.symbol} (Z = {el.Z}): McKinley–Feshbach is approximate for "
                         "Z >= 28 (Egerton 2004); used without a Mott correction")
        emax = float(max_energy_transfer_eV(e0, el.mass_u))
        s_hop = float(displacement_cross_section_barn(e0, el.Z, el.mass_u, eh, warn=quiet))
        s_sp = float(sputter_cross_section_barn(e0, el.Z, el.mass_u, es, warn=quiet))
        k_hop = float(event_rate_per_s(s_hop, dose_rate_e_per_A2_s=flux))
        k_sp = float(event_rate_per_s(s_sp, dose_rate_e_per_A2_s=flux))
        supplied = k_hop * t
        ratio = supplied / need
        r_iv = (supplied / hi if hi > 0 else float("inf"), supplied / lo if lo > 0 else
                float("inf"))
        rows.append(ElementBudget(
            el.symbol, el.Z, el.mass_u, emax, eh, s_hop, s_sp, k_hop, k_sp, supplied,
            k_sp * t, ratio, r_iv,
            _break_even(e0, el, need / (flux * t * 1e-8), quiet),
        ))
    limiting = min(r.ratio for r in rows)
    slow = min(rows, key=lambda r: r.ratio)
    can = limiting >= 1.0
    if can:
        answer = (f"Yes: the beam supplies {limiting:.3g}x the hops D_s needs even for the "
                  f"slowest species ({slow.symbol}), so knock-on alone could drive this neck "
                  "growth.")
    else:
        answer = (f"No: the beam supplies only {limiting:.3g}x the hops D_s needs for "
                  f"{slow.symbol}; knock-on alone cannot explain this neck growth unless the "
                  f"hop threshold of {slow.symbol} is below {slow.break_even_threshold_eV:.3g} "
                  "eV.")
    return BeamBudget(
        elements=tuple(rows), hops_needed=need, hops_needed_interval=(lo, hi),
        required_hop_rate_per_s=4 * D / lam**2, exposure_s=t, beam_energy_keV=e0,
        dose_rate_e_per_A2_s=flux, hop_length_nm=lam, D_s_nm2_per_s=D,
        limiting_ratio=limiting, can_explain=can, answer=answer, notes=tuple(notes),
    )


def _norm(mapping: Mapping[str, float]) -> dict[str, float]:
    from nanosinter.materials import element

    return {element(k).symbol: v for k, v in mapping.items()}


def _binding(symbol: str, dataset: str) -> float:
    from nanosinter.materials import surface_binding_energy_eV

    return float(surface_binding_energy_eV(symbol, dataset))


def _break_even(e0: float, el, sigma_needed_barn: float, quiet: bool) -> float:
    """Hop threshold (eV) at which the knock-on supply equals the need (NaN if none does)."""
    from scipy.optimize import brentq

    from nanosinter.beam import displacement_cross_section_barn, max_energy_transfer_eV

    emax = float(max_energy_transfer_eV(e0, el.mass_u))

    def f(log_e):
        s = float(displacement_cross_section_barn(e0, el.Z, el.mass_u, np.exp(log_e),
                                                  warn=quiet))
        return np.log(max(s, 1e-300)) - np.log(sigma_needed_barn)

    lo, hi = np.log(emax * 1e-6), np.log(emax * (1 - 1e-9))
    if f(lo) < 0:
        return float("nan")
    if f(hi) > 0:
        return emax
    return float(np.exp(brentq(f, lo, hi, xtol=1e-6)))

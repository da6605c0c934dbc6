"""Total knock-on cross sections: bulk displacement and surface sputtering.

McKinley–Feshbach (MF) is the second-order Born series for Mott scattering, accurate for light
nuclei; Egerton et al. note it is reliable for Z < 28 and that heavier atoms need the exact Mott
cross sections. Where MF is used for Z ≥ 28 a :class:`CrossSectionValidityWarning` is issued
(callers that accept the approximation pass ``warn=False``).

References
----------
.. [1] W. A. McKinley, H. Feshbach, "The Coulomb scattering of relativistic electrons by
   nuclei", Phys. Rev. 74, 1759 (1948). doi:10.1103/PhysRev.74.1759
.. [2] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004). doi:10.1016/j.micron.2004.02.003
.. [3] R. F. Egerton, R. McLeod, F. Wang, M. Malac, "Basic questions related to
   electron-induced sputtering in the TEM", Ultramicroscopy 110, 991 (2010).
   doi:10.1016/j.ultramic.2009.11.003
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from nanosinter._validation import check_choice, check_positive
from nanosinter.beam._kinematics import (
    _broadcastable,
    _out,
    beta_squared,
    max_energy_transfer_eV,
)
from nanosinter.errors import InputError
from nanosinter.units import FINE_STRUCTURE, BARN_m2, CLASSICAL_ELECTRON_RADIUS_m

MODELS = ("mckinley-feshbach", "rutherford")

#: Z from which McKinley–Feshbach is outside its stated validity (Egerton et al. 2004).
MF_VALIDITY_MAX_Z = 28

#: π r_e² in barn (= 4π a0² (E_R / m c²)², 0.2495 b), CODATA.
_PI_RE2_BARN = math.pi * CLASSICAL_ELECTRON_RADIUS_m**2 / BARN_m2


class CrossSectionValidityWarning(UserWarning):
    """McKinley–Feshbach was used outside its validity (Z ≥ 28); Mott tables would be better."""


def _check_z(Z: Any) -> np.ndarray:
    z = check_positive("Z", Z)
    if np.any(z != np.round(z)):
        raise InputError(f"Z must be a whole atomic number, got {Z!r}")
    return z


def _sigma_barn(beta2: np.ndarray, z: np.ndarray, x: np.ndarray, model: str) -> np.ndarray:
    """σ in barn for E_max/E_threshold = *x*; zero where x ≤ 1 (below threshold)."""
    xs = np.maximum(x, 1.0)
    prefactor = _PI_RE2_BARN * z**2 * (1.0 - beta2) / beta2**2
    if model == "rutherford":
        bracket = xs - 1.0
    else:
        beta = np.sqrt(beta2)
        ln_x = np.log(xs)
        bracket = (xs - 1.0 - beta2 * ln_x
                   + math.pi * z * FINE_STRUCTURE * beta * (2.0 * np.sqrt(xs) - ln_x - 2.0))
    return np.where(x > 1.0, prefactor * bracket, 0.0)


def mf_validity_message(Z: Any, model: str = "mckinley-feshbach") -> str | None:
    """The text of the validity warning for these atomic numbers, or None if none applies.

    Parameters
    ----------
    Z : array_like
        Atomic numbers.
    model : str
        Cross-section model; only ``"mckinley-feshbach"`` has the Z < 28 restriction.

    Returns
    -------
    str or None
        One line naming the offending Z values.

    References
    ----------
    .. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004).
       doi:10.1016/j.micron.2004.02.003
    """
    z = np.asarray(Z, dtype=float)
    if model != "mckinley-feshbach" or not np.any(z >= MF_VALIDITY_MAX_Z):
        return None
    heavy = sorted({int(v) for v in np.ravel(z) if v >= MF_VALIDITY_MAX_Z})
    return (
        f"McKinley-Feshbach cross section used for Z = {', '.join(map(str, heavy))} "
        f"(valid for Z < {MF_VALIDITY_MAX_Z}, Egerton et al. 2004); it misestimates the Mott "
        "cross section of heavy atoms, treat those cross sections as approximate"
    )


def _warn_mf(z: np.ndarray, model: str, warn: bool) -> None:
    msg = mf_validity_message(z, model) if warn else None
    if msg:
        warnings.warn(CrossSectionValidityWarning(msg), stacklevel=3)


def displacement_cross_section_barn(
    beam_energy_keV: Any,
    Z: Any,
    mass_u: Any,
    displacement_energy_eV: Any,
    *,
    model: str = "mckinley-feshbach",
    warn: bool = True,
) -> Any:
    """Total cross section for bulk displacement (spherical escape potential).

    Parameters
    ----------
    beam_energy_keV : array_like
        Electron kinetic energy in keV (> 0).
    Z : array_like
        Atomic number (whole, > 0).
    mass_u : array_like
        Atomic mass in u (> 0).
    displacement_energy_eV : array_like
        Displacement energy E_d in eV (> 0).
    model : {"mckinley-feshbach", "rutherford"}, keyword-only
        ``"mckinley-feshbach"``: σ = π r_e² Z² (1−β²)/β⁴ {x − 1 − β² ln x + π α Z β [2√x − ln x
        − 2]}; ``"rutherford"``: π r_e² Z² (1−β²)/β⁴ (x − 1), with x = E_max / E_d.
    warn : bool, keyword-only
        Issue :class:`CrossSectionValidityWarning` when MF is used for Z ≥ 28.

    Returns
    -------
    float or ndarray
        σ_d in barn (1 b = 1e-28 m²); exactly 0 where E_max ≤ E_d.

    References
    ----------
    .. [1] W. A. McKinley, H. Feshbach, Phys. Rev. 74, 1759 (1948).
       doi:10.1103/PhysRev.74.1759
    .. [2] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004), Eq. 3 (prefactor
       4π a0² (E_R/m c²)² = π r_e² = 0.2495 b). doi:10.1016/j.micron.2004.02.003

    Examples
    --------
    >>> round(displacement_cross_section_barn(200.0, 6, 12.0, 10.0), 1)   # Egerton: 54.10 b
    54.1
    """
    check_choice("model", model, MODELS)
    z = _check_z(Z)
    ed = check_positive("displacement_energy_eV", displacement_energy_eV)
    b2 = np.asarray(beta_squared(beam_energy_keV))
    emax = np.asarray(max_energy_transfer_eV(beam_energy_keV, mass_u))
    _broadcastable(("beam_energy_keV", "Z", "mass_u", "displacement_energy_eV"), b2, z, emax, ed)
    _warn_mf(z, model, warn)
    return _out(_sigma_barn(b2, z, emax / ed, model))


def sputter_min_energy_eV(beam_energy_keV: Any, mass_u: Any, surface_binding_eV: Any) -> Any:
    """Least recoil energy that can eject a surface atom over a planar escape barrier.

    Parameters
    ----------
    beam_energy_keV, mass_u : array_like
        Beam energy (keV) and atomic mass (u).
    surface_binding_eV : array_like
        Surface binding energy E_s in eV (> 0).

    Returns
    -------
    float or ndarray
        E_min = sqrt(E_s E_max) in eV (the normal component of a recoil E is E²/E_max for
        forward recoils off the exit surface).

    References
    ----------
    .. [1] R. F. Egerton et al., Ultramicroscopy 110, 991 (2010).
       doi:10.1016/j.ultramic.2009.11.003
    """
    es = check_positive("surface_binding_eV", surface_binding_eV)
    emax = np.asarray(max_energy_transfer_eV(beam_energy_keV, mass_u))
    return _out(np.sqrt(es * emax))


def sputter_cross_section_barn(
    beam_energy_keV: Any,
    Z: Any,
    mass_u: Any,
    surface_binding_eV: Any,
    *,
    model: str = "mckinley-feshbach",
    warn: bool = True,
) -> Any:
    """Total cross section for sputtering from the exit surface (planar escape potential).

    Same as :func:`displacement_cross_section_barn` with E_d replaced by
    E_min = sqrt(E_s E_max), so it is zero unless E_max > E_s.

    Parameters
    ----------
    beam_energy_keV : array_like
        Electron kinetic energy in keV (> 0).
    Z : array_like
        Atomic number (whole, > 0).
    mass_u : array_like
        Atomic mass in u (> 0).
    surface_binding_eV : array_like
        Surface binding (sublimation) energy E_s in eV (> 0).
    model : {"mckinley-feshbach", "rutherford"}, keyword-only
        Cross-section formula.
    warn : bool, keyword-only
        Issue :class:`CrossSectionValidityWarning` when MF is used for Z ≥ 28.

    Returns
    -------
    float or ndarray
        σ_s in barn; 0 where E_max ≤ E_s.

    References
    ----------
    .. [1] R. F. Egerton et al., Ultramicroscopy 110, 991 (2010).
       doi:10.1016/j.ultramic.2009.11.003
    .. [2] W. A. McKinley, H. Feshbach, Phys. Rev. 74, 1759 (1948).
       doi:10.1103/PhysRev.74.1759

    Examples
    --------
    >>> round(sputter_cross_section_barn(200.0, 6, 12.0, 10.0), 1)   # Egerton: 14.86 b
    14.9
    """
    check_choice("model", model, MODELS)
    z = _check_z(Z)
    emin = np.asarray(sputter_min_energy_eV(beam_energy_keV, mass_u, surface_binding_eV))
    b2 = np.asarray(beta_squared(beam_energy_keV))
    emax = np.asarray(max_energy_transfer_eV(beam_energy_keV, mass_u))
    _broadcastable(("beam_energy_keV", "Z", "mass_u", "surface_binding_eV"), b2, z, emax, emin)
    _warn_mf(z, model, warn)
    return _out(_sigma_barn(b2, z, emax / emin, model))

"""Relativistic kinematics of an elastic electron–nucleus collision (paper Eq. 1).

An electron of kinetic energy E0 deflected by angle θ gives the nucleus (mass M) the recoil
energy E_t(θ) = E_max sin²(θ/2) with E_max = 2 E0 (E0 + 2 m c²) / (M c²).

All functions broadcast over NumPy arrays; scalars in give floats out.

References
----------
.. [1] R. F. Egerton, P. Li, M. Malac, "Radiation damage in the TEM and SEM", Micron 35, 399
   (2004). doi:10.1016/j.micron.2004.02.003
.. [2] F. Banhart, "Irradiation effects in carbon nanostructures", Rep. Prog. Phys. 62, 1181
   (1999). doi:10.1088/0034-4885/62/8/201
.. [3] L. Tang et al., "In Situ Sintering of CdSe/CdS Nanocrystals under Electron Beam
   Irradiation", Nanomaterials 13, 3082 (2023), Eq. 1. doi:10.3390/nano13243082
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanosinter._validation import check_positive, check_range
from nanosinter.errors import InputError
from nanosinter.units import ATOMIC_MASS_ENERGY_keV, ELECTRON_REST_ENERGY_keV


def _out(arr: np.ndarray) -> Any:
    """Return a Python float for 0-d results, the array otherwise."""
    arr = np.asarray(arr)
    return arr.item() if arr.ndim == 0 else arr


def _broadcastable(names: tuple[str, ...], *arrays: np.ndarray) -> None:
    """Raise InputError (not NumPy's ValueError) when array arguments do not broadcast."""
    try:
        np.broadcast_shapes(*(np.shape(a) for a in arrays))
    except ValueError:
        shapes = ", ".join(f"{n} {np.shape(a)}" for n, a in zip(names, arrays, strict=True))
        raise InputError(f"array arguments do not broadcast together: {shapes}") from None


def beta_squared(beam_energy_keV: Any) -> Any:
    """(v/c)² of an electron with kinetic energy *beam_energy_keV*.

    Parameters
    ----------
    beam_energy_keV : array_like
        Electron kinetic energy in keV (> 0).

    Returns
    -------
    float or ndarray
        β² = 1 − 1/γ², γ = 1 + E0 / (m c²), dimensionless.

    References
    ----------
    .. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004).
       doi:10.1016/j.micron.2004.02.003
    """
    e0 = check_positive("beam_energy_keV", beam_energy_keV)
    gamma = 1.0 + e0 / ELECTRON_REST_ENERGY_keV
    return _out(1.0 - 1.0 / gamma**2)


def max_energy_transfer_eV(beam_energy_keV: Any, mass_u: Any) -> Any:
    """Largest recoil energy an electron can give a nucleus (head-on, θ = 180°).

    Parameters
    ----------
    beam_energy_keV : array_like
        Electron kinetic energy E0 in keV (> 0).
    mass_u : array_like
        Nuclear (atomic) mass M in u (> 0). Broadcasts against *beam_energy_keV*.

    Returns
    -------
    float or ndarray
        E_max = 2 E0 (E0 + 2 m c²) / (M c²) in eV (CODATA m c² and m_u c²).

    References
    ----------
    .. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004), Eq. 1 (practical form
       E_max[eV] = E0(E0 + 1022)/(465.7 A), E0 in keV). doi:10.1016/j.micron.2004.02.003
    .. [2] L. Tang et al., Nanomaterials 13, 3082 (2023), Eq. 1. doi:10.3390/nano13243082

    Examples
    --------
    >>> round(max_energy_transfer_eV(300.0, 112.414), 3)   # Cd at 300 kV
    7.575
    """
    e0 = check_positive("beam_energy_keV", beam_energy_keV)
    m = check_positive("mass_u", mass_u)
    _broadcastable(("beam_energy_keV", "mass_u"), e0, m)
    emax_keV = 2.0 * e0 * (e0 + 2.0 * ELECTRON_REST_ENERGY_keV) / (m * ATOMIC_MASS_ENERGY_keV)
    return _out(emax_keV * 1e3)


def energy_transfer_eV(beam_energy_keV: Any, mass_u: Any, angle_deg: Any) -> Any:
    """Recoil energy for an electron deflected by *angle_deg* (paper Eq. 1).

    Parameters
    ----------
    beam_energy_keV : array_like
        Electron kinetic energy in keV (> 0).
    mass_u : array_like
        Atomic mass in u (> 0).
    angle_deg : array_like
        Electron deflection (scattering) angle θ in degrees, in [0, 180].

    Returns
    -------
    float or ndarray
        E_t = E_max sin²(θ/2) in eV, broadcast over all inputs.

    References
    ----------
    .. [1] L. Tang et al., Nanomaterials 13, 3082 (2023), Eq. 1. doi:10.3390/nano13243082
    .. [2] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004).
       doi:10.1016/j.micron.2004.02.003
    """
    theta = check_range("angle_deg", angle_deg, 0.0, 180.0)
    emax = np.asarray(max_energy_transfer_eV(beam_energy_keV, mass_u))
    _broadcastable(("beam_energy_keV/mass_u", "angle_deg"), emax, theta)
    return _out(emax * np.sin(np.deg2rad(theta) / 2.0) ** 2)


def is_reachable(beam_energy_keV: Any, mass_u: Any, binding_energy_eV: Any) -> Any:
    """Whether a binding energy can be overcome at all (E_b ≤ E_max).

    Parameters
    ----------
    beam_energy_keV, mass_u : array_like
        As in :func:`max_energy_transfer_eV`.
    binding_energy_eV : array_like
        Binding (or displacement) energy in eV (> 0).

    Returns
    -------
    bool or ndarray of bool
        True where some deflection angle transfers at least *binding_energy_eV*.

    References
    ----------
    .. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004).
       doi:10.1016/j.micron.2004.02.003
    """
    eb = check_positive("binding_energy_eV", binding_energy_eV)
    emax = np.asarray(max_energy_transfer_eV(beam_energy_keV, mass_u))
    _broadcastable(("beam_energy_keV/mass_u", "binding_energy_eV"), emax, eb)
    ok = eb <= emax
    return bool(ok) if np.ndim(ok) == 0 else ok


def threshold_angle_deg(beam_energy_keV: Any, mass_u: Any, binding_energy_eV: Any) -> Any:
    """Smallest electron deflection angle that transfers at least *binding_energy_eV*.

    Parameters
    ----------
    beam_energy_keV, mass_u : array_like
        As in :func:`max_energy_transfer_eV`.
    binding_energy_eV : array_like
        Binding energy E_b in eV (> 0).

    Returns
    -------
    float or ndarray
        θ_th = 2 asin(sqrt(E_b / E_max)) in degrees. NaN only where E_b > E_max (no angle
        reaches it, "unreachable"); use :func:`is_reachable` to tell which.

    References
    ----------
    .. [1] L. Tang et al., Nanomaterials 13, 3082 (2023), Eq. 1 inverted.
       doi:10.3390/nano13243082

    Examples
    --------
    >>> round(threshold_angle_deg(300.0, 112.414, 0.90), 2)   # Cd, the paper says 149°
    40.33
    """
    eb = check_positive("binding_energy_eV", binding_energy_eV)
    emax = np.asarray(max_energy_transfer_eV(beam_energy_keV, mass_u))
    _broadcastable(("beam_energy_keV/mass_u", "binding_energy_eV"), emax, eb)
    ratio = eb / emax
    with np.errstate(invalid="ignore"):
        theta = np.where(ratio <= 1.0, 2.0 * np.rad2deg(np.arcsin(np.sqrt(np.minimum(ratio, 1.0)))),
                         np.nan)
    return _out(theta)


def threshold_beam_energy_keV(mass_u: Any, displacement_energy_eV: Any) -> Any:
    """Lowest electron energy whose E_max equals *displacement_energy_eV*.

    Parameters
    ----------
    mass_u : array_like
        Atomic mass in u (> 0).
    displacement_energy_eV : array_like
        Displacement (or surface binding) energy in eV (> 0).

    Returns
    -------
    float or ndarray
        E0_th = m c² [ (1 + A E_d / (2 (m c²)² / m_u c²))^½ − 1 ] in keV, the exact inverse of
        :func:`max_energy_transfer_eV` (Egerton's 511 keV · [(1 + A E_d/561 eV)^½ − 1]).

    References
    ----------
    .. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004), Eq. 2.
       doi:10.1016/j.micron.2004.02.003
    """
    m = check_positive("mass_u", mass_u)
    ed_keV = check_positive("displacement_energy_eV", displacement_energy_eV) * 1e-3
    _broadcastable(("mass_u", "displacement_energy_eV"), m, ed_keV)
    mc2 = ELECTRON_REST_ENERGY_keV
    # Solve 2 E0 (E0 + 2 mc²) = E_d M c² for E0 > 0, in the cancellation-free form.
    q = ed_keV * m * ATOMIC_MASS_ENERGY_keV / 2.0
    return _out(q / (mc2 + np.sqrt(mc2**2 + q)))

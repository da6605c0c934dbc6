"""Event rates, probabilities and exposure times for a given electron dose rate.

A cross section σ and an electron flux j (electrons per area per time) give the per-atom rate
k = σ j (j = J / e for a current density J), and a Poisson probability P(t) = 1 − exp(−k t).

References
----------
.. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004). doi:10.1016/j.micron.2004.02.003
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nanosinter._validation import check_positive, check_range
from nanosinter.beam._kinematics import _out
from nanosinter.errors import InputError
from nanosinter.units import A_PER_CM2_IN_E_PER_A2_S, BARN_A2


def electron_flux_e_per_A2_s(
    *, dose_rate_e_per_A2_s: Any = None, current_density_A_per_cm2: Any = None
) -> Any:
    """Electron flux in e/(Å²·s) from exactly one of the two usual ways to give it.

    Parameters
    ----------
    dose_rate_e_per_A2_s : array_like, optional, keyword-only
        Flux in electrons per Å² per second (> 0).
    current_density_A_per_cm2 : array_like, optional, keyword-only
        Current density in A/cm² (> 0); 1 A/cm² = 1 / (e · 1e16 Å²/cm²) = 624.15 e/(Å²·s).

    Returns
    -------
    float or ndarray
        Flux in e/(Å²·s).

    References
    ----------
    .. [1] E. Tiesinga et al., Rev. Mod. Phys. 93, 025010 (2021) (CODATA e).
       doi:10.1103/RevModPhys.93.025010
    """
    if (dose_rate_e_per_A2_s is None) == (current_density_A_per_cm2 is None):
        raise InputError(
            "give exactly one of dose_rate_e_per_A2_s and current_density_A_per_cm2"
        )
    if dose_rate_e_per_A2_s is not None:
        return _out(check_positive("dose_rate_e_per_A2_s", dose_rate_e_per_A2_s))
    j = check_positive("current_density_A_per_cm2", current_density_A_per_cm2)
    return _out(j * A_PER_CM2_IN_E_PER_A2_S)


def event_rate_per_s(
    cross_section_barn: Any,
    *,
    dose_rate_e_per_A2_s: Any = None,
    current_density_A_per_cm2: Any = None,
) -> Any:
    """Per-atom event rate k = σ · flux.

    Parameters
    ----------
    cross_section_barn : array_like
        Cross section in barn (≥ 0; 1 b = 1e-8 Å²).
    dose_rate_e_per_A2_s, current_density_A_per_cm2 : array_like, keyword-only
        The electron flux, exactly one of them (see :func:`electron_flux_e_per_A2_s`).

    Returns
    -------
    float or ndarray
        Events per atom per second.

    References
    ----------
    .. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004).
       doi:10.1016/j.micron.2004.02.003
    """
    sigma = check_positive("cross_section_barn", cross_section_barn, allow_zero=True)
    flux = np.asarray(electron_flux_e_per_A2_s(
        dose_rate_e_per_A2_s=dose_rate_e_per_A2_s,
        current_density_A_per_cm2=current_density_A_per_cm2,
    ))
    return _out(sigma * BARN_A2 * flux)


def event_probability(rate_per_s: Any, time_s: Any) -> Any:
    """Probability that an atom has had at least one event after *time_s*.

    Parameters
    ----------
    rate_per_s : array_like
        Per-atom rate in 1/s (≥ 0), e.g. from :func:`event_rate_per_s`.
    time_s : array_like
        Exposure time in s (≥ 0).

    Returns
    -------
    float or ndarray
        P = 1 − exp(−k t), in [0, 1].

    References
    ----------
    .. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004).
       doi:10.1016/j.micron.2004.02.003
    """
    k = check_positive("rate_per_s", rate_per_s, allow_zero=True)
    t = check_positive("time_s", time_s, allow_zero=True)
    return _out(-np.expm1(-k * t))


def exposure_time_s(rate_per_s: Any, probability: Any) -> Any:
    """Exposure needed for an event probability *probability* per atom.

    Parameters
    ----------
    rate_per_s : array_like
        Per-atom rate in 1/s (≥ 0).
    probability : array_like
        Target probability in [0, 1).

    Returns
    -------
    float or ndarray
        t = −ln(1 − P) / k in s; +inf where the rate is zero and P > 0.

    References
    ----------
    .. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004).
       doi:10.1016/j.micron.2004.02.003
    """
    k = check_positive("rate_per_s", rate_per_s, allow_zero=True)
    p = check_range("probability", probability, 0.0, 1.0)
    if np.any(p >= 1.0):
        raise InputError(
            f"probability must be < 1 (certainty needs infinite time), got {probability!r}"
        )
    need = -np.log1p(-p)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(need == 0.0, 0.0, np.where(k > 0, need / np.where(k > 0, k, 1.0), np.inf))
    return _out(t)

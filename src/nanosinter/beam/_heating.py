"""Steady-state beam heating of a thin specimen (Egerton, Li & Malac 2004).

A beam of current I and radius r0 deposits power (I/e) · (dE/dx) · t in a film of thickness t;
radial conduction to a heat sink at radius b gives the centre temperature rise

    ΔT = (I / (4π κ e)) · (dE/dx) · [1 + 2 ln(b / r0)],

independent of t. Egerton et al. write dE/dx as ⟨E⟩/λ (mean energy per inelastic collision over
the inelastic mean free path); here it is the Bethe collision stopping power, an upper bound
because part of that energy leaves as fast secondaries and X-rays. For nanocrystals on a
support film, κ is that of the film, which carries the heat away.

Tang et al. (2023) state, citing Egerton et al. (2004), that the beam raises the temperature by
only a few degrees; the formula gives about 1 K for 1 nA in a 50 nm radius spot on CdS with
κ = 1 W/(m K) and b = 1 mm, consistent with that statement.

References
----------
.. [1] R. F. Egerton, P. Li, M. Malac, "Radiation damage in the TEM and SEM", Micron 35, 399
   (2004), Eq. 6. doi:10.1016/j.micron.2004.02.003
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nanosinter._validation import check_positive
from nanosinter.beam._kinematics import _out
from nanosinter.errors import InputError


def beam_temperature_rise_K(
    beam_current_nA: Any,
    stopping_eV_per_nm: Any,
    *,
    thermal_conductivity_W_per_m_K: Any,
    beam_radius_nm: Any,
    heat_sink_radius_nm: Any,
) -> Any:
    """Centre temperature rise of a thin film under a stationary beam.

    Parameters
    ----------
    beam_current_nA : array_like
        Beam current in nA (> 0).
    stopping_eV_per_nm : array_like
        Energy deposited per electron per unit path, in eV/nm (> 0), e.g. from
        :func:`linear_stopping_eV_per_nm`.
    thermal_conductivity_W_per_m_K : array_like, keyword-only
        Thermal conductivity κ of the film that conducts the heat, in W/(m·K).
    beam_radius_nm : array_like, keyword-only
        Beam radius r0 in nm.
    heat_sink_radius_nm : array_like, keyword-only
        Distance b to the heat sink (grid bar, chip frame) in nm, > r0.

    Returns
    -------
    float or ndarray
        ΔT in K.

    References
    ----------
    .. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004), Eq. 6.
       doi:10.1016/j.micron.2004.02.003
    """
    i_A = check_positive("beam_current_nA", beam_current_nA) * 1e-9
    dedx_J_per_m = check_positive("stopping_eV_per_nm", stopping_eV_per_nm) * 1.602176634e-19 * 1e9
    kappa = check_positive("thermal_conductivity_W_per_m_K", thermal_conductivity_W_per_m_K)
    r0 = check_positive("beam_radius_nm", beam_radius_nm)
    b = check_positive("heat_sink_radius_nm", heat_sink_radius_nm)
    if np.any(b <= r0):
        raise InputError("heat_sink_radius_nm must exceed beam_radius_nm")
    electrons_per_s = i_A / 1.602176634e-19
    return _out(electrons_per_s * dedx_J_per_m / (4.0 * math.pi * kappa)
                * (1.0 + 2.0 * np.log(b / r0)))

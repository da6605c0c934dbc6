"""The classical initial-stage neck-growth laws, (X/D)^n = B t / D^m.

X is the neck diameter and D the particle diameter, so X/D = x/a with x the neck radius and a
the particle radius. Each transport mechanism gives its own exponents n (neck growth) and m
(size dependence).

References
----------
.. [1] R. M. German, "Sintering: From Empirical Observations to Scientific Principles",
   Butterworth-Heinemann (2014), ch. 7. doi:10.1016/C2012-0-00717-X
.. [2] G. C. Kuczynski, "Self-diffusion in sintering of metallic particles", Trans. AIME 185,
   169 (1949) (pre-DOI).
.. [3] F. A. Nichols and W. W. Mullins, "Morphological changes of a surface of revolution due
   to capillarity-induced surface diffusion", J. Appl. Phys. 36, 1826 (1965).
   doi:10.1063/1.1714360
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Mechanism:
    """One classical neck-growth law (X/D)^n = B t / D^m.

    Attributes
    ----------
    key : str
        Short identifier used in tables and JSON (``"surface_diffusion"``).
    label : str
        Human-readable name.
    n, m : int
        Exponents of the law (German 2014, Table 7.x; PHYSICS.md §3).
    densifying : bool
        Whether the mechanism moves mass from the contact plane and so brings the particle
        centres together (viscous flow, volume and grain-boundary diffusion) or only
        redistributes surface mass (surface diffusion, evaporation–condensation).
    apparent_n : tuple of float
        Range of the apparent exponent on log(x/a) vs log t that data from this mechanism
        show at 0.05 <= x/a <= 0.3. Equal to (n - 0.5, n + 0.5) except for surface diffusion,
        where Nichols & Mullins (1965) find 5.5-6.5 early, rising to 7 later.
    """

    key: str
    label: str
    n: int
    m: int
    densifying: bool
    apparent_n: tuple[float, float]


#: the five laws of PHYSICS.md §3 (German 2014; Nichols & Mullins 1965 for the apparent n)
MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("viscous_flow", "viscous flow", 2, 1, True, (1.5, 2.5)),
    Mechanism("evaporation_condensation", "evaporation–condensation", 3, 2, False, (2.5, 3.5)),
    Mechanism("volume_diffusion", "volume diffusion", 5, 3, True, (4.5, 5.5)),
    Mechanism("grain_boundary_diffusion", "grain-boundary diffusion", 6, 4, True, (5.5, 6.5)),
    Mechanism("surface_diffusion", "surface diffusion", 7, 4, False, (5.5, 7.5)),
)

MECHANISM_BY_KEY: dict[str, Mechanism] = {m.key: m for m in MECHANISMS}


def neck_ratio(
    time_s: np.ndarray | float,
    *,
    B: float,
    n: float,
    m: float,
    particle_diameter_nm: np.ndarray | float,
) -> np.ndarray:
    """Neck-size ratio X/D = x/a from the law (X/D)^n = B t / D^m.

    Parameters
    ----------
    time_s : array_like
        Time since contact (s), >= 0.
    B : float, keyword-only
        Rate constant in nm^m / s.
    n, m : float, keyword-only
        Exponents of the law.
    particle_diameter_nm : array_like, keyword-only
        Particle diameter D = 2a (nm), broadcast against *time_s*.

    Returns
    -------
    ndarray
        x/a, dimensionless.

    References
    ----------
    .. [1] R. M. German, "Sintering: From Empirical Observations to Scientific Principles"
       (2014), ch. 7. doi:10.1016/C2012-0-00717-X
    """
    t = np.asarray(time_s, dtype=float)
    d = np.asarray(particle_diameter_nm, dtype=float)
    return np.power(np.clip(B * t, 0.0, None) / d**m, 1.0 / n)

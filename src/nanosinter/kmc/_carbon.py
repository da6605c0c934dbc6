"""The carbon shell grown by the beam: coverage, thickness and the surface-mobility factor.

Under the beam the ligands on the particles and hydrocarbons diffusing in from the support
carbonise into a thin shell (Tang et al. 2023, Figure 3b). A carbon coating inhibits sintering
(Asoro, Kovar & Ferreira 2014: carbon-coated Ag nanoparticles did not sinter where bare ones did).
The model (section ``[carbon]``, off by default):

- coverage theta(t) = 1 - exp(-t / tau): first-order (Langmuir) growth, the rate of coverage
  proportional to the uncovered fraction, tau = ``growth_time_s``;
- shell thickness h(t) = theta(t) h_full, h_full = ``thickness_nm``;
- every thermal and beam-induced hop rate is multiplied by
  m(theta) = 1 - theta (1 - f), f = ``covered_mobility``: a mean-field site-blocking picture in
  which a fraction theta of the surface is covered and hops there are f times as frequent.
  Sputtering is not changed (the knock-on that ejects an atom is far above any carbon binding).
  Whole-particle migration (:mod:`nanosinter.kmc._migration`) is driven by surface diffusion
  (its D is proportional to the surface diffusion coefficient, Gruber 1967), so it is scaled by
  the same m(theta).

theta is sampled at the middle of each step of ``step_s`` of simulated time, so the rates are
piecewise constant and the KMC within a step is exact (the same scheme as the temperature
programme).

Calibrated values (none is measured in Tang et al. 2023):

- ``growth_time_s = 60``: the shell is visible from the early frames of the paper's Figure 3;
  a one-minute growth time makes it nearly complete (theta = 0.95) after 3 min.
- ``thickness_nm = 1.0``: the faint rim of Figure 3b, estimated by eye; the same value as the
  renderer's default rim (:class:`nanosinter.imaging.RenderSettings`).
- ``covered_mobility = 0.1``: a tenfold slower surface under a full shell; Asoro et al. report
  sintering inhibited, not a rate, so this is an assumption of the order of the effect.

The saddle energy of the tang2023 presets was calibrated without the shell: switching the shell
on slows their clock by up to 1/f.

References
----------
.. [1] M. A. Asoro, D. Kovar, P. J. Ferreira, "Effect of surface carbon coating on sintering of
   silver nanoparticles: in situ TEM observations", Chem. Commun. 50, 4835-4838 (2014)
   (reference 22 of Tang et al. 2023; DOI not verified here).
.. [2] I. Langmuir, J. Am. Chem. Soc. 40, 1361 (1918). doi:10.1021/ja02242a004
.. [3] E. E. Gruber, J. Appl. Phys. 38, 243 (1967). doi:10.1063/1.1708962
.. [4] L. Tang et al., Nanomaterials 13, 3082 (2023). doi:10.3390/nano13243082
"""

from __future__ import annotations

import math
from typing import Any


def carbon_coverage(time_s: float, *, growth_time_s: float) -> float:
    """Coverage theta(t) = 1 - exp(-t / tau) of the carbon shell (0 at t <= 0).

    References
    ----------
    .. [1] I. Langmuir, J. Am. Chem. Soc. 40, 1361 (1918). doi:10.1021/ja02242a004
    """
    if time_s <= 0:
        return 0.0
    return -math.expm1(-time_s / growth_time_s)


def mobility_factor(coverage: float, *, covered_mobility: float) -> float:
    """Factor m = 1 - theta (1 - f) applied to the thermal and beam hop rates.

    References
    ----------
    .. [1] M. A. Asoro, D. Kovar, P. J. Ferreira, Chem. Commun. 50, 4835 (2014).
    """
    return 1.0 - coverage * (1.0 - covered_mobility)


def step_coverage(cfg: dict[str, dict[str, Any]], time_s: float) -> float:
    """Coverage applied during the ``carbon.step_s`` step containing *time_s* (its midpoint)."""
    c = cfg["carbon"]
    step = float(c["step_s"])
    mid = (math.floor(time_s / step + 1e-12) + 0.5) * step
    return carbon_coverage(mid, growth_time_s=float(c["growth_time_s"]))


def next_step_s(cfg: dict[str, dict[str, Any]], time_s: float) -> float:
    """The first ``carbon.step_s`` boundary after *time_s*."""
    step = float(cfg["carbon"]["step_s"])
    return (math.floor(time_s / step + 1e-12) + 1) * step

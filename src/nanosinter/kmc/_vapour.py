"""Evaporation into and condensation from a well-mixed vapour; the lattice model's Hertz-Knudsen
and Kelvin constants, derived from its bond energies.

Events (enabled with ``vapour.enabled``; docs/kmc.md, "Evaporation and condensation"):

- evaporation of an atom with ``n1`` nearest and ``n2`` second-neighbour bonds, ``s`` = 1 on an
  adhesion site, into the vapour:

      k_ev = nu exp(-(E_off + n1 E_nn + n2 E_nnn + s E_adh) / (k_B T)),

  the same bond counting as a thermal hop with the saddle energy replaced by the evaporation
  offset ``E_off`` (the energy of a free vapour atom above a bond-less lattice atom plus the
  barrier). Atoms with no bond (``n1 + n2 = 0``, alone on the support) do not evaporate, so
  that every evaporation has a reverse (condensation needs a neighbour).
- condensation of a vapour atom of species s onto one *condensation site* (empty, ``n2 < 12``,
  ``n1 + n2 >= 1``, of the sublattice of s), per vapour atom and site:

      k_c = alpha (v_s / 4) / (sigma V),   v_s = sqrt(8 k_B T / (pi m_s)),

  the Hertz-Knudsen impingement flux n v / 4 of an ideal gas of density n = N_s / V, times the
  sticking (evaporation) coefficient alpha, shared among sigma condensation sites per unit area.
  The vapour is the box volume V, well mixed (a vapour atom crosses a 30 nm box in ~1e-10 s, far
  faster than anything else here, and the mean free path at these densities is metres, so
  transport in it is ballistic, not diffusive). With ``vapour.condensation = false`` nothing
  condenses: the vapour is pumped away (the TEM column).

Detailed balance. The ratio k_ev(x) / (k_c (N_s + 1)) equals the ratio of the weights
exp(-H / k_B T) Z_s^N_s / N_s! of the two states, with Z_s = nu exp(-E_off / k_B T) / k_c and
H the bond-counting energy of the lattice: the stationary state is the lattice in contact with
an ideal vapour (tests/kmc/test_vapour_balance.py enumerates it on a tiny system).

Equilibrium vapour density over a flat crystal: the crystal's chemical potential per atom at
low temperature is minus the half-crystal (kink) binding E_kink = 2 E_nn + 6 E_nnn (Stranski
1928: 2 of 4 nearest, 6 of 12 second neighbours in zinc blende), the vapour's is
k_B T ln(N_s / Z_s) (from the weights above), so

    n_inf = (nu / (k_c V)) exp(-(E_off + E_kink) / k_B T),   p_inf = n_inf k_B T,

and the Hertz-Knudsen flux into vacuum, alpha p_inf / sqrt(2 pi m k_B T) = alpha n_inf v / 4,
is ``J_inf = sigma nu exp(-(E_off + E_kink) / k_B T)`` per unit area (alpha cancels: it sets
p_inf, not the evaporation rate). A particle of radius r has the chemical potential
-E_kink + 2 gamma Omega / r (Gibbs-Thomson), so it evaporates into vacuum at

    R(r) = 4 pi r^2 J_inf exp(2 gamma Omega / (r k_B T))     (atoms/s; Hertz-Knudsen + Kelvin),

with, from the lattice alone (no fit to the simulation; :func:`lattice_constants`):

- Omega = a^3 / 8, the volume per atom (8 atoms per cubic cell);
- gamma: broken-bond surface energy averaged over orientations (a sphere exposes all of them):
  a plane of normal n cuts rho sum_b max(n.b, 0) bonds per unit area for the bond vectors b of
  a site (density rho = 4 / a^3 per sublattice); each costs half its energy to the surface, and
  the orientation average of |n.b| is |b| / 2, so gamma = (sqrt(3) E_nn + 6 sqrt(2) E_nnn) / a^2
  (1.77 eV/nm^2 = 0.28 J/m^2 with the defaults);
- sigma: condensation sites per unit area of a plane cut through the crystal: a site at height z
  above the cut is one if some neighbour vector b (4 nearest + 12 second) reaches below it,
  z < h(n) = max_b(-n.b), so sigma = rho (<h_cation> + <h_anion>) averaged over orientations
  (15.2 per nm^2 with a = 0.5818 nm; 4 / a^2 = 11.8 on a {100} plane).

The T = 0 broken-bond gamma and the flat-surface sigma ignore the surface's thermal roughness;
docs/kmc.md gives how well the prediction holds (within a factor of 2 over 1-10 nm).

Calibrated values (defaults in :mod:`nanosinter.kmc._config`): ``vapour.evaporation_offset_eV``
(docs/kmc.md; the tang2023-anneal dimer nearly sublimes at 553 K within a run of a few
minutes of wall time, ~1.5 ms of simulated time: the 553 K clock of the effective energies is
compressed; the real 76.4 kcal/mol of Nishimura 1991 would take ~15 min).

References
----------
.. [1] H. Hertz, Ann. Phys. 253, 177 (1882); M. Knudsen, Ann. Phys. 352, 697 (1915)
   (impingement flux n v / 4). doi:10.1002/andp.19153521306
.. [2] I. N. Stranski, Z. Phys. Chem. 136, 259 (1928) (half-crystal position).
   doi:10.1515/zpch-1928-13620
.. [3] W. Thomson (Lord Kelvin), Phil. Mag. 42, 448 (1871) (Kelvin equation).
   doi:10.1080/14786447108640606
.. [4] G. A. Somorjai, D. W. Jepsen, J. Chem. Phys. 41, 1389 (1964) (CdS evaporation
   coefficient below 1). doi:10.1063/1.1726078
.. [5] C. Herring, in Structure and Properties of Solid Surfaces (1953) (broken-bond surface
   energy); W. K. Burton, N. Cabrera, F. C. Frank, Phil. Trans. R. Soc. A 243, 299 (1951).
   doi:10.1098/rsta.1951.0006
.. [6] Y. Nishimura et al., Jpn. J. Appl. Phys. 30, 537 (1991) (CdS sublimation enthalpy
   76.4 kcal/mol). doi:10.1143/JJAP.30.537
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nanosinter.kmc._lattice import SPECIES
from nanosinter.units import ATOMIC_MASS_kg, BOLTZMANN_eV_per_K, BOLTZMANN_J_per_K


@dataclass(frozen=True)
class LatticeConstants:
    """Thermodynamic constants of the bond-counting lattice (see module docstring)."""

    kink_energy_eV: float
    surface_energy_eV_per_nm2: float
    atomic_volume_nm3: float
    condensation_sites_per_nm2: float


def _directions(n: int = 20000) -> np.ndarray:
    """*n* nearly uniform unit vectors (Fibonacci sphere), for orientation averages."""
    k = np.arange(n) + 0.5
    z = 1 - 2 * k / n
    phi = math.pi * (1 + math.sqrt(5)) * k
    s = np.sqrt(1 - z * z)
    return np.column_stack([s * np.cos(phi), s * np.sin(phi), z])


def lattice_constants(*, lattice_constant_nm: float, bond_nn_eV: float, bond_nnn_eV: float
                      ) -> LatticeConstants:
    """E_kink, gamma, Omega and sigma of the zinc-blende bond-counting lattice.

    Parameters
    ----------
    lattice_constant_nm : float, keyword-only
        Cubic lattice constant a.
    bond_nn_eV, bond_nnn_eV : float, keyword-only
        Nearest and second-neighbour bond energies.

    Returns
    -------
    LatticeConstants

    References
    ----------
    .. [1] I. N. Stranski, Z. Phys. Chem. 136, 259 (1928). doi:10.1515/zpch-1928-13620
    .. [2] W. K. Burton, N. Cabrera, F. C. Frank, Phil. Trans. R. Soc. A 243, 299 (1951).
       doi:10.1098/rsta.1951.0006
    """
    a = float(lattice_constant_nm)
    rho = 4.0 / a**3
    gamma = (math.sqrt(3) * bond_nn_eV + 6 * math.sqrt(2) * bond_nnn_eV) / a**2
    nn_c = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) * a / 4
    nnn = np.array([v for v in np.array(np.meshgrid([-1, 0, 1], [-1, 0, 1], [-1, 0, 1]))
                    .reshape(3, -1).T if np.abs(v).sum() == 2]) * a / 2
    n = _directions()
    h = 0.0
    for nn in (nn_c, -nn_c):
        b = np.vstack([nn, nnn])
        h += float(np.max(-(n @ b.T), axis=1).mean())
    return LatticeConstants(
        kink_energy_eV=2 * bond_nn_eV + 6 * bond_nnn_eV,
        surface_energy_eV_per_nm2=gamma,
        atomic_volume_nm3=a**3 / 8,
        condensation_sites_per_nm2=rho * h,
    )


def evaporation_rates(*, temperature_K: float, bond_nn_eV: float, bond_nnn_eV: float,
                      adhesion_eV: float, evaporation_offset_eV: float,
                      attempt_frequency_Hz: float) -> np.ndarray:
    """Evaporation rate per atom ``k[n1, n2, on_support]`` (5, 13, 2) in 1/s; 0 at n1 + n2 = 0.

    References
    ----------
    .. [1] A. F. Voter, Phys. Rev. B 34, 6819 (1986) (bond counting).
       doi:10.1103/PhysRevB.34.6819
    """
    n1 = np.arange(5)[:, None, None]
    n2 = np.arange(13)[None, :, None]
    s = np.arange(2)[None, None, :]
    e = evaporation_offset_eV + n1 * bond_nn_eV + n2 * bond_nnn_eV + s * adhesion_eV
    k = attempt_frequency_Hz * np.exp(-e / (BOLTZMANN_eV_per_K * temperature_K))
    return np.where((n1 + n2) >= 1, k, 0.0)


def mean_speed_nm_per_s(temperature_K: float, mass_u: float) -> float:
    """Mean speed sqrt(8 k_B T / (pi m)) of an ideal-gas atom, in nm/s (Maxwell)."""
    v = math.sqrt(8 * BOLTZMANN_J_per_K * temperature_K / (math.pi * mass_u * ATOMIC_MASS_kg))
    return v * 1e9


def condensation_coefficients(*, temperature_K: float, sticking_coefficient: float,
                              volume_nm3: float, sites_per_nm2: float,
                              species: tuple[str, ...] = SPECIES) -> np.ndarray:
    """k_c per vapour atom and condensation site, one per species (1/s).

    k_c = alpha (v / 4) / (sigma V): Hertz-Knudsen impingement of an ideal vapour of one atom in
    the volume V onto an area 1 / sigma.

    References
    ----------
    .. [1] M. Knudsen, Ann. Phys. 352, 697 (1915). doi:10.1002/andp.19153521306
    """
    import nanosinter.materials as mat

    out = np.empty(len(species))
    for i, sym in enumerate(species):
        v = mean_speed_nm_per_s(temperature_K, mat.element(sym).mass_u)
        out[i] = sticking_coefficient * v / 4 / (sites_per_nm2 * volume_nm3)
    return out


def flat_flux_per_nm2_s(*, temperature_K: float, lc: LatticeConstants,
                        evaporation_offset_eV: float, attempt_frequency_Hz: float) -> float:
    """J_inf = alpha p_inf / sqrt(2 pi m k_B T) = sigma nu exp(-(E_off + E_kink) / k_B T)."""
    kT = BOLTZMANN_eV_per_K * temperature_K
    return lc.condensation_sites_per_nm2 * attempt_frequency_Hz * math.exp(
        -(evaporation_offset_eV + lc.kink_energy_eV) / kT)


def equilibrium_vapour_atoms(*, temperature_K: float, lc: LatticeConstants,
                             evaporation_offset_eV: float, attempt_frequency_Hz: float,
                             sticking_coefficient: float, volume_nm3: float, mass_u: float,
                             radius_nm: float = math.inf) -> float:
    """Vapour atoms of one species in V at equilibrium with a crystal of radius r (Kelvin):
    n_inf V exp(2 gamma Omega / (r k_B T)), n_inf from J_inf = alpha n_inf v / 4."""
    kT = BOLTZMANN_eV_per_K * temperature_K
    j = flat_flux_per_nm2_s(temperature_K=temperature_K, lc=lc,
                            evaporation_offset_eV=evaporation_offset_eV,
                            attempt_frequency_Hz=attempt_frequency_Hz)
    n_inf = j / (sticking_coefficient * mean_speed_nm_per_s(temperature_K, mass_u) / 4)
    kelvin = math.exp(2 * lc.surface_energy_eV_per_nm2 * lc.atomic_volume_nm3
                      / (radius_nm * kT)) if math.isfinite(radius_nm) else 1.0
    return n_inf * volume_nm3 * kelvin


def hk_kelvin_rate_per_s(n_atoms: float | np.ndarray, *, temperature_K: float,
                         lc: LatticeConstants, evaporation_offset_eV: float,
                         attempt_frequency_Hz: float) -> np.ndarray:
    """Evaporation rate into vacuum (atoms/s) of a sphere of *n_atoms* atoms, Hertz-Knudsen with
    the Kelvin correction: 4 pi r^2 J_inf exp(2 gamma Omega / (r k_B T)),
    r = (3 N Omega / (4 pi))^(1/3).

    References
    ----------
    .. [1] M. Knudsen, Ann. Phys. 352, 697 (1915). doi:10.1002/andp.19153521306
    .. [2] W. Thomson, Phil. Mag. 42, 448 (1871). doi:10.1080/14786447108640606
    """
    kT = BOLTZMANN_eV_per_K * temperature_K
    r = np.cbrt(3 * np.asarray(n_atoms, dtype=float) * lc.atomic_volume_nm3 / (4 * math.pi))
    j = flat_flux_per_nm2_s(temperature_K=temperature_K, lc=lc,
                            evaporation_offset_eV=evaporation_offset_eV,
                            attempt_frequency_Hz=attempt_frequency_Hz)
    gomega = lc.surface_energy_eV_per_nm2 * lc.atomic_volume_nm3
    return 4 * math.pi * r**2 * j * np.exp(2 * gomega / (r * kT))

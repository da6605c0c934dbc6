"""Per-class rate tables: thermal hops (Arrhenius, bond counting) and beam events.

Thermal hop of an atom with ``n1`` nearest-neighbour bonds, ``n2`` second-neighbour bonds and
``s`` = 1 if it touches the support, to one valid target:

    k_th = nu exp(-(E_saddle + n1 E_nn + n2 E_nnn + s E_adh) / (k_B T))

The barrier depends on the initial state only, so k(i->f) / k(f->i) = exp(-(H_f - H_i)/k_B T)
with H = -(sum of bonds): detailed balance with respect to the bond-counting Hamiltonian (the
standard bond-counting KMC of e.g. Voter 1986; Combe, Jensen & Pimpinelli 2000 for sintering).

Beam events. The energy needed to take an atom out of its site, its *escape energy*, scales with
the bonds it has: E_esc = E_s (n1 E_nn + n2 E_nnn) / (2 E_nn + 6 E_nnn), equal to the element's
surface binding energy E_s at the half-crystal (kink) position, which in zinc blende has 2 of 4
nearest and 6 of 12 second neighbours. A knock-on that transfers more than
E_hop = f_hop E_esc moves the atom to a neighbouring free site (rate sigma_d(E_hop) J with the
McKinley-Feshbach cross section); one that gives a normal recoil above E_esc sputters it
(planar-barrier cross section, Egerton et al. 2010). Both come from :mod:`nanosinter.beam`.

Calibrated values (defaults in :mod:`nanosinter.kmc._config`; docs/kmc.md, "Calibration"):

- ``bond_nn_eV = 0.1``, ``bond_nnn_eV = 0.05``: reduced bond-counting energies, calibrated so
  that at 300 K the surfaces of the tang2023 particles stay crystalline and faceted (a kink atom
  is bound by 0.5 eV = 19 k_B T) while adatoms form often enough for mass transport, and so that
  two touching spheres sinter with the Nichols-Mullins surface-diffusion exponent
  (tests/kmc/test_sintering.py). Real Cd-S bonds are ~1 eV; with those, thermal motion at room
  temperature would be frozen for far longer than the experiment (docs/kmc.md, "time scale").
- ``saddle_eV = 0.27``: calibrated on the tang2023-dimer preset so that, after contact, the neck
  forms within ~2-4 min and then grows slowly for the rest of the 20 min (Tang et al. 2023,
  Figure 3f). With every thermal barrier shifted by it, it only sets the time unit: a change of
  k_B T ln 10 = 0.060 eV at 300 K scales all thermal times by 10.
- ``adhesion_eV = 0.2``: calibrated: an adhesion site (support contact or carbon bridge) binds
  like two second-neighbour bonds, so adatoms wander on the support and across the bridge and the
  1-2 nm gap closes within ~1 min, yet the particles neither dewet nor spread during a run.
- ``hop_fraction = 0.5``: a beam-induced surface hop needs half the escape energy; a calibrated
  assumption (Egerton et al. 2010 discuss thresholds for surface diffusion lower than for
  sputtering).
- ``dose_rate_e_per_A2_s = 20``: calibrated to keep the sputtered volume of the tang2023 dimer
  near 1 % in 20 min (the paper: "no significant change in total volume").

References
----------
.. [1] A. F. Voter, Phys. Rev. B 34, 6819 (1986). doi:10.1103/PhysRevB.34.6819
.. [2] N. Combe, P. Jensen, A. Pimpinelli, Phys. Rev. Lett. 85, 110 (2000).
   doi:10.1103/PhysRevLett.85.110
.. [3] R. F. Egerton, R. McLeod, F. Wang, M. Malac, Ultramicroscopy 110, 991 (2010).
   doi:10.1016/j.ultramic.2009.11.003
.. [4] L. Tang et al., Nanomaterials 13, 3082 (2023). doi:10.3390/nano13243082
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nanosinter.kmc._lattice import SPECIES
from nanosinter.units import BOLTZMANN_eV_per_K


@dataclass(frozen=True)
class BeamRates:
    """Per-atom beam event rates, indexed ``[species, n1, n2]`` (1/s)."""

    hop_per_s: np.ndarray
    sputter_per_s: np.ndarray


def thermal_rates(*, temperature_K: float, bond_nn_eV: float, bond_nnn_eV: float,
                  saddle_eV: float, adhesion_eV: float, attempt_frequency_Hz: float
                  ) -> np.ndarray:
    """Thermal hop rate per target, ``k[n1, n2, on_support]`` in 1/s, shape (5, 13, 2).

    Parameters
    ----------
    temperature_K : float
        Temperature.
    bond_nn_eV, bond_nnn_eV : float, keyword-only
        Energy of one nearest / second-neighbour bond.
    saddle_eV : float, keyword-only
        Barrier of an atom with no bonds (added to all).
    adhesion_eV : float, keyword-only
        Extra binding of an atom in contact with the support.
    attempt_frequency_Hz : float, keyword-only
        Prefactor nu.

    Returns
    -------
    ndarray, shape (5, 13, 2)

    References
    ----------
    .. [1] A. F. Voter, Phys. Rev. B 34, 6819 (1986). doi:10.1103/PhysRevB.34.6819
    """
    n1 = np.arange(5)[:, None, None]
    n2 = np.arange(13)[None, :, None]
    s = np.arange(2)[None, None, :]
    barrier = saddle_eV + n1 * bond_nn_eV + n2 * bond_nnn_eV + s * adhesion_eV
    return attempt_frequency_Hz * np.exp(-barrier / (BOLTZMANN_eV_per_K * temperature_K))


def escape_energy_eV(surface_binding_eV: float, *, bond_nn_eV: float, bond_nnn_eV: float
                     ) -> np.ndarray:
    """Escape energy ``E[n1, n2]`` (5, 13) scaled from E_s at the half-crystal position.

    References
    ----------
    .. [1] I. N. Stranski, Z. Phys. Chem. 136, 259 (1928) (half-crystal position).
       doi:10.1515/zpch-1928-13620
    """
    n1 = np.arange(5)[:, None]
    n2 = np.arange(13)[None, :]
    kink = 2 * bond_nn_eV + 6 * bond_nnn_eV
    return surface_binding_eV * (n1 * bond_nn_eV + n2 * bond_nnn_eV) / kink


def beam_rates(*, enabled: bool, beam_energy_keV: float, dose_rate_e_per_A2_s: float,
               binding_dataset: str, hop_fraction: float, sputtering: bool, model: str,
               bond_nn_eV: float, bond_nnn_eV: float, species: tuple[str, ...] = SPECIES
               ) -> BeamRates:
    """Beam hop and sputter rates per atom for every (species, n1, n2), from nanosinter.beam.

    Returns zeros when the beam is off, the dose rate is zero, or (for sputtering) it is off.

    References
    ----------
    .. [1] R. F. Egerton, P. Li, M. Malac, Micron 35, 399 (2004).
       doi:10.1016/j.micron.2004.02.003
    .. [2] R. F. Egerton et al., Ultramicroscopy 110, 991 (2010).
       doi:10.1016/j.ultramic.2009.11.003
    """
    shape = (len(species), 5, 13)
    hop = np.zeros(shape)
    sput = np.zeros(shape)
    if not enabled or dose_rate_e_per_A2_s <= 0:
        return BeamRates(hop, sput)
    beam, mat = _beam_api()
    for i, sym in enumerate(species):
        el = mat.element(sym)
        es = mat.surface_binding_energy_eV(sym, binding_dataset)
        esc = escape_energy_eV(es, bond_nn_eV=bond_nn_eV, bond_nnn_eV=bond_nnn_eV)
        ok = esc > 0
        e = np.where(ok, esc, 1.0)
        sig_hop = beam.displacement_cross_section_barn(
            beam_energy_keV, el.Z, el.mass_u, hop_fraction * e, model=model, warn=False)
        hop[i] = np.where(ok, beam.event_rate_per_s(
            sig_hop, dose_rate_e_per_A2_s=dose_rate_e_per_A2_s), 0.0)
        if sputtering:
            sig_sp = beam.sputter_cross_section_barn(
                beam_energy_keV, el.Z, el.mass_u, e, model=model, warn=False)
            sput[i] = np.where(ok, beam.event_rate_per_s(
                sig_sp, dose_rate_e_per_A2_s=dose_rate_e_per_A2_s), 0.0)
    # a sputtering collision is also above the hop threshold: count it once, as a sputter
    hop = np.maximum(hop - sput, 0.0)
    return BeamRates(hop, sput)


def _beam_api() -> tuple[Any, Any]:
    """The beam and materials modules (the one place this package reaches into them)."""
    import nanosinter.beam as beam
    import nanosinter.materials as mat

    if not hasattr(mat, "surface_binding_energy_eV"):
        from nanosinter.materials import _energies

        class _Mat:
            element = staticmethod(mat.element)
            surface_binding_energy_eV = staticmethod(_energies.surface_binding_energy_eV)

        return beam, _Mat
    return beam, mat

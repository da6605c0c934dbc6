"""The one internal unit system and the physical constants, from CODATA (via SciPy).

Internal units: energies in eV (electron beam energies in keV at the API), lengths in nm
(microscopy) or Å where the field uses Å (dose per Å²), times in s, temperatures in K,
masses in u (daltons). Every public parameter carries its unit in its name.

References
----------
.. [1] E. Tiesinga et al., "CODATA recommended values of the fundamental physical constants:
   2018", Rev. Mod. Phys. 93, 025010 (2021). doi:10.1103/RevModPhys.93.025010
"""

from __future__ import annotations

from scipy import constants as _c

#: electron rest energy m_e c^2 in keV (CODATA)
ELECTRON_REST_ENERGY_keV: float = (
    _c.physical_constants["electron mass energy equivalent in MeV"][0] * 1e3
)
#: atomic mass constant energy equivalent m_u c^2 in keV (CODATA)
ATOMIC_MASS_ENERGY_keV: float = (
    _c.physical_constants["atomic mass constant energy equivalent in MeV"][0] * 1e3
)
#: elementary charge in C
ELEMENTARY_CHARGE_C: float = _c.e
#: Boltzmann constant in eV/K
BOLTZMANN_eV_per_K: float = _c.physical_constants["Boltzmann constant in eV/K"][0]
#: Boltzmann constant in J/K
BOLTZMANN_J_per_K: float = _c.k
#: Bohr radius in Å
BOHR_RADIUS_A: float = _c.physical_constants["Bohr radius"][0] * 1e10
#: Rydberg energy in eV
RYDBERG_eV: float = _c.physical_constants["Rydberg constant times hc in eV"][0]
#: fine-structure constant
FINE_STRUCTURE: float = _c.fine_structure
#: classical electron radius in m
CLASSICAL_ELECTRON_RADIUS_m: float = _c.physical_constants["classical electron radius"][0]
#: atomic mass constant in kg
ATOMIC_MASS_kg: float = _c.physical_constants["atomic mass constant"][0]
#: Avogadro constant in 1/mol
AVOGADRO_per_mol: float = _c.N_A

BARN_m2: float = 1e-28
BARN_A2: float = 1e-8
#: 1 A/cm^2 of electrons expressed in electrons per Å^2 per second (= 1 / (e * 1e16))
A_PER_CM2_IN_E_PER_A2_S: float = 1.0 / (_c.e * 1e16)
#: 1 eV in J
EV_J: float = _c.e

__all__ = [name for name in dir() if name.isupper()]

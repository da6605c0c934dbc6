"""Element and material data with cited sources.

- :func:`element` -- symbol, Z and standard atomic weight (from ``periodictable``).
- :func:`surface_binding_energy_eV` -- surface binding / sublimation energies from the named
  data sets ``"crc"``, ``"srim"``, ``"tang2023"`` (:data:`DATASETS`), with overrides;
  :func:`default_displacement_energy_eV` = (5/3) E_sub (Egerton et al. 2010).
- :func:`compound` -- a formula (``"CdSe0.5S0.5"``) as a :class:`Material` (stoichiometry,
  mean Z and A, Z/A); :func:`lattice_constant_nm`, :func:`d_spacing_nm`,
  :func:`density_g_per_cm3` for the CdS–CdSe system (Vegard's law for alloys).
- :func:`mean_excitation_energy_eV` -- I for the Bethe formula (ICRU 37, Bragg additivity).
"""

from nanosinter.materials._compounds import (
    PHASES,
    Material,
    compound,
    d_spacing_nm,
    density_g_per_cm3,
    lattice_constant_nm,
    selenium_fraction,
)
from nanosinter.materials._elements import Element, element
from nanosinter.materials._energies import (
    DATASETS,
    DISPLACEMENT_TO_SUBLIMATION_RATIO,
    EnergyDataset,
    dataset_elements,
    default_displacement_energy_eV,
    energy_table,
    surface_binding_energy_eV,
)
from nanosinter.materials._excitation import mean_excitation_energy_eV

__all__ = [
    "DATASETS",
    "DISPLACEMENT_TO_SUBLIMATION_RATIO",
    "PHASES",
    "Element",
    "EnergyDataset",
    "Material",
    "compound",
    "d_spacing_nm",
    "dataset_elements",
    "default_displacement_energy_eV",
    "density_g_per_cm3",
    "element",
    "energy_table",
    "lattice_constant_nm",
    "mean_excitation_energy_eV",
    "selenium_fraction",
    "surface_binding_energy_eV",
]

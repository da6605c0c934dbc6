"""What an electron beam does to each element: knock-on transfer, thresholds, cross sections, rates.

All functions are vectorised (NumPy broadcasting); energies of the beam in keV, of atoms in eV,
masses in u, angles in degrees, cross sections in barn, fluxes in e/(Å²·s) or A/cm².
See ``docs/beam.md`` for the physics and references.
"""

from nanosinter.beam._cross_sections import (
    CrossSectionValidityWarning,
    displacement_cross_section_barn,
    sputter_cross_section_barn,
    sputter_min_energy_eV,
)
from nanosinter.beam._heating import beam_temperature_rise_K
from nanosinter.beam._kinematics import (
    beta_squared,
    energy_transfer_eV,
    is_reachable,
    max_energy_transfer_eV,
    threshold_angle_deg,
    threshold_beam_energy_keV,
)
from nanosinter.beam._rates import (
    electron_flux_e_per_A2_s,
    event_probability,
    event_rate_per_s,
    exposure_time_s,
)
from nanosinter.beam._stopping import (
    collision_stopping_power_MeV_cm2_per_g,
    ionisation_dose_Gy,
    ionisation_dose_rate_Gy_per_s,
    linear_stopping_eV_per_nm,
)

__all__ = [
    "CrossSectionValidityWarning",
    "beam_temperature_rise_K",
    "beta_squared",
    "collision_stopping_power_MeV_cm2_per_g",
    "displacement_cross_section_barn",
    "electron_flux_e_per_A2_s",
    "energy_transfer_eV",
    "event_probability",
    "event_rate_per_s",
    "exposure_time_s",
    "ionisation_dose_Gy",
    "ionisation_dose_rate_Gy_per_s",
    "is_reachable",
    "linear_stopping_eV_per_nm",
    "max_energy_transfer_eV",
    "sputter_cross_section_barn",
    "sputter_min_energy_eV",
    "threshold_angle_deg",
    "threshold_beam_energy_keV",
]

"""Effective surface diffusivity from the surface-diffusion neck-growth fit (Kuczynski).

Kuczynski's initial-stage law for two spheres sintering by surface diffusion is

    x^7 / a^3 = C gamma delta^4 D_s t / (k T),   C = 56,

with x the neck radius, a the particle radius, gamma the surface energy and delta the atomic
size. Here delta^4 is written Omega * delta_s (Omega the volume per diffusing unit, delta_s the
thickness of the diffusing surface layer, both = delta in Kuczynski's cubic-atom picture), as
later textbooks do. With the German form (X/D)^7 = B t / D^4 of the fit,
x^7/a^3 = B t / 16, so

    D_s = B k T / (16 C gamma Omega delta_s).

Textbook versions of the surface-diffusion law differ in the prefactor by about a factor two
(different neck geometries and flux integrations; PHYSICS.md §3); D_s inherits that spread, so
treat it as an effective, order-of-magnitude diffusivity. The prefactor is an argument.

References
----------
.. [1] G. C. Kuczynski, "Self-diffusion in sintering of metallic particles", Trans. AIME 185,
   169 (1949) (pre-DOI).
.. [2] R. M. German, "Sintering: From Empirical Observations to Scientific Principles" (2014),
   ch. 7. doi:10.1016/C2012-0-00717-X
.. [3] O. Madelung, "Semiconductors: Data Handbook", 3rd ed., Springer (2004) (wurtzite CdS
   a = 4.136 Å, c = 6.714 Å). doi:10.1007/978-3-642-18865-7
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nanosinter._validation import check_positive
from nanosinter.errors import AnalysisError
from nanosinter.kinetics._fit import NeckGrowthFit
from nanosinter.units import EV_J, BOLTZMANN_eV_per_K

#: Kuczynski's prefactor C in x^7/a^3 = C gamma delta^4 D_s t / kT (Kuczynski 1949)
KUCZYNSKI_PREFACTOR = 56.0
#: volume of one CdS formula unit in wurtzite, sqrt(3)/2 a^2 c / 2 with a = 0.4136 nm,
#: c = 0.6714 nm (Madelung 2004): the diffusing unit of a stoichiometric compound (nm^3)
CDS_FORMULA_VOLUME_NM3 = math.sqrt(3) / 2 * 0.4136**2 * 0.6714 / 2
#: surface energy used when none is given (J/m^2). *Assumed*, not measured: no measured value
#: exists for ligand-covered CdS nanocrystal surfaces; DFT values for bare non-polar II-VI
#: facets are a few tenths of J/m^2. D_s scales as 1/gamma: pass your own value.
DEFAULT_SURFACE_ENERGY_J_PER_M2 = 0.5
#: room temperature of the Tang et al. (2023) experiment (K)
ROOM_TEMPERATURE_K = 300.0
_J_PER_M2_IN_EV_PER_NM2 = 1e-18 / EV_J


@dataclass(frozen=True)
class SurfaceDiffusivity:
    """Effective surface diffusivity and the inputs it rests on.

    Attributes
    ----------
    D_s_nm2_per_s : float
        D_s in nm^2/s (1 nm^2/s = 1e-18 m^2/s = 1e-14 cm^2/s).
    interval_nm2_per_s : (float, float)
        From the bootstrap interval of B (the material inputs are held fixed).
    B_nm4_per_s : float
        Rate constant of the surface-diffusion fit, (X/D)^7 = B t / D^4.
    temperature_K, surface_energy_J_per_m2, atomic_volume_nm3, surface_layer_nm, prefactor
        The inputs used.
    """

    D_s_nm2_per_s: float
    interval_nm2_per_s: tuple[float, float]
    B_nm4_per_s: float
    temperature_K: float
    surface_energy_J_per_m2: float
    atomic_volume_nm3: float
    surface_layer_nm: float
    prefactor: float

    @property
    def D_s_m2_per_s(self) -> float:
        return self.D_s_nm2_per_s * 1e-18

    def as_dict(self) -> dict:
        return {
            "D_s_nm2_per_s": self.D_s_nm2_per_s,
            "D_s_m2_per_s": self.D_s_m2_per_s,
            "interval_nm2_per_s": list(self.interval_nm2_per_s),
            "B_nm4_per_s": self.B_nm4_per_s,
            "temperature_K": self.temperature_K,
            "surface_energy_J_per_m2": self.surface_energy_J_per_m2,
            "atomic_volume_nm3": self.atomic_volume_nm3,
            "surface_layer_nm": self.surface_layer_nm,
            "prefactor": self.prefactor,
            "law": "Kuczynski x^7/a^3 = C gamma Omega delta_s D_s t / kT",
        }


def surface_diffusivity_from_B(
    B_nm4_per_s: float | np.ndarray,
    *,
    temperature_K: float = ROOM_TEMPERATURE_K,
    surface_energy_J_per_m2: float = DEFAULT_SURFACE_ENERGY_J_PER_M2,
    atomic_volume_nm3: float = CDS_FORMULA_VOLUME_NM3,
    surface_layer_nm: float | None = None,
    prefactor: float = KUCZYNSKI_PREFACTOR,
) -> float | np.ndarray:
    """D_s (nm^2/s) from the rate constant B of (X/D)^7 = B t / D^4.

    Parameters
    ----------
    B_nm4_per_s : float or array_like
        Rate constant of the surface-diffusion law (nm^4/s).
    temperature_K : float, keyword-only
        Temperature (K); default room temperature as in Tang et al. (2023).
    surface_energy_J_per_m2 : float, keyword-only
        Surface energy gamma (J/m^2); the default 0.5 is assumed (see
        :data:`DEFAULT_SURFACE_ENERGY_J_PER_M2`).
    atomic_volume_nm3 : float, keyword-only
        Omega, volume of the diffusing unit (nm^3); default one wurtzite CdS formula unit,
        0.0497 nm^3 (Madelung 2004 lattice constants).
    surface_layer_nm : float, optional, keyword-only
        delta_s, thickness of the diffusing layer (nm); default Omega^(1/3) (Kuczynski's delta).
    prefactor : float, keyword-only
        C in Kuczynski's law (56).

    Returns
    -------
    float or ndarray
        D_s in nm^2/s.

    References
    ----------
    .. [1] G. C. Kuczynski, Trans. AIME 185, 169 (1949) (pre-DOI).
    .. [2] R. M. German, "Sintering: From Empirical Observations to Scientific Principles"
       (2014). doi:10.1016/C2012-0-00717-X

    """
    T = float(check_positive("temperature_K", temperature_K))
    gamma = float(check_positive("surface_energy_J_per_m2", surface_energy_J_per_m2))
    omega = float(check_positive("atomic_volume_nm3", atomic_volume_nm3))
    delta = omega ** (1 / 3) if surface_layer_nm is None else float(
        check_positive("surface_layer_nm", surface_layer_nm))
    c = float(check_positive("prefactor", prefactor))
    kT_eV = BOLTZMANN_eV_per_K * T
    gamma_eV_nm2 = gamma * _J_PER_M2_IN_EV_PER_NM2
    B = np.asarray(B_nm4_per_s, dtype=float)
    out = B * kT_eV / (16.0 * c * gamma_eV_nm2 * omega * delta)
    return float(out) if out.ndim == 0 else out


def B_from_surface_diffusivity(D_s_nm2_per_s: float, **inputs) -> float:
    """Inverse of :func:`surface_diffusivity_from_B` (same keyword inputs): B in nm^4/s."""
    unit = surface_diffusivity_from_B(1.0, **inputs)
    return float(D_s_nm2_per_s) / unit


def surface_diffusivity(fit: NeckGrowthFit, **inputs) -> SurfaceDiffusivity:
    """Effective D_s from the surface-diffusion model of a neck-growth fit.

    Parameters
    ----------
    fit : NeckGrowthFit
        Result of :func:`fit_neck_growth` or :func:`fit_dimer_neck_growth`.
    **inputs
        ``temperature_K``, ``surface_energy_J_per_m2``, ``atomic_volume_nm3``,
        ``surface_layer_nm``, ``prefactor`` as in :func:`surface_diffusivity_from_B`.

    Returns
    -------
    SurfaceDiffusivity

    Raises
    ------
    AnalysisError
        If the fit has no surface-diffusion model.
    """
    try:
        m = fit.model("surface_diffusion")
    except ValueError:
        raise AnalysisError("the fit has no surface-diffusion model") from None
    B = m.params["B"]
    lo, hi = m.intervals.get("B", (float("nan"), float("nan")))
    d = surface_diffusivity_from_B(B, **inputs)
    d_lo = surface_diffusivity_from_B(lo, **inputs)
    d_hi = surface_diffusivity_from_B(hi, **inputs)
    omega = inputs.get("atomic_volume_nm3", CDS_FORMULA_VOLUME_NM3)
    delta = inputs.get("surface_layer_nm") or omega ** (1 / 3)
    return SurfaceDiffusivity(
        D_s_nm2_per_s=d,
        interval_nm2_per_s=(d_lo, d_hi),
        B_nm4_per_s=B,
        temperature_K=float(inputs.get("temperature_K", ROOM_TEMPERATURE_K)),
        surface_energy_J_per_m2=float(
            inputs.get("surface_energy_J_per_m2", DEFAULT_SURFACE_ENERGY_J_PER_M2)),
        atomic_volume_nm3=float(omega),
        surface_layer_nm=float(delta),
        prefactor=float(inputs.get("prefactor", KUCZYNSKI_PREFACTOR)),
    )

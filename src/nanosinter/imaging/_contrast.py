"""Mass-thickness contrast: how strongly a column of atoms removes electrons from a BF image.

In a bright-field image taken with an objective aperture of semi-angle beta, electrons
elastically scattered outside the aperture are lost, so the transmitted intensity falls as
``I / I0 = exp(-t / lambda_c)`` with a contrast mean free path ``lambda_c`` (mass-thickness
contrast; Reimer & Kohl, *Transmission Electron Microscopy*, 5th ed., Springer 2008, §6.1,
doi:10.1007/978-0-387-40093-8).

``lambda_c`` is built from two published pieces:

1. the inelastic mean free path of Malis, Cheng & Egerton (1988),
   ``lambda_i = 106 F E0 / (Em ln(2 beta E0 / Em))`` nm with ``F = (1 + E0/1022)/(1 + E0/511)^2``,
   ``Em = 7.6 Zeff^0.36`` eV, ``E0`` in keV, ``beta`` in mrad, and
   ``Zeff = sum f_i Z_i^1.3 / sum f_i Z_i^0.3`` (atomic fractions ``f_i``);
2. Egerton's estimate that the elastic/inelastic cross-section ratio is about ``Z/20``
   (Egerton 2011, §3.1), with the characteristic elastic angle for Z ~ 40 at 300 kV (~20 mrad)
   beyond a 10 mrad aperture, so most elastic scattering is removed:
   ``lambda_c ~ lambda_i * 20 / Zeff``.

Per atom, the screened-Rutherford (Lenz) total elastic cross section scales as ``Z^(4/3)``
(Reimer & Kohl §5.1), which sets the relative weight of each species in a column; the absolute
scale is fixed so that CdSe (zinc blende, a = 0.6077 nm) has ``lambda_c``. This is an
approximation good to a factor of order 1.5 -- it ignores diffraction contrast, which in real
crystalline particles varies with orientation.

References
----------
.. [1] T. Malis, S. C. Cheng, R. F. Egerton, "EELS log-ratio technique for specimen-thickness
   measurement in the TEM", J. Electron Microsc. Tech. 8, 193 (1988).
   doi:10.1002/jemt.1060080206
.. [2] R. F. Egerton, *Electron Energy-Loss Spectroscopy in the Electron Microscope*, 3rd ed.,
   Springer (2011). doi:10.1007/978-1-4419-9583-4
.. [3] K. Iakoubovskii, K. Mitsuishi, Y. Nakayama, K. Furuya, "Thickness measurements with
   electron energy loss spectroscopy", Microsc. Res. Tech. 71, 626 (2008).
   doi:10.1002/jemt.20597 (measured lambda_i that the Malis formula matches to ~10-20 %)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nanosinter._validation import as_float_array, check_positive, check_same_length

#: Zinc-blende CdSe lattice constant in nm (PHYSICS.md §4, 6.077 Å); 8 atoms per cubic cell.
CDSE_LATTICE_CONSTANT_NM = 0.6077
#: Atom number density of zinc-blende CdSe in atoms/nm^3 (8 / a^3).
CDSE_ATOMS_PER_NM3 = 8.0 / CDSE_LATTICE_CONSTANT_NM**3
#: Atom number density of amorphous carbon at 2.0 g/cm^3 in atoms/nm^3
#: (rho N_A / M = 2.0 * 6.022e23 / 12.011 per cm^3; density of evaporated carbon films,
#: Reimer & Kohl 2008, §6.1).
CARBON_ATOMS_PER_NM3 = 2.0 * 6.02214076e23 / 12.011 * 1e-21


def effective_atomic_number(Z: Sequence[float], atomic_fraction: Sequence[float]) -> float:
    """Malis effective atomic number ``Zeff = sum f Z^1.3 / sum f Z^0.3``.

    Parameters
    ----------
    Z : sequence of float
        Atomic numbers.
    atomic_fraction : sequence of float
        Atomic fractions (normalised internally), same length as ``Z``.

    Returns
    -------
    float

    References
    ----------
    .. [1] Malis, Cheng & Egerton, J. Electron Microsc. Tech. 8, 193 (1988).
       doi:10.1002/jemt.1060080206

    Examples
    --------
    >>> round(effective_atomic_number([48, 34], [0.5, 0.5]), 2)  # CdSe
    41.43
    """
    check_same_length(("Z", "atomic_fraction"), list(Z), list(atomic_fraction))
    z = check_positive("Z", Z)
    f = check_positive("atomic_fraction", atomic_fraction)
    return float(np.sum(f * z**1.3) / np.sum(f * z**0.3))


def inelastic_mean_free_path_nm(
    beam_energy_keV: float, *, z_eff: float, collection_semiangle_mrad: float = 10.0
) -> np.ndarray:
    """Inelastic mean free path from the Malis-Cheng-Egerton formula, in nm.

    ``lambda_i = 106 F E0 / (Em ln(2 beta E0 / Em))``, ``F = (1 + E0/1022) / (1 + E0/511)^2``,
    ``Em = 7.6 Zeff^0.36`` eV.

    Parameters
    ----------
    beam_energy_keV : float or array
        Incident electron energy E0 in keV.
    z_eff : float, keyword-only
        Effective atomic number (:func:`effective_atomic_number`).
    collection_semiangle_mrad : float, keyword-only
        Collection (objective-aperture) semi-angle beta in mrad. Default 10 mrad, a typical
        objective aperture for bright-field imaging.

    Returns
    -------
    ndarray
        lambda_i in nm.

    References
    ----------
    .. [1] Malis, Cheng & Egerton, J. Electron Microsc. Tech. 8, 193 (1988).
       doi:10.1002/jemt.1060080206
    .. [2] Egerton (2011), Eq. 5.2. doi:10.1007/978-1-4419-9583-4
    """
    e0 = check_positive("beam_energy_keV", beam_energy_keV)
    z = float(check_positive("z_eff", z_eff))
    beta = float(check_positive("collection_semiangle_mrad", collection_semiangle_mrad))
    f = (1.0 + e0 / 1022.0) / (1.0 + e0 / 511.0) ** 2
    em = 7.6 * z**0.36
    return 106.0 * f * e0 / (em * np.log(2.0 * beta * e0 / em))


def contrast_mean_free_path_nm(
    beam_energy_keV: float, *, z_eff: float, collection_semiangle_mrad: float = 10.0
) -> np.ndarray:
    """Mean free path for scattering outside the objective aperture (mass-thickness contrast).

    ``lambda_c = lambda_i * 20 / Zeff``: the elastic mean free path from Egerton's ratio
    sigma_elastic / sigma_inelastic ~ Z/20, assuming the elastic scattering falls outside the
    aperture (true for Z ~ 30-50 at 300 kV with beta ~ 10 mrad). An approximation to a factor
    of order 1.5; supply a measured value through ``RenderSettings.mean_free_path_nm`` when
    one is known.

    Returns
    -------
    ndarray
        lambda_c in nm (~52 nm for CdSe at 300 kV, beta = 10 mrad).

    References
    ----------
    .. [1] Malis, Cheng & Egerton (1988). doi:10.1002/jemt.1060080206
    .. [2] Egerton (2011), §3.1 (elastic/inelastic ratio ~ Z/20).
       doi:10.1007/978-1-4419-9583-4
    """
    lam_i = inelastic_mean_free_path_nm(
        beam_energy_keV, z_eff=z_eff, collection_semiangle_mrad=collection_semiangle_mrad
    )
    return lam_i * 20.0 / float(z_eff)


def atom_cross_sections_nm2(
    Z: Sequence[float],
    *,
    beam_energy_keV: float = 300.0,
    collection_semiangle_mrad: float = 10.0,
    mean_free_path_nm: float | None = None,
) -> np.ndarray:
    """Per-atom contrast cross sections sigma(Z) in nm^2, scaled as Z^(4/3).

    The absolute scale makes zinc-blende CdSe attenuate with ``lambda_c``
    (:func:`contrast_mean_free_path_nm`, or ``mean_free_path_nm`` when given):
    ``n_CdSe * mean(sigma_Cd, sigma_Se) = 1 / lambda_c``. A column with ``N_s`` atoms of species
    ``s`` per nm^2 transmits ``exp(-sum_s sigma_s N_s)``.

    Parameters
    ----------
    Z : sequence of float
        Atomic numbers (Cd 48, Se 34, S 16, C 6, ...).
    beam_energy_keV, collection_semiangle_mrad : float, keyword-only
        Passed to :func:`contrast_mean_free_path_nm`.
    mean_free_path_nm : float, optional
        Contrast mean free path of CdSe to use instead of the formula.

    Returns
    -------
    ndarray of float64, shape (len(Z),)

    References
    ----------
    .. [1] L. Reimer, H. Kohl, *Transmission Electron Microscopy*, 5th ed., §5.1 (Lenz total
       elastic cross section ~ Z^(4/3)). doi:10.1007/978-0-387-40093-8
    """
    z = check_positive("Z", as_float_array("Z", Z))
    if mean_free_path_nm is None:
        z_cdse = effective_atomic_number([48, 34], [0.5, 0.5])
        lam = float(
            contrast_mean_free_path_nm(
                beam_energy_keV,
                z_eff=z_cdse,
                collection_semiangle_mrad=collection_semiangle_mrad,
            )
        )
    else:
        lam = float(check_positive("mean_free_path_nm", mean_free_path_nm))
    mean_cdse = 0.5 * (48.0 ** (4 / 3) + 34.0 ** (4 / 3))
    scale = 1.0 / (CDSE_ATOMS_PER_NM3 * lam * mean_cdse)
    return scale * z ** (4.0 / 3.0)

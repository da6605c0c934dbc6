"""Named, cited data sets of surface binding (sublimation) energies per element.

Three data sets, chosen by name:

``"crc"``
    Atomisation enthalpy of the element (standard enthalpy of formation of the monatomic gas
    at 298.15 K), CRC Handbook; the thermodynamic sublimation energy per atom.
``"srim"``
    The default surface binding energies of SRIM/TRIM (Ziegler, Ziegler & Biersack 2010),
    used in sputtering simulations.
``"tang2023"``
    The three values quoted by Tang et al. (2023) for Cd, S and Se (0.90, 5.63, 5.01 eV).
    They match no standard table (see ``docs/beam.md``); kept so the paper can be reproduced.

The numbers live in ``materials/data/surface_energies.csv`` with their units.

References
----------
.. [1] J. R. Rumble (ed.), CRC Handbook of Chemistry and Physics, 103rd ed., CRC Press (2022),
   "Standard thermodynamic properties of chemical substances". doi:10.1201/9781003254812
.. [2] J. F. Ziegler, M. D. Ziegler, J. P. Biersack, "SRIM - The stopping and range of ions in
   matter (2010)", Nucl. Instrum. Methods B 268, 1818 (2010). doi:10.1016/j.nimb.2010.02.091
.. [3] L. Tang et al., Nanomaterials 13, 3082 (2023). doi:10.3390/nano13243082
.. [4] R. F. Egerton, R. McLeod, F. Wang, M. Malac, Ultramicroscopy 110, 991 (2010).
   doi:10.1016/j.ultramic.2009.11.003
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from scipy import constants as _c

from nanosinter._validation import check_choice, check_positive
from nanosinter.errors import UnknownElementError
from nanosinter.materials._elements import element

#: 1 eV per particle expressed in kJ/mol (CODATA: e · N_A / 1000).
_KJ_PER_MOL_PER_EV = _c.e * _c.N_A / 1e3

#: Egerton et al. (2010): sputtering data fit a non-spherical escape potential with a surface
#: displacement energy E_d = (5/3) E_sub. Calibrated to measured electron-sputtering thresholds
#: and cross sections of elemental specimens.
DISPLACEMENT_TO_SUBLIMATION_RATIO = 5.0 / 3.0


@dataclass(frozen=True)
class EnergyDataset:
    """Description of one named energy data set."""

    name: str
    quantity: str
    reference: str
    doi: str


DATASETS: dict[str, EnergyDataset] = {
    "crc": EnergyDataset(
        "crc",
        "atomisation (sublimation) enthalpy at 298.15 K",
        "CRC Handbook of Chemistry and Physics, 103rd ed. (2022)",
        "10.1201/9781003254812",
    ),
    "srim": EnergyDataset(
        "srim",
        "SRIM default surface binding energy",
        "Ziegler, Ziegler & Biersack, Nucl. Instrum. Methods B 268, 1818 (2010)",
        "10.1016/j.nimb.2010.02.091",
    ),
    "tang2023": EnergyDataset(
        "tang2023",
        "surface binding energy as quoted by Tang et al. (not from a standard table)",
        "Tang et al., Nanomaterials 13, 3082 (2023)",
        "10.3390/nano13243082",
    ),
}


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, float]]:
    text = resources.files("nanosinter.materials").joinpath("data/surface_energies.csv")
    out: dict[str, dict[str, float]] = {name: {} for name in DATASETS}
    with text.open("r", encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for row in rows:
            value = float(row["value"])
            if row["unit"] == "kJ/mol":
                value /= _KJ_PER_MOL_PER_EV
            elif row["unit"] != "eV":  # pragma: no cover - guards the shipped data file
                raise ValueError(f"surface_energies.csv: unknown unit {row['unit']!r}")
            out[row["dataset"]][row["element"]] = value
    return out


def dataset_elements(dataset: str) -> tuple[str, ...]:
    """Symbols of the elements a data set covers, in table order."""
    check_choice("dataset", dataset, DATASETS)
    return tuple(_table()[dataset])


def surface_binding_energy_eV(
    symbol: str, dataset: str = "tang2023", *, overrides: Mapping[str, float] | None = None
) -> float:
    """Surface binding (sublimation) energy of an element from a named data set.

    Parameters
    ----------
    symbol : str
        Chemical symbol.
    dataset : {"tang2023", "crc", "srim"}
        Which data set to use (see the module docstring for what each one is).
    overrides : mapping of str to float, optional, keyword-only
        Per-element values in eV that take precedence (e.g. from the command line).

    Returns
    -------
    float
        Energy in eV per atom.

    Raises
    ------
    UnknownElementError
        If *symbol* is not an element, or the data set has no value for it (and no override).
    InputError
        If *dataset* is not one of the names above or an override is not > 0.

    References
    ----------
    .. [1] CRC Handbook of Chemistry and Physics, 103rd ed. (2022). doi:10.1201/9781003254812
    .. [2] J. F. Ziegler et al., Nucl. Instrum. Methods B 268, 1818 (2010).
       doi:10.1016/j.nimb.2010.02.091
    .. [3] L. Tang et al., Nanomaterials 13, 3082 (2023). doi:10.3390/nano13243082

    Examples
    --------
    >>> round(surface_binding_energy_eV("Cd", "crc"), 3)
    1.159
    """
    check_choice("dataset", dataset, DATASETS)
    sym = element(symbol).symbol
    if overrides:
        normalised = {element(k).symbol: v for k, v in overrides.items()}
        if sym in normalised:
            return float(check_positive(f"surface binding energy override for {sym}",
                                        normalised[sym]))
    table = _table()[dataset]
    if sym not in table:
        raise UnknownElementError(
            f"element {sym} has no surface binding energy in data set {dataset!r} "
            f"(it covers {', '.join(table)}); give one explicitly"
        )
    return table[sym]


def default_displacement_energy_eV(
    symbol: str, dataset: str = "tang2023", *, overrides: Mapping[str, float] | None = None
) -> float:
    """Default displacement energy E_d = (5/3) E_sub of an element.

    Parameters
    ----------
    symbol : str
        Chemical symbol.
    dataset : {"tang2023", "crc", "srim"}
        Data set for the sublimation / surface binding energy E_sub.
    overrides : mapping, optional, keyword-only
        Per-element E_sub overrides in eV, as in :func:`surface_binding_energy_eV`.

    Returns
    -------
    float
        E_d in eV. The factor 5/3 is *calibrated*: Egerton et al. (2010) found it reproduces
        measured electron-sputtering thresholds and cross sections; bulk displacement energies
        of atoms inside a crystal are usually larger, so pass a measured E_d where you have one.

    References
    ----------
    .. [1] R. F. Egerton, R. McLeod, F. Wang, M. Malac, Ultramicroscopy 110, 991 (2010).
       doi:10.1016/j.ultramic.2009.11.003
    """
    return DISPLACEMENT_TO_SUBLIMATION_RATIO * surface_binding_energy_eV(
        symbol, dataset, overrides=overrides
    )


def energy_table(symbols: Iterable[str]) -> list[dict[str, float | str | None]]:
    """Surface binding energies of *symbols* in every data set side by side.

    Parameters
    ----------
    symbols : iterable of str
        Chemical symbols.

    Returns
    -------
    list of dict
        One record per element: ``element`` and ``<dataset>_eV`` for each data set (None where
        a data set has no value).

    References
    ----------
    .. [1] See :func:`surface_binding_energy_eV`.
    """
    rows: list[dict[str, float | str | None]] = []
    for s in symbols:
        sym = element(s).symbol
        row: dict[str, float | str | None] = {"element": sym}
        for name in DATASETS:
            row[f"{name}_eV"] = _table()[name].get(sym)
        rows.append(row)
    return rows

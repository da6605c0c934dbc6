"""Mean excitation energies I for the Bethe stopping-power formula.

Element values are those adopted by ICRU Report 37 (Seltzer & Berger 1982), shipped in
``materials/data/mean_excitation_energies.csv``. For a compound, Bragg's additivity rule
ln I = Σ w_i (Z_i/A_i) ln I_i / Σ w_i (Z_i/A_i) is used (the rule ICRU 37 applies where no
measured compound value exists; it neglects chemical-binding and phase effects of a few %).

References
----------
.. [1] ICRU Report 37, "Stopping Powers for Electrons and Positrons" (1984).
   doi:10.1093/jicru/os19.2.Report37
.. [2] S. M. Seltzer, M. J. Berger, "Improved procedure for calculating the collision stopping
   power of elements and compounds for electrons and positrons", Int. J. Appl. Radiat. Isot.
   33, 1189 (1982). doi:10.1016/0020-708X(82)90244-7
"""

from __future__ import annotations

import csv
import math
from functools import lru_cache
from importlib import resources

from nanosinter.errors import UnknownElementError
from nanosinter.materials._compounds import Material, compound
from nanosinter.materials._elements import element


@lru_cache(maxsize=1)
def _table() -> dict[str, float]:
    path = resources.files("nanosinter.materials").joinpath("data/mean_excitation_energies.csv")
    with path.open("r", encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {row["element"]: float(row["I_eV"]) for row in rows}


def mean_excitation_energy_eV(material: str | Material) -> float:
    """Mean excitation energy I of an element or compound.

    Parameters
    ----------
    material : str or Material
        Element symbol or formula (``"Cd"``, ``"CdSe0.5S0.5"``, ``"H2O"``).

    Returns
    -------
    float
        I in eV (Bragg additivity for compounds).

    Raises
    ------
    UnknownElementError
        If an element has no tabulated I here.

    References
    ----------
    .. [1] ICRU Report 37 (1984). doi:10.1093/jicru/os19.2.Report37
    .. [2] S. M. Seltzer, M. J. Berger, Int. J. Appl. Radiat. Isot. 33, 1189 (1982).
       doi:10.1016/0020-708X(82)90244-7
    """
    mat = material if isinstance(material, Material) else compound(material)
    table = _table()
    num = den = 0.0
    for sym, w in mat.mass_fractions.items():
        if sym not in table:
            raise UnknownElementError(
                f"no mean excitation energy for {sym} (tabulated: {', '.join(table)})"
            )
        el = element(sym)
        weight = w * el.Z / el.mass_u
        num += weight * math.log(table[sym])
        den += weight
    return math.exp(num / den)

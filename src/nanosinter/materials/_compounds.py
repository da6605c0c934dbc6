"""Compounds by formula: composition, mean Z and A, lattice constants, density, d-spacings.

Lattice constants of the CdS–CdSe system (wurtzite and zinc blende) are the reference values
of ``PHYSICS.md`` §4; the alloy CdSe(x)S(1−x) follows Vegard's law (linear in x). Densities
follow from the lattice constants and the formula mass (4 formula units per zinc-blende cubic
cell, 2 per wurtzite hexagonal cell), so no density is typed by hand.

References
----------
.. [1] O. Madelung, Semiconductors: Data Handbook, 3rd ed., Springer (2004) (CdS, CdSe lattice
   parameters). doi:10.1007/978-3-642-18865-7
.. [2] L. Vegard, "Die Konstitution der Mischkristalle und die Raumfüllung der Atome",
   Z. Phys. 5, 17 (1921). doi:10.1007/BF01349680
.. [3] A. R. Denton, N. W. Ashcroft, "Vegard's law", Phys. Rev. A 43, 3161 (1991).
   doi:10.1103/PhysRevA.43.3161
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from nanosinter._validation import check_choice
from nanosinter.errors import InputError
from nanosinter.materials._elements import element
from nanosinter.units import AVOGADRO_per_mol

PHASES = ("zincblende", "wurtzite")

#: Lattice parameters in nm: phase -> end member -> (a, c). PHYSICS.md §4 (powder-diffraction
#: reference values; Madelung 2004 agrees within 0.5 %).
_LATTICE_NM: dict[str, dict[str, tuple[float, float | None]]] = {
    "wurtzite": {"CdS": (0.4136, 0.6714), "CdSe": (0.4299, 0.7010)},
    "zincblende": {"CdS": (0.5818, None), "CdSe": (0.6077, None)},
}
#: Formula units per conventional cell.
_FORMULA_UNITS_PER_CELL = {"zincblende": 4, "wurtzite": 2}

_TOKEN = re.compile(r"([A-Z][a-z]?)(\d+(?:\.\d+)?|\.\d+)?")


@dataclass(frozen=True)
class Material:
    """A compound given by its formula.

    Attributes
    ----------
    formula : str
        The formula as given (``"CdSe0.5S0.5"``).
    composition : dict
        Element symbol -> atoms per formula unit.
    """

    formula: str
    composition: dict[str, float] = field(hash=False)

    @property
    def atom_fractions(self) -> dict[str, float]:
        """Element -> fraction of atoms."""
        n = sum(self.composition.values())
        return {s: c / n for s, c in self.composition.items()}

    @property
    def formula_mass_u(self) -> float:
        """Mass of one formula unit in u (g/mol)."""
        return sum(element(s).mass_u * c for s, c in self.composition.items())

    @property
    def mass_fractions(self) -> dict[str, float]:
        """Element -> mass fraction w_i."""
        m = self.formula_mass_u
        return {s: element(s).mass_u * c / m for s, c in self.composition.items()}

    @property
    def mean_Z(self) -> float:
        """Atom-fraction weighted mean atomic number."""
        return sum(element(s).Z * f for s, f in self.atom_fractions.items())

    @property
    def mean_mass_u(self) -> float:
        """Atom-fraction weighted mean atomic mass in u."""
        return sum(element(s).mass_u * f for s, f in self.atom_fractions.items())

    @property
    def Z_over_A(self) -> float:
        """Electrons per unit mass, Σ w_i Z_i / A_i in mol/g (enters the Bethe formula)."""
        return sum(w * element(s).Z / element(s).mass_u for s, w in self.mass_fractions.items())


@lru_cache(maxsize=128)
def compound(formula: str) -> Material:
    """Parse a chemical formula with integer or decimal counts.

    Parameters
    ----------
    formula : str
        E.g. ``"CdSe"``, ``"CdS"``, ``"CdSe0.5S0.5"``, ``"H2O"``. Parentheses are not supported.

    Returns
    -------
    Material
        The parsed composition (repeated symbols are summed).

    Raises
    ------
    UnknownElementError
        If a symbol is not an element.
    InputError
        If the formula is empty, malformed or has a zero count.

    References
    ----------
    .. [1] IUPAC, Nomenclature of Inorganic Chemistry (2005), IR-4 (formulae).
       doi:10.1039/9781847557889
    """
    if not isinstance(formula, str) or not formula.strip():
        raise InputError(f"formula must be a chemical formula such as 'CdSe', got {formula!r}")
    text = formula.strip()
    comp: dict[str, float] = {}
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() != pos:
            break
        sym = element(m.group(1)).symbol
        count = float(m.group(2)) if m.group(2) else 1.0
        if count <= 0:
            raise InputError(f"formula {formula!r}: count of {sym} must be > 0")
        comp[sym] = comp.get(sym, 0.0) + count
        pos = m.end()
    if pos != len(text) or not comp:
        raise InputError(f"formula {formula!r} is not a plain formula such as 'CdSe0.5S0.5'")
    return Material(formula=text, composition=comp)


def _as_material(material: str | Material) -> Material:
    return material if isinstance(material, Material) else compound(material)


def selenium_fraction(material: str | Material) -> float:
    """x in CdSe(x)S(1−x): Se / (Se + S) for a Cd chalcogenide of the CdS–CdSe system.

    Parameters
    ----------
    material : str or Material
        A formula containing only Cd, Se and S with Cd = Se + S (e.g. ``"CdSe0.5S0.5"``).

    Returns
    -------
    float
        x in [0, 1].

    Raises
    ------
    InputError
        If the material is not a stoichiometric member of the CdS–CdSe system.

    References
    ----------
    .. [1] L. Vegard, Z. Phys. 5, 17 (1921). doi:10.1007/BF01349680
    """
    mat = _as_material(material)
    c = mat.composition
    anions = c.get("Se", 0.0) + c.get("S", 0.0)
    if set(c) - {"Cd", "Se", "S"} or "Cd" not in c or anions == 0.0 or not math.isclose(
        c["Cd"], anions, rel_tol=1e-6
    ):
        raise InputError(
            f"material {mat.formula!r}: lattice data exist only for CdSe(x)S(1-x) "
            "(Cd, Se, S with Cd = Se + S)"
        )
    return c.get("Se", 0.0) / anions


def lattice_constant_nm(
    material: str | Material, phase: str = "zincblende", *, axis: str = "a"
) -> float:
    """Lattice constant of CdS, CdSe or the alloy CdSe(x)S(1−x) (Vegard's law).

    Parameters
    ----------
    material : str or Material
        Formula in the CdS–CdSe system, e.g. ``"CdSe"``, ``"CdS"``, ``"CdSe0.5S0.5"``.
    phase : {"zincblende", "wurtzite"}
        Crystal structure.
    axis : {"a", "c"}, keyword-only
        Which lattice parameter; ``"c"`` only for wurtzite.

    Returns
    -------
    float
        Lattice parameter in nm: x·p(CdSe) + (1−x)·p(CdS).

    References
    ----------
    .. [1] O. Madelung, Semiconductors: Data Handbook, 3rd ed. (2004).
       doi:10.1007/978-3-642-18865-7
    .. [2] L. Vegard, Z. Phys. 5, 17 (1921). doi:10.1007/BF01349680

    Examples
    --------
    >>> round(lattice_constant_nm("CdSe0.5S0.5", "zincblende"), 5)
    0.59475
    """
    check_choice("phase", phase, PHASES)
    check_choice("axis", axis, ("a", "c") if phase == "wurtzite" else ("a",))
    x = selenium_fraction(material)
    i = 0 if axis == "a" else 1
    p_cdse = _LATTICE_NM[phase]["CdSe"][i]
    p_cds = _LATTICE_NM[phase]["CdS"][i]
    return float(x * p_cdse + (1.0 - x) * p_cds)  # type: ignore[operator]


def d_spacing_nm(material: str | Material, phase: str, hkl: tuple[int, int, int]) -> float:
    """Interplanar spacing of reflection (h k l).

    Parameters
    ----------
    material : str or Material
        Formula in the CdS–CdSe system.
    phase : {"zincblende", "wurtzite"}
        Cubic: d⁻² = (h²+k²+l²)/a²; hexagonal (three-index hkl): d⁻² = 4(h²+hk+k²)/(3a²) + l²/c².
    hkl : tuple of 3 ints
        Miller indices (not all zero).

    Returns
    -------
    float
        d in nm.

    References
    ----------
    .. [1] B. D. Cullity, S. R. Stock, Elements of X-Ray Diffraction, 3rd ed., Pearson (2014),
       App. 3 (interplanar spacings). ISBN 978-1-292-04054-7
    """
    try:
        h, k, l = (int(v) for v in hkl)
    except (TypeError, ValueError):
        raise InputError(f"hkl must be three integers, got {hkl!r}") from None
    if h == k == l == 0:
        raise InputError("hkl must not be (0, 0, 0)")
    a = lattice_constant_nm(material, phase)
    if phase == "zincblende":
        inv_d2 = (h * h + k * k + l * l) / a**2
    else:
        c = lattice_constant_nm(material, phase, axis="c")
        inv_d2 = 4.0 * (h * h + h * k + k * k) / (3.0 * a**2) + l * l / c**2
    return 1.0 / math.sqrt(inv_d2)


def density_g_per_cm3(material: str | Material, phase: str = "zincblende") -> float:
    """Crystallographic (X-ray) density from the lattice constants and the formula mass.

    Parameters
    ----------
    material : str or Material
        Formula in the CdS–CdSe system.
    phase : {"zincblende", "wurtzite"}
        Zinc blende: 4 formula units in a³; wurtzite: 2 in (√3/2) a² c.

    Returns
    -------
    float
        Density in g/cm³ (CdS wurtzite 4.82, CdSe wurtzite 5.66 from the §4 lattice constants).

    References
    ----------
    .. [1] B. D. Cullity, S. R. Stock, Elements of X-Ray Diffraction, 3rd ed. (2014).
       ISBN 978-1-292-04054-7
    .. [2] O. Madelung, Semiconductors: Data Handbook (2004). doi:10.1007/978-3-642-18865-7
    """
    mat = _as_material(material)
    a_cm = lattice_constant_nm(mat, phase) * 1e-7
    if phase == "zincblende":
        volume_cm3 = a_cm**3
    else:
        c_cm = lattice_constant_nm(mat, phase, axis="c") * 1e-7
        volume_cm3 = math.sqrt(3.0) / 2.0 * a_cm**2 * c_cm
    n = _FORMULA_UNITS_PER_CELL[phase]
    return n * mat.formula_mass_u / (AVOGADRO_per_mol * volume_cm3)

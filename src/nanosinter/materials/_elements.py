"""Element identity (symbol, Z, standard atomic weight) from the `periodictable` package.

Nothing here is typed by hand: Z and masses come from ``periodictable``, which carries the
IUPAC standard atomic weights.

References
----------
.. [1] T. Prohaska et al., "Standard atomic weights of the elements 2021 (IUPAC Technical
   Report)", Pure Appl. Chem. 94, 573 (2022). doi:10.1515/pac-2019-0603
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import periodictable

from nanosinter.errors import UnknownElementError


@dataclass(frozen=True)
class Element:
    """One chemical element.

    Attributes
    ----------
    symbol : str
        Chemical symbol, canonical capitalisation (``"Cd"``).
    Z : int
        Atomic number.
    mass_u : float
        Standard atomic weight in u (daltons), IUPAC via ``periodictable``.
    name : str
        English name.
    """

    symbol: str
    Z: int
    mass_u: float
    name: str


@lru_cache(maxsize=256)
def element(symbol: str) -> Element:
    """Look up an element by its chemical symbol.

    Parameters
    ----------
    symbol : str
        Chemical symbol; capitalisation is normalised (``"cd"`` and ``"CD"`` give Cd).

    Returns
    -------
    Element
        Symbol, atomic number and standard atomic weight (u).

    Raises
    ------
    UnknownElementError
        If *symbol* is not a chemical element (or is the neutron / a bare isotope label).

    References
    ----------
    .. [1] T. Prohaska et al., Pure Appl. Chem. 94, 573 (2022). doi:10.1515/pac-2019-0603

    Examples
    --------
    >>> element("Cd").Z
    48
    """
    if not isinstance(symbol, str) or not symbol.strip():
        raise UnknownElementError(f"element must be a chemical symbol such as 'Cd', got {symbol!r}")
    sym = symbol.strip()
    sym = sym[:1].upper() + sym[1:].lower()
    el = getattr(periodictable.elements, "symbol", None)
    try:
        found = el(sym) if el is not None else None
    except ValueError:
        found = None
    if found is None or found.number < 1 or found.mass is None or not found.mass > 0:
        raise UnknownElementError(f"element: unknown chemical symbol {symbol!r}")
    return Element(symbol=found.symbol, Z=int(found.number), mass_u=float(found.mass),
                   name=str(found.name))

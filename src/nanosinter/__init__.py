"""nanosinter: in-situ TEM sintering of nanocrystals.

Subpackages (imported on demand, so ``import nanosinter`` stays light):

- :mod:`nanosinter.beam` -- what an electron beam does to each element (knock-on, sputtering,
  heating, dose).
- :mod:`nanosinter.materials` -- element and compound data with cited sources.
- :mod:`nanosinter.kmc` -- atomistic kinetic Monte Carlo of sintering under beam and heat.
- :mod:`nanosinter.io` -- read and write microscope movies (through RosettaSciIO).
- :mod:`nanosinter.imaging` -- render realistic in-situ TEM movies from simulations.
- :mod:`nanosinter.geometry` -- dimer geometry (r1, r2, neck radius, neck curvature) from shapes.
- :mod:`nanosinter.analysis` -- measure sintering in movies automatically.
- :mod:`nanosinter.kinetics` -- fit neck-growth laws and weigh the mechanisms.
- :mod:`nanosinter.report` -- one self-contained HTML report.
"""

from nanosinter.errors import (
    ConfigError,
    FileFormatError,
    InputError,
    NanosinterError,
    UnknownElementError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "FileFormatError",
    "InputError",
    "NanosinterError",
    "UnknownElementError",
    "__version__",
]

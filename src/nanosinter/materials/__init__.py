"""Element and material data with cited sources.

- :func:`element` -- symbol, Z and standard atomic weight (from ``periodictable``).
"""

from nanosinter.materials._elements import Element, element

__all__ = ["Element", "element"]

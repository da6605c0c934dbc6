"""Dimer geometry of shapes: the forward model and its measurement.

Shared by the renderer (ground truth from noise-free masks), the movie analysis and the KMC
observables, so that r1, r2, neck radius r, neck curvature radius R, centre distance and gap mean
the same everywhere (definitions in ``docs/architecture.md``, "Dimer geometry").

- :func:`synthetic_dimer_mask` -- rasterise two discs joined by a circular-arc neck (or apart).
- :func:`dimer_shape`, :func:`inside_dimer` -- the exact forward model in its own frame.
- :func:`measure_dimer_mask` -> :class:`DimerGeometry` -- measure a mask of one or two bodies.
- :func:`fit_circle` -> :class:`CircleFit` -- geometric least-squares circle fit.
"""

from nanosinter.geometry._circle import CircleFit, fit_circle
from nanosinter.geometry._measure import GEOMETRY_COLUMNS, DimerGeometry, measure_dimer_mask
from nanosinter.geometry._model import (
    DimerShape,
    dimer_shape,
    inside_dimer,
    synthetic_dimer_mask,
)

__all__ = [
    "GEOMETRY_COLUMNS",
    "CircleFit",
    "DimerGeometry",
    "DimerShape",
    "dimer_shape",
    "fit_circle",
    "inside_dimer",
    "measure_dimer_mask",
    "synthetic_dimer_mask",
]

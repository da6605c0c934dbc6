"""Measure sintering in in-situ TEM movies, automatically and with uncertainties.

The per-frame steps are separate functions that can be swapped or tested alone:

- :class:`DriftTracker`, :func:`phase_correlation_shift` -- stage drift against a running
  reference;
- :func:`segment_frame` (:class:`SegmentOptions`) -- hot pixels, denoising, contrast,
  particles against the amorphous support;
- :func:`measure_particles` -- area, equivalent diameter, centroid, fitted circle in nm;
- :class:`Tracker` -- identities across frames with merge and split events;
- :func:`particle_gaps` -- surface-to-surface distances, the 1-2 nm sintering window;
- :class:`DimerAnalyzer` (:class:`DimerOptions`), :func:`fit_dimer_image` -- r1, r2, neck
  radius r, neck curvature radius R, gap, volume, contact;
- :func:`analyze_movie` (:class:`AnalysisOptions`) -- the streaming pipeline writing
  ``particles.csv``, ``events.csv``, ``pairs.csv``, ``dimer.csv``, overlays;
- :func:`size_distribution` -- particle sizes of one overview image.
"""

from nanosinter.analysis._dimer import DIMER_COLUMNS, DimerAnalyzer, DimerOptions
from nanosinter.analysis._dimer_fit import DimerFit, fit_dimer_image, half_width, neck_arc
from nanosinter.analysis._drift import DriftTracker, phase_correlation_shift
from nanosinter.analysis._overlay import write_overlay
from nanosinter.analysis._pairs import PAIR_COLUMNS, particle_gaps
from nanosinter.analysis._particles import PARTICLE_COLUMNS, measure_particles
from nanosinter.analysis._pipeline import AnalysisOptions, analyze_movie, contact_frame
from nanosinter.analysis._segment import (
    Segmentation,
    SegmentOptions,
    prepare_frame,
    segment_frame,
)
from nanosinter.analysis._sizes import size_distribution
from nanosinter.analysis._track import Tracker

__all__ = [
    "DIMER_COLUMNS",
    "PAIR_COLUMNS",
    "PARTICLE_COLUMNS",
    "AnalysisOptions",
    "DimerAnalyzer",
    "DimerFit",
    "DimerOptions",
    "DriftTracker",
    "SegmentOptions",
    "Segmentation",
    "Tracker",
    "analyze_movie",
    "contact_frame",
    "fit_dimer_image",
    "half_width",
    "measure_particles",
    "neck_arc",
    "particle_gaps",
    "phase_correlation_shift",
    "prepare_frame",
    "segment_frame",
    "size_distribution",
    "write_overlay",
]

"""Synthetic bright-field in-situ TEM movies from KMC snapshots, with ground truth.

- :func:`render_movie` -- a simulation folder to ``MOVIE`` + ``MOVIE.truth.csv`` /
  ``MOVIE.truth.npz`` (noise-free, drift-free outlines and dimer geometry per frame).
- :class:`FrameRenderer` / :class:`RenderSettings` -- one frame at a time, for tests and demos.
- :func:`splat_atoms`, :class:`Grid` -- projection of atoms along the beam.
- :func:`contrast_mean_free_path_nm`, :func:`inelastic_mean_free_path_nm`,
  :func:`effective_atomic_number`, :func:`atom_cross_sections_nm2` -- mass-thickness contrast.
- :func:`random_walk_drift` -- stage drift.
- :func:`feature_detectability` -- can any analysis see these atoms at this dose? The
  ideal-observer ``d'`` of a feature (a young neck, an island) against shot noise and the
  support texture, with Rose's ``d' >= 5``; :func:`neck_visibility` -- the same for the
  bridge between two particles in every frame of a rendered movie (``MOVIE.visibility.csv``);
  :func:`neck_detectability_table` -- dose planning for a neck between two spheres
  (``nanosinter visibility``).
"""

from nanosinter.imaging._contrast import (
    atom_cross_sections_nm2,
    contrast_mean_free_path_nm,
    effective_atomic_number,
    inelastic_mean_free_path_nm,
)
from nanosinter.imaging._movie import (
    TRUTH_EXTRA_COLUMNS,
    frame_schedule,
    measure_truth,
    read_truth_masks,
    render_movie,
    truth_paths,
)
from nanosinter.imaging._project import Grid, splat_atoms
from nanosinter.imaging._render import (
    FrameRenderer,
    RenderedFrame,
    RenderSettings,
    SupportTexture,
    random_walk_drift,
)
from nanosinter.imaging._visibility import (
    ROSE_D_PRIME,
    VISIBILITY_COLUMNS,
    ZINC_BLENDE,
    Detectability,
    bridged_dimer_atoms,
    feature_detectability,
    first_visible_frame,
    neck_detectability_table,
    neck_visibility,
    visibility_path,
    write_neck_visibility,
)

__all__ = [
    "ROSE_D_PRIME",
    "TRUTH_EXTRA_COLUMNS",
    "VISIBILITY_COLUMNS",
    "ZINC_BLENDE",
    "Detectability",
    "FrameRenderer",
    "Grid",
    "RenderSettings",
    "RenderedFrame",
    "SupportTexture",
    "atom_cross_sections_nm2",
    "bridged_dimer_atoms",
    "contrast_mean_free_path_nm",
    "effective_atomic_number",
    "feature_detectability",
    "first_visible_frame",
    "frame_schedule",
    "inelastic_mean_free_path_nm",
    "measure_truth",
    "neck_detectability_table",
    "neck_visibility",
    "random_walk_drift",
    "read_truth_masks",
    "render_movie",
    "splat_atoms",
    "truth_paths",
    "visibility_path",
    "write_neck_visibility",
]

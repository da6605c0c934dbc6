"""The one small type for "a movie": frames plus calibration plus metadata.

Single images are one-frame movies. Frames may be a NumPy array or a lazy dask array.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Movie:
    """An in-situ TEM movie (or a single image as a one-frame movie).

    Attributes
    ----------
    frames : array-like, shape (n_frames, ny, nx)
        NumPy or dask array; dask for lazily read large files.
    pixel_size_nm : float or None
        Pixel size in nm; ``None`` when unknown (never a silent 1.0).
    frame_times_s : ndarray, shape (n_frames,), or None
        Acquisition time of each frame in s from the first; ``None`` when unknown.
    metadata : dict
        Normalised metadata (``format``, ``source``, beam energy etc. where known).
    original_metadata : dict
        Metadata as stored by the microscope software.
    """

    frames: Any
    pixel_size_nm: float | None = None
    frame_times_s: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    original_metadata: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None

    @property
    def n_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.frames.shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.frames.dtype)

    @property
    def frame_interval_s(self) -> float | None:
        t = self.frame_times_s
        if t is None or len(t) < 2:
            return None
        return float(np.median(np.diff(t)))

    @property
    def is_lazy(self) -> bool:
        return not isinstance(self.frames, np.ndarray)

    def frame(self, i: int) -> np.ndarray:
        """Frame *i* as an in-memory NumPy array (computes one frame of a lazy movie)."""
        f = self.frames[i]
        return np.asarray(f.compute() if hasattr(f, "compute") else f)

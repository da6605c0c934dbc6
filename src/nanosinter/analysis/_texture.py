"""Support-texture estimate from a movie's own approach frames (optional, issue 5).

The granular texture of an amorphous support is fixed to the specimen: the same in every
frame, moved only by the stage drift, so averaging frames does not remove it. Where the neck
of a dimer later grows, the approach frames (lobes apart) show support and carbon rims only:
there the texture is observable as the residual of the lobes' fitted profiles. This module
keeps that residual, high-passed at the texture's grain, in the coordinates of a reference
frame (registered by whole-frame phase correlation, which the texture itself dominates after
whitening), and gives it back shifted into a later frame's crop, to be subtracted from the
contrast image before the neck fits.
"""

from __future__ import annotations

import numpy as np
from scipy import fft as sfft
from scipy import ndimage as ndi

from nanosinter.analysis._drift import phase_correlation_shift


def _windowed_fft(frame: np.ndarray) -> np.ndarray:
    f = np.asarray(frame, dtype=np.float32)
    wy = np.hanning(f.shape[0]).astype(np.float32)
    wx = np.hanning(f.shape[1]).astype(np.float32)
    w = (f - float(f.mean())) * (wy[:, None] * wx[None, :])
    return sfft.rfft2(w, workers=1).astype(np.complex64)


class TextureMap:
    """Running mean of the texture residual in a reference frame's pixel grid (picklable).

    Parameters
    ----------
    reference : ndarray (ny, nx)
        The full frame that defines the map's coordinates.

    Notes
    -----
    Registration: ``scipy.fft`` phase correlation of Hann-windowed full-resolution frames
    with parabolic sub-pixel refinement (:func:`phase_correlation_shift`; Kuglin & Hines
    1975; Guizar-Sicairos et al., Opt. Lett. 33, 156 (2008), doi:10.1364/OL.33.000156).
    """

    def __init__(self, reference: np.ndarray) -> None:
        self.shape = tuple(int(s) for s in reference.shape)
        self.ref_fft = _windowed_fft(reference)
        self.total = np.zeros(self.shape, np.float32)
        self.count = np.zeros(self.shape, np.float32)
        self.n_frames = 0

    def shift_of(self, frame: np.ndarray) -> tuple[float, float] | None:
        """(dy, dx) px with ``frame(p) ~ reference(p - (dy, dx))``; None if the frame's shape
        differs or the correlation peak is too weak (< 0.02) to trust."""
        if tuple(frame.shape) != self.shape:
            return None
        dy, dx, peak = phase_correlation_shift(self.ref_fft, _windowed_fft(frame), self.shape)
        return (dy, dx) if peak >= 0.02 else None

    def _ref_coords(self, origin, crop_shape, shift):
        """Reference-grid coordinates of every pixel of a crop at ``origin`` (row, col)."""
        r0, c0 = origin
        yy, xx = np.mgrid[0:crop_shape[0], 0:crop_shape[1]].astype(np.float64)
        return yy + r0 - shift[0], xx + c0 - shift[1]

    def add(self, residual: np.ndarray, mask: np.ndarray, origin, shift) -> None:
        """Add a crop's residual (crop pixels where ``mask``) at ``origin`` = (row, col) of
        the crop in a frame shifted by ``shift`` (from :meth:`shift_of`)."""
        ys, xs = self._ref_coords(origin, residual.shape, shift)
        iy, ix = np.rint(ys[mask]).astype(int), np.rint(xs[mask]).astype(int)
        ok = (iy >= 0) & (iy < self.shape[0]) & (ix >= 0) & (ix < self.shape[1])
        # Nearest reference pixel (the crop is resampled with at most 0.5 px error; the
        # texture's grain is ~4 px, and the estimate is smoothed before use).
        np.add.at(self.total, (iy[ok], ix[ok]), residual[mask][ok].astype(np.float32))
        np.add.at(self.count, (iy[ok], ix[ok]), 1.0)
        self.n_frames += 1

    def sample(self, origin, crop_shape, shift, smooth_px: float) -> np.ndarray:
        """The mean residual (smoothed by a Gaussian of ``smooth_px``, normalised by the
        smoothed coverage) at a crop's pixels; 0 where no approach frame saw the support."""
        cnt = self.count
        if smooth_px > 0:
            num = ndi.gaussian_filter(self.total, smooth_px, mode="constant")
            den = ndi.gaussian_filter(cnt, smooth_px, mode="constant")
        else:
            num, den = self.total, cnt
        mean = np.where(den > 0.5 * max(float(cnt.max()), 1.0), num / np.maximum(den, 1e-9),
                        0.0)
        ys, xs = self._ref_coords(origin, crop_shape, shift)
        return ndi.map_coordinates(mean, [ys, xs], order=1, mode="constant", cval=0.0)

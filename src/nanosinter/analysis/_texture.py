"""Support-texture estimate from a movie's own approach frames (issue 5; on by default).

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

#: Gaussian smoothing (px) of the frames before registration and the exponent of the
#: spectral whitening (0: plain cross-correlation, 1: phase correlation). Measured on the
#: test movies (seeds 1 and 4, 19 frames each, true drift known): phase correlation of the
#: raw frames is off by 1.5-2 px (median; shot noise dominates the whitened spectrum), this
#: choice by 0.3-0.5 px (max 0.8 px), against the texture's 4 px grain.
_REG_SMOOTH_PX = 2.0
_REG_WHITEN = 0.5


def _windowed_fft(frame: np.ndarray) -> np.ndarray:
    f = ndi.gaussian_filter(np.asarray(frame, dtype=np.float32), _REG_SMOOTH_PX)
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
    box : (row0, row1, col0, col1) or None
        The part of the frame registered and mapped (the dimer's crop): registration and
        storage then cost that box, not the frame (None: the whole frame).

    Notes
    -----
    Registration: cross-correlation of the Hann-windowed, Gaussian-smoothed full frames with
    the cross spectrum partly whitened (``|F|^-0.5``, between plain and phase correlation,
    Kuglin & Hines 1975) and a parabolic sub-pixel peak as in the drift step
    (Guizar-Sicairos et al., Opt. Lett. 33, 156 (2008), doi:10.1364/OL.33.000156).
    """

    def __init__(self, reference: np.ndarray, box=None) -> None:
        self.frame_shape = tuple(int(s) for s in reference.shape)
        if box is None:
            box = (0, self.frame_shape[0], 0, self.frame_shape[1])
        self.box = tuple(int(v) for v in box)
        r0, r1, c0, c1 = self.box
        self.shape = (r1 - r0, c1 - c0)
        self.ref_fft = _windowed_fft(reference[r0:r1, c0:c1])
        self.total = np.zeros(self.shape, np.float32)
        self.count = np.zeros(self.shape, np.float32)
        self.n_frames = 0
        #: No more frames are added once True (the lobes came within the sintering window,
        #: or touched: a neck may exist from then on).
        self.closed = False
        #: (smooth_px, mean map) once closed (the map no longer changes).
        self._closed_mean: tuple | None = None

    def shift_of(self, frame: np.ndarray) -> tuple[float, float] | None:
        """(dy, dx) px with ``frame(p) ~ reference(p - (dy, dx))``; None if the frame's shape
        differs."""
        if tuple(frame.shape) != self.frame_shape:
            return None
        r0, r1, c0, c1 = self.box
        mov = _windowed_fft(frame[r0:r1, c0:c1])
        dy, dx, _peak = phase_correlation_shift(self.ref_fft, mov, self.shape,
                                                whiten=_REG_WHITEN)
        return dy, dx

    def _ref_coords(self, origin, crop_shape, shift):
        """Map coordinates (reference frame minus the box's corner) of every pixel of a crop
        at ``origin`` (row, col) of a frame shifted by ``shift``."""
        r0, c0 = origin
        yy, xx = np.mgrid[0:crop_shape[0], 0:crop_shape[1]].astype(np.float64)
        return yy + r0 - shift[0] - self.box[0], xx + c0 - shift[1] - self.box[2]

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

    def mean_map(self, smooth_px: float) -> np.ndarray:
        """The mean residual on the reference grid, smoothed by a Gaussian of ``smooth_px``
        (normalised by the smoothed coverage); 0 where no approach frame saw the support.
        Computed once when the map is closed (it no longer changes)."""
        if self.closed and self._closed_mean is not None and self._closed_mean[0] == smooth_px:
            return self._closed_mean[1]
        cnt = self.count
        if smooth_px > 0:
            num = ndi.gaussian_filter(self.total, smooth_px, mode="constant")
            den = ndi.gaussian_filter(cnt, smooth_px, mode="constant")
        else:
            num, den = self.total, cnt
        mean = np.where(den > 0.5 * max(float(cnt.max()), 1.0), num / np.maximum(den, 1e-9),
                        0.0)
        if self.closed:
            self._closed_mean = (smooth_px, mean)
        return mean

    def sample(self, mean: np.ndarray, origin, crop_shape, shift) -> np.ndarray:
        """``mean`` (from :meth:`mean_map`) at a crop's pixels (bilinear).

        Only the crop pixels within one map pixel of the map's non-zero part are
        interpolated (the rest are 0, as they would be: the estimate covers the gap only)."""
        out = np.zeros(tuple(int(v) for v in crop_shape))
        rows, cols = np.nonzero(mean)
        if rows.size == 0:
            return out
        # The non-zero box in crop pixels: map (y, x) = crop (r, c) + origin - shift - box.
        oy = origin[0] - shift[0] - self.box[0]
        ox = origin[1] - shift[1] - self.box[2]
        r0 = max(int(np.floor(rows.min() - 1 - oy)), 0)
        r1 = min(int(np.ceil(rows.max() + 1 - oy)) + 1, out.shape[0])
        c0 = max(int(np.floor(cols.min() - 1 - ox)), 0)
        c1 = min(int(np.ceil(cols.max() + 1 - ox)) + 1, out.shape[1])
        if r0 >= r1 or c0 >= c1:
            return out
        ys, xs = np.mgrid[r0:r1, c0:c1].astype(np.float64)
        out[r0:r1, c0:c1] = ndi.map_coordinates(mean, [ys + oy, xs + ox], order=1,
                                                mode="constant", cval=0.0)
        return out

    def refine_shift(self, mean, residual, mask, origin, shift, *, search_px=1.0,
                     step_px=0.25, smooth_px=1.5):
        """Refine ``shift`` by matching this frame's residual (smoothed by ``smooth_px``,
        pixels in ``mask``) to the map: the offset within +-``search_px`` (grid of
        ``step_px``) of largest correlation. The whole-frame registration is off by 0.3-0.5
        px on the test movies (particles, not only the texture, steer it); here the texture
        alone is matched where the neck will be."""
        r = ndi.gaussian_filter(np.where(mask, residual, 0.0), smooth_px, mode="constant")
        w = ndi.gaussian_filter(mask.astype(float), smooth_px, mode="constant")
        r = np.where(mask, r / np.maximum(w, 1e-9), 0.0)
        ys, xs = self._ref_coords(origin, residual.shape, shift)
        ys, xs = ys[mask], xs[mask]
        rv = r[mask]
        offs = np.arange(-search_px, search_px + 1e-9, step_px)
        best, best_c = (0.0, 0.0), -np.inf
        for oy in offs:
            for ox in offs:
                m = ndi.map_coordinates(mean, [ys - oy, xs - ox], order=1, mode="constant")
                c = float(np.dot(m, rv)) / max(float(np.sqrt(np.dot(m, m))), 1e-12)
                if c > best_c:
                    best, best_c = (float(oy), float(ox)), c
        return shift[0] + best[0], shift[1] + best[1]

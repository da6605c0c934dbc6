"""TextureMap: registration and round trip of a support texture fixed to the specimen."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage as ndi

from nanosinter.analysis._texture import TextureMap
from nanosinter.imaging._project import Grid
from nanosinter.imaging._render import SupportTexture


def _frames(seed=0, shifts_px=((0.0, 0.0), (1.3, -2.6), (-0.7, 0.4))):
    """Support-only frames (100 counts/px, 4 % texture of 0.4 nm grain at 0.1 nm/px,
    Poisson) whose texture is moved by ``shifts_px`` = (dy, dx), and the texture (tau)."""
    rng = np.random.default_rng(seed)
    grid = Grid.around((0.0, 0.0), (25.6, 25.6), 0.1)
    tex = SupportTexture(grid, correlation_nm=0.4, rng=rng)
    frames, taus = [], []
    for dy, dx in shifts_px:
        t = 0.04 * tex.at((dx * 0.1, dy * 0.1))
        frames.append(rng.poisson(100.0 * np.exp(-t)).astype(np.float64))
        taus.append(t)
    return frames, taus


def test_shift_of_is_exact_without_noise():
    rng = np.random.default_rng(0)
    grid = Grid.around((0.0, 0.0), (25.6, 25.6), 0.1)
    tex = SupportTexture(grid, correlation_nm=0.4, rng=rng)
    tm = TextureMap(100.0 * np.exp(-0.04 * tex.at((0.0, 0.0))))
    for dy, dx in ((1.3, -2.6), (-0.7, 0.4), (0.5, 0.0)):
        gy, gx = tm.shift_of(100.0 * np.exp(-0.04 * tex.at((dx * 0.1, dy * 0.1))))
        assert abs(gy - dy) <= 0.05 and abs(gx - dx) <= 0.05


def test_shift_of_with_shot_noise_within_0p7_px():
    # Texture-only frames at 100 counts/px: measured errors 0.2-0.66 px on seeds 0-3 (shot
    # noise; the movies' particles help the registration there). 4 px grain.
    for seed in range(4):
        frames, _ = _frames(seed)
        tm = TextureMap(frames[0])
        for f, (dy, dx) in zip(frames[1:], ((1.3, -2.6), (-0.7, 0.4)), strict=True):
            gy, gx = tm.shift_of(f)
            assert abs(gy - dy) <= 0.7 and abs(gx - dx) <= 0.7


def test_estimate_from_one_frame_removes_most_of_the_texture_in_another():
    frames, taus = _frames()
    tm = TextureMap(frames[0])
    tau0 = -np.log(np.maximum(frames[0], 1.0) / 100.0)
    mask = np.zeros(tau0.shape, bool)
    mask[60:200, 60:200] = True
    tm.add(tau0 - tau0[mask].mean(), mask, (0, 0), (0.0, 0.0))
    # A crop of the third frame, registered, corrected with the first frame's estimate.
    sh = tm.shift_of(frames[2])
    mean = tm.mean_map(2.0)
    origin = (90, 80)
    crop = (slice(90, 170), slice(80, 160))
    est = tm.sample(mean, origin, (80, 80), sh)
    truth = taus[2][crop]
    truth = truth - truth.mean()
    left = truth - (est - est.mean())
    # The texture's rms (0.04) drops to under half (shot noise of one frame smoothed at
    # 0.2 nm and sub-pixel registration remain).
    assert np.std(left) < 0.5 * np.std(truth)
    assert np.corrcoef(est.ravel(), truth.ravel())[0, 1] > 0.85



@settings(max_examples=40, deadline=None)
@given(r0=st.integers(-40, 260), c0=st.integers(-40, 340),
       dy=st.floats(-6, 6), dx=st.floats(-6, 6),
       h=st.integers(1, 200), w=st.integers(1, 200))
def test_sample_equals_interpolating_every_crop_pixel(r0, c0, dy, dx, h, w):
    """``sample`` interpolates only near the map's non-zero box; the result is that of
    interpolating every crop pixel (bilinear, 0 outside the map)."""
    rng = np.random.default_rng(3)
    tm = TextureMap(rng.random((300, 400)), (20, 280, 30, 370))
    mean = np.zeros(tm.shape)
    mean[100:140, 150:200] = rng.normal(size=(40, 50))
    ys, xs = tm._ref_coords((r0, c0), (h, w), (dy, dx))
    every = ndi.map_coordinates(mean, [ys, xs], order=1, mode="constant", cval=0.0)
    got = tm.sample(mean, (r0, c0), (h, w), (dy, dx))
    assert got.shape == (h, w)
    np.testing.assert_allclose(got, every, rtol=0, atol=1e-12)

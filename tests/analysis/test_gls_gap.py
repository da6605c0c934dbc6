"""The whitened (generalised least squares) two-lobe fit that decides whether lobes touch."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from nanosinter.analysis._profile import (
    blurred_chord,
    fit_two_lobes,
    fit_two_lobes_whitened,
    whitening_filter,
)
from nanosinter.analysis._uncert import support_autocovariance

PS = 0.2  # nm per (binned) pixel, as the pipeline's 2x-binned crops


def _grid(ny=70, nx=120):
    yy, xx = np.mgrid[0:ny, 0:nx] * PS
    return xx, yy


def _lobes(xx, yy, x1, y1, r1, x2, y2, r2, k=0.02, b=0.0, sigma=0.15):
    return b + k * (blurred_chord(np.hypot(xx - x1, yy - y1), r1, sigma)
                    + blurred_chord(np.hypot(xx - x2, yy - y2), r2, sigma))


def _texture(rng, shape, corr_px, rms):
    f = ndi.gaussian_filter(rng.standard_normal(shape), corr_px, mode="wrap")
    return f * (rms / f.std())


def test_whitening_filter_of_white_noise_is_flat_and_whitens_correlated_noise():
    lag = 6
    white = np.zeros((2 * lag + 1, 2 * lag + 1))
    white[lag, lag] = 0.25
    wf = whitening_filter(white, (64, 64))
    assert np.allclose(wf, 2.0)  # 1 / sqrt(0.25)
    # Correlated noise (2 px grain) whitened by the filter of its own measured
    # autocovariance: neighbouring pixels no longer correlated (before: ~0.9).
    rng = np.random.default_rng(0)
    shape = (256, 256)
    noise = _texture(rng, shape, 2.0, 1.0) + 0.1 * rng.standard_normal(shape)
    kern = support_autocovariance(noise, np.ones(shape, bool), lag)
    before = kern[lag, lag + 1] / kern[lag, lag]
    wf = whitening_filter(kern, shape)
    out = np.fft.irfft2(np.fft.rfft2(noise) * wf, s=shape)
    k_out = support_autocovariance(out, np.ones(shape, bool), 2)
    after = k_out[2, 3] / k_out[2, 2]
    assert before > 0.85
    assert abs(after) < 0.1, after


def test_noise_free_lobes_are_recovered_from_a_displaced_start():
    xx, yy = _grid()
    truth = dict(x1=6.0, y1=7.0, r1=5.0, x2=17.3, y2=7.2, r2=4.5, k=0.02, b=0.01, sigma=0.15)
    img = _lobes(xx, yy, *(truth[n] for n in ("x1", "y1", "r1", "x2", "y2", "r2")),
                 k=truth["k"], b=truth["b"], sigma=truth["sigma"])
    mask = np.ones(img.shape, bool)
    kern = np.zeros((9, 9))
    kern[4, 4] = 1e-6
    start = dict(truth, x1=6.3, r1=4.8, x2=17.0, r2=4.7, sigma=0.25)
    vals, errs, ok = fit_two_lobes_whitened(img, xx, yy, mask, kern, start)
    assert ok
    gap_true = np.hypot(17.3 - 6.0, 0.2) - 5.0 - 4.5
    assert vals["gap"] == pytest.approx(gap_true, abs=0.01)
    for n in ("x1", "y1", "r1", "x2", "y2", "r2"):
        assert vals[n] == pytest.approx(truth[n], abs=0.01), n
    assert np.isfinite(errs["gap"]) and errs["gap"] < 0.01


def test_under_texture_the_whitened_gap_scatters_less_and_its_error_is_honest():
    # Two lobes 1.2 nm apart under a static 4 % texture of 0.4 nm grain (2 binned px) plus
    # shot noise, 24 textures: the whitened fit over the whole region (gap included)
    # against the unweighted fit of the pixels away from the gap, as the pipeline's lobe
    # fit chooses them (more than 37 degrees from the line of centres).
    xx, yy = _grid()
    x1, y1, r1, r2 = 6.0, 7.0, 5.0, 4.5
    x2 = x1 + r1 + r2 + 1.2
    y2 = y1
    clean = _lobes(xx, yy, x1, y1, r1, x2, y2, r2)
    rng = np.random.default_rng(11)
    near = (np.hypot(xx - x1, yy - y1) < r1 + 2.0) | (np.hypot(xx - x2, yy - y2) < r2 + 2.0)
    picks = []
    for (cx, cy, r), (ox, oy) in (((x1, y1, r1), (x2, y2)), ((x2, y2, r2), (x1, y1))):
        ex, ey = xx - cx, yy - cy
        rho = np.hypot(ex, ey)
        u = np.array([ox - cx, oy - cy]) / np.hypot(ox - cx, oy - cy)
        picks.append((rho < r + 1.5) & ((ex * u[0] + ey * u[1]) / np.maximum(rho, 1e-9) < 0.8))
    p1, p2 = picks[0], picks[1] & ~picks[0]
    sel = p1 | p2
    which = np.where(p1, 0, 1)[sel]
    gls, pick, z = [], [], []
    for _ in range(24):
        img = clean + _texture(rng, clean.shape, 2.0, 0.04) + 0.01 * rng.standard_normal(
            clean.shape)
        support = ~near
        kern = support_autocovariance(img, support, 8)
        f1, f2 = fit_two_lobes(img[sel], xx[sel], yy[sel], which,
                               starts=((x1, y1, r1), (x2, y2, r2)), k0=0.02)
        d_pick = np.hypot(f2.values["x"] - f1.values["x"], f2.values["y"] - f1.values["y"])
        pick.append(d_pick - f1.values["r"] - f2.values["r"] - 1.2)
        start = dict(x1=f1.values["x"], y1=f1.values["y"], r1=f1.values["r"],
                     x2=f2.values["x"], y2=f2.values["y"], r2=f2.values["r"],
                     k=f1.values["k"], b=f1.values["b"], sigma=f1.values["sigma"])
        vals, errs, ok = fit_two_lobes_whitened(img, xx, yy, near, kern, start)
        assert ok
        gls.append(vals["gap"] - 1.2)
        z.append((vals["gap"] - 1.2) / errs["gap"])
    gls, pick, z = np.array(gls), np.array(pick), np.array(z)
    rms_gls, rms_pick = np.sqrt(np.mean(gls**2)), np.sqrt(np.mean(pick**2))
    assert rms_gls < 0.5 * rms_pick, (rms_gls, rms_pick)
    # (measured: 0.045 against 0.35 nm) and its errors honest: rms of error/sigma 1.0
    assert 0.6 < np.sqrt(np.mean(z**2)) < 1.6, z


def test_carbon_shell_in_the_model_removes_its_bias_on_the_gap():
    # Noise-free lobes 0.8 nm apart inside a 1 nm carbon shell drawn as the renderer draws
    # it (projected chord sqrt(rim - e) outside the union outline, from its distance
    # transform, then blurred in 2-D; amplitude 0.04 as the test movies' rim): with the shell
    # in the model the gap comes back within 0.05 nm (measured 0.003); the lobes alone
    # absorb the shell and close the gap (measured by 0.15 nm).
    xx, yy = _grid()
    x1, y1, r1, r2 = 6.0, 7.0, 5.0, 4.5
    x2, y2 = x1 + r1 + r2 + 0.8, 7.0
    sigma = 0.15
    union = (np.hypot(xx - x1, yy - y1) < r1) | (np.hypot(xx - x2, yy - y2) < r2)
    # distance outside the outline, on a 4x finer grid for a smooth shell
    fine = 4
    yf, xf = np.mgrid[0:union.shape[0] * fine, 0:union.shape[1] * fine] * (PS / fine)
    xf, yf = xf - (fine - 1) / 2 * PS / fine, yf - (fine - 1) / 2 * PS / fine
    inside = (np.hypot(xf - x1, yf - y1) < r1) | (np.hypot(xf - x2, yf - y2) < r2)
    e = ndi.distance_transform_edt(~inside) * (PS / fine)
    shell_f = np.where((e > 0) & (e < 1.0), np.sqrt(np.clip(1.0 - e, 0, None)), 0.0)
    shell = shell_f.reshape(union.shape[0], fine, union.shape[1], fine).mean(axis=(1, 3))
    img = _lobes(xx, yy, x1, y1, r1, x2, y2, r2, sigma=sigma) + ndi.gaussian_filter(
        0.04 * shell, sigma / PS)
    kern = np.zeros((9, 9))
    kern[4, 4] = 1e-6
    mask = np.ones(img.shape, bool)
    start = dict(x1=x1, y1=y1, r1=r1, x2=x2, y2=y2, r2=r2, k=0.02, b=0.0, sigma=sigma)
    with_rim, _, ok = fit_two_lobes_whitened(img, xx, yy, mask, kern, start, rim_nm=1.0)
    without, _, ok2 = fit_two_lobes_whitened(img, xx, yy, mask, kern, start, rim_nm=0.0)
    assert ok and ok2
    assert with_rim["gap"] == pytest.approx(0.8, abs=0.05)
    assert with_rim["amp"] == pytest.approx(0.04, rel=0.2)
    assert without["amp"] == 0.0
    assert abs(without["gap"] - 0.8) > 3 * abs(with_rim["gap"] - 0.8)


def test_gls_report_moves_only_the_reported_lobes(sintering_runs, tmp_path):
    """``gls_report`` reports the lobes moved by the whitened fit's offsets: the same contact
    decisions, neck radii and curvature radii as the pixel-picked lobes (those are measured
    with them), every lobe value moved by less than 0.5 nm, the lobes one geometry (d is
    the centres' distance, the gap before contact d - r1 - r2), and on seed 1 (texture
    offset -0.19 nm with the picked lobes) a centre distance closer to the truth."""
    from table_rows import col, read_csv

    from nanosinter.analysis import AnalysisOptions, analyze_movie
    from nanosinter.analysis._dimer import DimerOptions

    run = sintering_runs[0]  # default options: gls_report off
    analyze_movie(run["movie"], tmp_path, options=AnalysisOptions(
        n_overlays=0, dimer=DimerOptions(gls_report=True)))
    on, off = read_csv(tmp_path / "dimer.csv"), run["dimer"]
    np.testing.assert_array_equal(col(on, "contact"), col(off, "contact"))
    for name in ("neck_radius_nm", "neck_curvature_radius_nm"):
        np.testing.assert_allclose(col(on, name), col(off, name), atol=1e-6, equal_nan=True)
    for name in ("r1_nm", "r2_nm", "x1_nm", "y1_nm", "x2_nm", "y2_nm"):
        moved = col(on, name) - col(off, name)
        assert np.all(np.abs(moved) < 0.5), (name, moved)
        assert np.median(np.abs(moved)) > 1e-3, name  # the offsets are applied
    # (the CSV keeps 6 decimals)
    d = col(on, "center_distance_nm")
    np.testing.assert_allclose(d, np.hypot(col(on, "x2_nm") - col(on, "x1_nm"),
                                           col(on, "y2_nm") - col(on, "y1_nm")), atol=1e-5)
    apart = col(on, "contact") == 0
    np.testing.assert_allclose(col(on, "gap_nm")[apart],
                               np.maximum(d - col(on, "r1_nm") - col(on, "r2_nm"), 0.0)[apart],
                               atol=1e-5)
    truth = np.array([s.center_distance_nm for s in run["shapes"]])
    err_on = np.median(np.abs(d - truth))
    err_off = np.median(np.abs(col(off, "center_distance_nm") - truth))
    assert err_on < err_off - 0.02, (err_on, err_off)


def test_no_bridge_across_a_gap_outside_the_sintering_window(tmp_path):
    """Held-out seed 178: a dark texture patch between lobes 2.5 nm apart passed the bridge
    test in frame 0 (the picked gap 1.79 nm). The whitened gap (2.58 nm) is outside the
    paper's 1-2 nm window, so frame 0 is not in contact; without that check
    (``gls_bridge_gap_nm`` out of reach) it is."""
    from synth import dimer_sequence, rendered_dimer_movie
    from table_rows import col, read_csv

    from nanosinter.analysis import AnalysisOptions, analyze_movie
    from nanosinter.analysis._dimer import DimerOptions
    from nanosinter.io import Movie

    movie, shapes, _ = rendered_dimer_movie(dimer_sequence(7.0, 6.5), seed=178)
    assert shapes[0].gap_nm == pytest.approx(2.5)
    short = Movie(frames=np.asarray(movie.frames)[:1], pixel_size_nm=movie.pixel_size_nm,
                  frame_times_s=movie.frame_times_s[:1])
    contact = {}
    for label, gap_nm in (("default", None), ("unchecked", 50.0)):
        dimer = DimerOptions() if gap_nm is None else DimerOptions(gls_bridge_gap_nm=gap_nm)
        out = tmp_path / label
        analyze_movie(short, out, options=AnalysisOptions(n_overlays=0, workers=1,
                                                          dimer=dimer))
        contact[label] = col(read_csv(out / "dimer.csv"), "contact")[0]
    assert contact == {"default": 0, "unchecked": 1}

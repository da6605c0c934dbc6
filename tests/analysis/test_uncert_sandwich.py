"""Errors under correlated noise: the sandwich covariance matches Monte Carlo scatter."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from nanosinter.analysis._uncert import sandwich_covariance, support_autocovariance


def _texture(rng, shape, corr_px, rms):
    f = ndi.gaussian_filter(rng.standard_normal(shape), corr_px, mode="wrap")
    return f * (rms / f.std())


def test_support_autocovariance_recovers_a_known_field():
    rng = np.random.default_rng(3)
    shape, corr, rms_t, rms_w = (256, 256), 3.0, 0.04, 0.1
    img = _texture(rng, shape, corr, rms_t) + rms_w * rng.standard_normal(shape)
    mask = np.ones(shape, bool)
    mask[80:170, 60:200] = False  # a "particle": the estimate uses the support only
    img[~mask] += 5.0             # whatever is under it must not matter
    k = support_autocovariance(img, mask, 10)
    lag = 10
    # lag 0: texture + white variance; lag l: the texture's Gaussian autocovariance
    # exp(-l^2 / (4 corr^2)) (a Gaussian-filtered white field), white noise absent
    assert k[lag, lag] == np.float64(k[lag, lag])
    assert abs(k[lag, lag] / (rms_t**2 + rms_w**2) - 1) < 0.1
    for dl in (2, 4, 6):
        expect = rms_t**2 * np.exp(-dl * dl / (4 * corr * corr))
        assert abs(k[lag, lag + dl] - expect) < 0.15 * rms_t**2, (dl, k[lag, lag + dl], expect)
    assert support_autocovariance(img, np.zeros(shape, bool), 10) is None


def test_sandwich_matches_monte_carlo_and_white_noise_errors_do_not():
    # Fit amplitude and background of an edge profile a * f + c on a 48 x 48 window under
    # texture (3 px grain, 4 %) plus shot noise (10 %), 400 realisations.
    rng = np.random.default_rng(7)
    ny = nx = 48
    yy, xx = np.mgrid[0:ny, 0:nx]
    f = 1.0 / (1.0 + np.exp(-(np.hypot(xx - 10, yy - 10) - 25) / 1.5))
    jac = np.column_stack([f.ravel(), np.ones(f.size)])
    rows, cols = np.nonzero(np.ones((ny, nx), bool))
    a_hat, pred, white = [], [], []
    for _ in range(400):
        big = _texture(rng, (160, 160), 3.0, 0.04) + 0.1 * rng.standard_normal((160, 160))
        noise, support = big[:ny, :nx], big[60:, 60:]
        data = 0.5 * f + 0.1 + noise
        p, *_ = np.linalg.lstsq(jac, data.ravel(), rcond=None)
        res = data.ravel() - jac @ p
        s2 = float(res @ res) / (res.size - 2)
        a_hat.append(p[0])
        k = support_autocovariance(support, np.ones(support.shape, bool), 10)
        pred.append(sandwich_covariance(jac, rows, cols, k, s2)[0, 0])
        white.append(s2 * np.linalg.inv(jac.T @ jac)[0, 0])
    emp = float(np.var(a_hat))
    ratio = float(np.mean(pred)) / emp
    assert 0.75 < ratio < 1.33, ratio
    # the white-noise formula understates the scatter several times (the test can fail)
    assert float(np.mean(white)) / emp < 0.3


def test_mean_variance_of_correlated_noise_matches_monte_carlo():
    """Var(mean over a box) under a Gaussian-smoothed field: the kernel formula (kernel from
    one 400^2 field) against 300 draws (relative standard error of a variance from 300
    draws: 8 %; seeds 0-4 gave ratios 0.87-1.01)."""
    from scipy import ndimage as ndi

    from nanosinter.analysis._uncert import mean_variance, support_autocovariance

    rng = np.random.default_rng(3)

    def field(n=200):
        return ndi.gaussian_filter(rng.normal(size=(n, n)), 2.0) * 5.0

    f = field(400)
    kern = support_autocovariance(f, np.ones_like(f, bool), 12)
    mask = np.zeros((200, 200), bool)
    mask[80:100, 70:110] = True
    means = [field()[mask].mean() for _ in range(300)]
    predicted = mean_variance(mask, kern)
    assert abs(predicted / np.var(means) - 1) < 0.2
    # white noise would say kern[0] / n: 20-40x too small for this grain
    assert predicted > 20 * kern[12, 12] / mask.sum()
    assert np.isnan(mean_variance(np.zeros((5, 5), bool), kern))

"""Ideal-observer detectability of a feature (nanosinter.imaging.feature_detectability).

Forward model: two zinc-blende CdSe spheres 1.3 nm apart, bridged by a cylinder of atoms (the
feature). The detectability is checked against Monte Carlo draws of the renderer itself: the
matched filter reaches ``d_shot`` under shot noise alone; with the support texture,
``d_texture`` (a stationary Fourier model) agrees with the Hotelling observer of the exact,
real-space covariance, whose template in turn reaches it on draws with fresh texture and noise.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from imaging_forward import two_spheres, zincblende_sphere

from nanosinter.errors import InputError
from nanosinter.imaging import (
    ROSE_D_PRIME,
    FrameRenderer,
    Grid,
    RenderSettings,
    feature_detectability,
)

RADIUS_NM = 2.5
GAP_NM = 1.3


def bridged_dimer(neck_nm: float):
    """Two spheres with a gap, plus the atoms of a cylinder of radius ``neck_nm`` across it."""
    pos, species = two_spheres(RADIUS_NM, GAP_NM)
    # a lattice block around the gap, kept where it lies in the cylinder between the spheres
    block, bsp = zincblende_sphere((0.0, 0.0, RADIUS_NM), GAP_NM / 2 + neck_nm + 0.5)
    rel = block - (0.0, 0.0, RADIUS_NM)
    cyl = (np.abs(rel[:, 0]) < GAP_NM / 2) & (rel[:, 1] ** 2 + rel[:, 2] ** 2 < neck_nm**2)
    pos = np.vstack([pos, block[cyl].astype(np.float32)])
    species = np.concatenate([species, bsp[cyl]])
    feature = np.zeros(len(pos), bool)
    feature[-int(cyl.sum()):] = True
    Z = np.where(species == 0, 48, 34)
    return pos, Z, feature


def _renderer(seed=0, **kw):
    s = replace(RenderSettings(), **kw)
    grid = Grid.around((0.0, 0.0), (10.0, 16.0), s.pixel_size_nm)
    return FrameRenderer(grid, s, rng=seed)


def test_matched_filter_reaches_d_shot_under_shot_noise():
    pos, Z, feat = bridged_dimer(1.0)
    r = _renderer(texture_contrast=0.0)
    det = feature_detectability(r, pos, Z, feat)
    assert det.n_feature_atoms == int(feat.sum()) > 20
    assert det.d_texture == det.d_shot  # no texture: the two coincide
    assert 2.0 < det.d_shot < 8.0  # a test case near the detection limit
    e_with = r.render_expected(pos, Z)
    e_without = r.render_expected(pos[~feat], Z[~feat])
    w = (e_with - e_without) / e_without  # the prewhitened matched filter of Poisson noise
    rng = np.random.default_rng(1)
    n = 400
    t1 = np.array([np.sum(w * rng.poisson(e_with)) for _ in range(n)])
    t0 = np.array([np.sum(w * rng.poisson(e_without)) for _ in range(n)])
    d_mc = (t1.mean() - t0.mean()) / np.sqrt(0.5 * (t1.var() + t0.var()))
    # 400 + 400 draws: ~5 % standard error on d'
    assert d_mc == pytest.approx(det.d_shot, rel=0.15)


def _exact_texture_covariance(e_crop, settings):
    """Dense covariance of one frame's counts on a crop: shot noise plus the texture.

    Built in real space, pixel by pixel, independently of the function's Fourier model: the
    texture's autocovariance ``exp(-d^2 / 4 l^2)`` (a unit-RMS white field filtered by a
    Gaussian of sigma ``l``), modulated by the local transmission ``E / counts_per_pixel`` and
    blurred by the PSF as a matrix.
    """
    px = settings.pixel_size_nm
    n = e_crop.shape[0]
    yy, xx = np.mgrid[0:n, 0:n]
    pts = np.c_[yy.ravel(), xx.ravel()] * px
    d2 = ((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1)
    k = np.exp(-d2 / (4.0 * settings.texture_correlation_nm**2))
    sig = settings.resolution_nm / (2.0 * np.sqrt(2.0 * np.log(2.0))) / px
    i = np.arange(n)
    b1 = np.exp(-((i[:, None] - i[None, :]) ** 2) / (2.0 * sig**2))
    b1 /= b1.sum(axis=1, keepdims=True)
    b = np.kron(b1, b1)
    e = e_crop.ravel()
    bd = b * (e / settings.counts_per_pixel)[None, :]
    amp = settings.counts_per_pixel * settings.texture_contrast
    return np.diag(e) + amp**2 * (bd @ k @ bd.T)


def test_d_texture_matches_the_exact_covariance_and_renderer_draws():
    pos, Z, feat = bridged_dimer(1.2)
    r = _renderer(texture_contrast=0.04)
    det = feature_detectability(r, pos, Z, feat)
    assert det.d_texture < 0.6 * det.d_shot  # the texture costs detectability

    e_with = r.render_expected(pos, Z)
    e_without = r.render_expected(pos[~feat], Z[~feat])
    delta = e_with - e_without
    iy, ix = np.unravel_index(np.argmax(np.abs(delta)), delta.shape)
    h = 24
    crop = (slice(iy - h, iy + h), slice(ix - h, ix + h))
    assert np.sum(delta[crop] ** 2) > 0.99 * np.sum(delta**2)  # the crop holds the feature
    cov = _exact_texture_covariance(e_without[crop], r.settings)
    dl = delta[crop].ravel()
    w = np.linalg.solve(cov, dl)  # the Hotelling observer's template
    d_exact = float(np.sqrt(dl @ w))
    # the stationary Fourier model against the exact non-stationary covariance
    assert det.d_texture == pytest.approx(d_exact, rel=0.05)

    # and the exact covariance against the renderer: fresh texture and noise in every draw
    def draw(k, present):
        rk = _renderer(seed=1000 + k, texture_contrast=0.04)
        keep = np.ones(len(pos), bool) if present else ~feat
        e = rk.render_expected(pos[keep], Z[keep], texture=True)
        return np.random.default_rng(k).poisson(e[crop]).astype(float).ravel()

    n = 200
    t1 = np.array([w @ draw(k, True) for k in range(n)])
    t0 = np.array([w @ draw(n + k, False) for k in range(n)])
    # the template's output has standard deviation d' and shifts by d'^2 (Kay 1998, 4.5)
    assert t0.std() == pytest.approx(d_exact, rel=0.15)
    d_mc = (t1.mean() - t0.mean()) / np.sqrt(0.5 * (t1.var() + t0.var()))
    assert d_mc == pytest.approx(d_exact, rel=0.2)  # 200 + 200 draws: ~7 % standard error


def test_dose_and_frames_scale_as_shot_noise_predicts():
    pos, Z, feat = bridged_dimer(1.0)
    one = feature_detectability(_renderer(texture_contrast=0.0), pos, Z, feat)
    four_x_dose = feature_detectability(
        _renderer(texture_contrast=0.0, dose_e_per_A2=400.0), pos, Z, feat)
    assert four_x_dose.d_shot == pytest.approx(2.0 * one.d_shot, rel=1e-9)
    r = _renderer(texture_contrast=0.04)
    single = feature_detectability(r, pos, Z, feat)
    many = feature_detectability(r, pos, Z, feat, n_frames=100)
    assert many.d_shot == pytest.approx(10.0 * single.d_shot, rel=1e-9)
    # a static texture does not average away: 100 frames gain far less than 10x
    assert single.d_texture < many.d_texture < 0.5 * many.d_shot
    assert many.n_frames == 100


def test_rose_criterion_flag_and_empty_feature():
    pos, Z, feat = bridged_dimer(2.0)
    r = _renderer(texture_contrast=0.0, dose_e_per_A2=1000.0)
    det = feature_detectability(r, pos, Z, feat)
    assert det.seen == (det.d_texture >= ROSE_D_PRIME)
    assert det.seen
    none = feature_detectability(r, pos, Z, np.zeros(len(pos), bool))
    assert (none.d_shot, none.d_texture, none.n_feature_atoms) == (0.0, 0.0, 0)
    assert not none.seen


@pytest.mark.parametrize(
    "kw, match",
    [({"feature": np.zeros(3, bool)}, "feature"), ({"n_frames": 0}, "n_frames"),
     ({"pad_nm": -1.0}, "pad_nm")],
)
def test_bad_input_raises_input_error(kw, match):
    pos, Z, feat = bridged_dimer(1.0)
    args = {"feature": feat, **kw}
    feature = args.pop("feature")
    with pytest.raises(InputError, match=match):
        feature_detectability(_renderer(), pos, Z, feature, **args)


def test_neck_visibility_of_a_rendered_movie(dimer_simdir, tmp_path):
    from nanosinter.imaging import (
        VISIBILITY_COLUMNS,
        first_visible_frame,
        neck_visibility,
        render_movie,
        visibility_path,
        write_neck_visibility,
    )

    movie = render_movie(dimer_simdir, tmp_path / "m.hspy", fps=1.0, seed=2)["movie"]
    rows = neck_visibility(dimer_simdir, movie)
    assert [r["frame"] for r in rows] == [0, 1, 2, 3]
    # apart (gap 1 nm): the slab is empty; overlapping by 0.6 nm: a thick bridge
    assert [r["n_bridge_atoms"] for r in rows[:2]] == [0, 0]
    assert all(r["d_shot"] == 0.0 for r in rows[:2])
    for r in rows[2:]:
        assert r["n_bridge_atoms"] > 100
        assert r["d_shot"] > ROSE_D_PRIME
        assert 0 < r["d_texture"] < r["d_shot"]
    assert first_visible_frame(rows) == 2
    assert first_visible_frame(rows, "d_texture", threshold=1e9) is None
    # a 4x dose doubles the shot-noise bound
    hi = neck_visibility(dimer_simdir, movie, dose_e_per_A2=400.0)
    assert hi[2]["d_shot"] == pytest.approx(2.0 * rows[2]["d_shot"], rel=1e-6)
    # a narrower slab takes fewer atoms
    thin = neck_visibility(dimer_simdir, movie, slab_nm=0.3, every=3)
    assert [r["frame"] for r in thin] == [0, 1, 3]
    assert 0 < thin[2]["n_bridge_atoms"] < rows[3]["n_bridge_atoms"]

    path = write_neck_visibility(rows, visibility_path(movie))
    assert path.name == "m.hspy.visibility.csv"
    import csv

    with open(path, newline="") as fh:
        back = list(csv.DictReader(fh))
    assert tuple(back[0]) == VISIBILITY_COLUMNS
    assert float(back[3]["d_shot"]) == pytest.approx(rows[3]["d_shot"])


def test_neck_visibility_bad_input(dimer_simdir, tmp_path):
    from nanosinter.imaging import neck_visibility, render_movie
    from nanosinter.io import Movie, write_movie

    movie = render_movie(dimer_simdir, tmp_path / "m.hspy", fps=1.0, seed=2)["movie"]
    with pytest.raises(InputError, match="every"):
        neck_visibility(dimer_simdir, movie, every=0)
    with pytest.raises(InputError, match="slab_nm"):
        neck_visibility(dimer_simdir, movie, slab_nm=-1.0)
    plain = tmp_path / "plain.hspy"
    write_movie(Movie(frames=np.ones((2, 8, 8)), pixel_size_nm=0.1,
                      frame_times_s=np.array([0.0, 1.0])), plain)
    with pytest.raises(InputError, match="render settings"):
        neck_visibility(dimer_simdir, plain)


def test_bridged_dimer_atoms_neck_holds_the_cylinder_volume():
    from nanosinter.imaging._visibility import ZINC_BLENDE, bridged_dimer_atoms

    r, g = 4.0, 1.2
    pos0, _, neck0 = bridged_dimer_atoms(r, g, 0.0)
    assert not neck0.any()
    a = ZINC_BLENDE["CdS"][0]
    for rn in (0.8, 1.5):
        pos, Z, neck = bridged_dimer_atoms(r, g, rn)
        assert set(np.unique(Z)) == {16, 48}
        assert len(pos) - len(pos0) == neck.sum()  # the spheres are unchanged
        assert pos[:, 2].min() >= -1e-6  # on the support
        # the neck's atoms fill the cylinder across the gap plus its ends inside the caps'
        # hollows: at least the gap's cylinder, at most that plus both caps' depth
        per_nm3 = 8.0 / a**3
        depth = r - np.sqrt(r * r - rn * rn)
        lo = np.pi * rn**2 * g * per_nm3
        hi = np.pi * rn**2 * (g + 2 * depth + 0.6) * per_nm3
        assert 0.8 * lo < neck.sum() < 1.1 * hi


def test_cli_visibility_table_and_json(capsys):
    import json

    from nanosinter.cli.main import main

    assert main(["visibility", "--radius-nm", "4", "--neck-nm", "1.5", "--dose-e-per-A2",
                 "100", "400", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    lo, hi = rec["rows"]
    assert (lo["dose_e_per_A2"], hi["dose_e_per_A2"]) == (100.0, 400.0)
    assert hi["d_shot"] == pytest.approx(2.0 * lo["d_shot"], rel=1e-9)  # sqrt(dose)
    assert lo["d_texture"] < lo["d_shot"]
    assert hi["seen"] == (hi["d_texture"] >= rec["rose_d_prime"])
    assert main(["visibility", "--radius-nm", "4", "--neck-nm", "1.5"]) == 0
    assert "d' of the neck" in capsys.readouterr().out


@pytest.mark.parametrize("argv, match", [
    (["--neck-nm", "9"], "neck_nm"), (["--gap-nm", "-1"], "gap_nm"),
    (["--dose-e-per-A2", "0"], "dose"), (["--frames", "0"], "--frames"),
])
def test_cli_visibility_bad_input_exits_2(argv, match, capsys):
    from nanosinter.cli.main import main

    assert main(["visibility", *argv]) == 2
    err = capsys.readouterr().err
    assert match in err and len(err.strip().splitlines()) == 1

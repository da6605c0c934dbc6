"""The renderer recovers what was put in: contrast, Poisson statistics, drift, outlines, truth."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from imaging_forward import two_spheres, write_simdir, zincblende_sphere
from skimage.registration import phase_cross_correlation

from nanosinter.cli.main import main
from nanosinter.errors import FileFormatError, InputError
from nanosinter.geometry import GEOMETRY_COLUMNS
from nanosinter.imaging import (
    TRUTH_EXTRA_COLUMNS,
    FrameRenderer,
    Grid,
    RenderSettings,
    contrast_mean_free_path_nm,
    effective_atomic_number,
    frame_schedule,
    random_walk_drift,
    read_truth_masks,
    render_movie,
)
from nanosinter.io import read_movie

Z_CDSE = np.array([48.0, 34.0])

PLAIN = dict(texture_contrast=0.0, rim_thickness_nm=0.0, resolution_nm=0.0, drift_nm_per_frame=0.0)


def _sphere_frame(radius_nm=3.0, **kw):
    pos, species = zincblende_sphere((0.0, 0.0, radius_nm), radius_nm)
    s = RenderSettings(**{**PLAIN, **kw})
    grid = Grid.around((0.0, 0.0), (4 * radius_nm, 4 * radius_nm), s.pixel_size_nm)
    r = FrameRenderer(grid, s, rng=0)
    return r, pos, Z_CDSE[species], grid


def test_mass_thickness_contrast_at_sphere_centre():
    radius = 4.0
    r, pos, Z, grid = _sphere_frame(radius, pixel_size_nm=0.1)
    f = r.render(pos, Z, noise=False)
    ny, nx = grid.shape
    c = f.expected[ny // 2 - 3 : ny // 2 + 3, nx // 2 - 3 : nx // 2 + 3].mean()
    bg = f.expected[:5, :].mean()
    lam = contrast_mean_free_path_nm(300.0, z_eff=effective_atomic_number([48, 34], [0.5, 0.5]))
    # I/I0 = exp(-t/lambda) through the 2R thick centre of the sphere
    assert c / bg == pytest.approx(np.exp(-2 * radius / lam), rel=0.02)
    # vacuum-free background: dose x pixel area x carbon transmission
    assert bg == pytest.approx(100.0 * 1.0 * np.exp(-10.0 / 242.0), rel=0.05)


def test_poisson_statistics_of_flat_region():
    r, pos, Z, _ = _sphere_frame(2.0, dose_e_per_A2=50.0, pixel_size_nm=0.1)
    far = pos + np.array([1e3, 1e3, 0.0])  # atoms outside the field of view: flat image
    f = r.render(far, Z)
    assert f.expected.std() / f.expected.mean() < 1e-9
    mean = f.expected.mean()
    assert f.image.mean() == pytest.approx(mean, rel=0.01)
    assert f.image.var() == pytest.approx(mean, rel=0.05)
    assert np.all(f.image == np.round(f.image))


def test_dose_scales_counts_and_noise():
    r_lo, pos, Z, _ = _sphere_frame(2.0, dose_e_per_A2=10.0)
    r_hi, _, _, _ = _sphere_frame(2.0, dose_e_per_A2=1000.0)
    lo = r_lo.render(pos, Z, noise=False).expected
    hi = r_hi.render(pos, Z, noise=False).expected
    np.testing.assert_allclose(hi, 100.0 * lo, rtol=1e-12)


def test_projected_area_matches_sphere():
    radius = 4.0
    r, pos, Z, _ = _sphere_frame(radius, pixel_size_nm=0.05)
    f = r.render(pos, Z, noise=False)
    area = f.mask.sum() * 0.05**2
    # volume-equivalent radius of the atoms actually in the lattice sphere
    r_eq = (3 * len(pos) * RenderSettings().atom_volume_nm3 / (4 * np.pi)) ** (1 / 3)
    assert r_eq == pytest.approx(radius, rel=0.01)
    assert area == pytest.approx(np.pi * r_eq**2, rel=0.02)


def test_drift_is_recovered_by_registration():
    radius = 3.0
    r, pos, Z, _ = _sphere_frame(
        radius, texture_contrast=0.04, resolution_nm=0.3, dose_e_per_A2=400.0
    )
    ref = r.render(pos, Z)
    for shift in [(0.23, -0.41), (-0.9, 0.15)]:
        moved = r.render(pos, Z, drift_nm=shift)
        assert moved.drift_nm == shift
        # the drift-free truth does not move
        np.testing.assert_array_equal(moved.coverage, ref.coverage)
        got, _, _ = phase_cross_correlation(
            moved.image, ref.image, upsample_factor=20, normalization=None
        )
        dy, dx = got * 0.1
        # half a pixel: the periodic support texture wraps at the border, the particle does not
        assert dx == pytest.approx(shift[0], abs=0.05)
        assert dy == pytest.approx(shift[1], abs=0.05)


def test_random_walk_drift_statistics():
    d = random_walk_drift(20001, step_nm=0.2, rng=5)
    assert d.shape == (20001, 2)
    np.testing.assert_array_equal(d[0], [0.0, 0.0])
    steps = np.diff(d, axis=0)
    assert steps.std(axis=0) == pytest.approx([0.2, 0.2], rel=0.03)
    np.testing.assert_array_equal(random_walk_drift(5, step_nm=0.2, rng=1),
                                  random_walk_drift(5, step_nm=0.2, rng=1))


def test_carbon_rim_darkens_a_ring_outside_the_outline():
    r_rim, pos, Z, _ = _sphere_frame(3.0, rim_thickness_nm=1.0)
    r_no, _, _, _ = _sphere_frame(3.0)
    a = r_rim.render(pos, Z, noise=False)
    b = r_no.render(pos, Z, noise=False)
    from scipy import ndimage as ndi

    dist = ndi.distance_transform_edt(~a.mask) * 0.1
    ring = (dist > 0.1) & (dist < 0.6)
    far = dist > 2.0
    assert (a.expected[ring] < b.expected[ring] * 0.995).all()
    np.testing.assert_allclose(a.expected[far], b.expected[far])


def test_lattice_fringes_at_zincblende_spacings():
    a_nm = 0.6077
    r, pos, Z, _ = _sphere_frame(
        4.0, pixel_size_nm=0.05, fringe_contrast=0.3, resolution_nm=0.08
    )
    img = r.render(pos, Z, noise=False).expected
    img = img - img.mean()
    spec = np.abs(np.fft.fftshift(np.fft.fft2(img * np.hanning(img.shape[0])[:, None]))) ** 2
    ny, nx = img.shape
    fy = np.fft.fftshift(np.fft.fftfreq(ny, 0.05))[:, None]
    fx = np.fft.fftshift(np.fft.fftfreq(nx, 0.05))[None, :]
    fr = np.hypot(fx, fy)
    spec[fr < 2.0] = 0  # ignore the particle envelope (spacings > 0.5 nm)
    k = np.unravel_index(np.argmax(spec), spec.shape)
    d = 1.0 / fr[k]
    expected = {"200": a_nm / 2, "220": a_nm / (2 * np.sqrt(2))}
    assert min(abs(d - v) / v for v in expected.values()) < 0.03, d


def test_frame_schedule_sample_and_hold():
    t, idx = frame_schedule(np.array([0.0, 0.4, 2.0, 3.0]), 2.0)
    np.testing.assert_allclose(t, np.arange(7) * 0.5)
    np.testing.assert_array_equal(idx, [0, 1, 1, 1, 2, 2, 3])


def test_settings_validation():
    with pytest.raises(InputError, match="dose_e_per_A2"):
        RenderSettings(dose_e_per_A2=0.0)
    with pytest.raises(InputError, match="resolution_nm"):
        RenderSettings(resolution_nm=-1.0)


def test_render_movie_truth_and_round_trip(dimer_simdir, tmp_path):
    out = tmp_path / "movie.hspy"
    paths = render_movie(dimer_simdir, out, fps=2.0, seed=3, dose_e_per_A2=200.0)
    movie = read_movie(paths["movie"])
    assert movie.n_frames == 7
    assert movie.pixel_size_nm == pytest.approx(0.1)
    assert movie.frame_interval_s == pytest.approx(0.5)
    with open(paths["truth_csv"], encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        cols = reader.fieldnames
    assert cols[:2] == ["frame", "time_s"]
    assert cols[2 : 2 + len(GEOMETRY_COLUMNS)] == list(GEOMETRY_COLUMNS)
    assert cols[-len(TRUTH_EXTRA_COLUMNS) :] == list(TRUTH_EXTRA_COLUMNS)
    assert [float(r["time_s"]) for r in rows] == pytest.approx(np.arange(7) * 0.5)
    apart, touching = rows[0], rows[-1]
    assert int(apart["contact"]) == 0 and int(touching["contact"]) == 1
    for r in (apart, touching):
        assert float(r["r1_nm"]) == pytest.approx(3.0, rel=0.05)
        assert float(r["r2_nm"]) == pytest.approx(3.0, rel=0.05)
    assert float(apart["gap_nm"]) == pytest.approx(1.0, abs=0.25)
    assert float(apart["center_distance_nm"]) == pytest.approx(7.0, abs=0.1)
    assert float(touching["center_distance_nm"]) == pytest.approx(5.4, abs=0.15)
    assert float(touching["neck_radius_nm"]) > 1.0
    masks = read_truth_masks(out)
    assert masks.shape == movie.shape
    with np.load(paths["truth_npz"]) as z:
        drift = z["drift_nm"]
        prov = json.loads(str(z["provenance"]))
    np.testing.assert_allclose(drift[:, 0], [float(r["drift_x_nm"]) for r in rows])
    assert prov["parameters"]["seed"] == 3
    # a frame that shows the first snapshot has a 2-body mask of the right total area
    assert masks[0].sum() * 0.01 == pytest.approx(2 * np.pi * 9.0, rel=0.06)


def test_render_movie_is_reproducible(dimer_simdir, tmp_path):
    a = render_movie(dimer_simdir, tmp_path / "a.h5", fps=1.0, seed=7)
    b = render_movie(dimer_simdir, tmp_path / "b.h5", fps=1.0, seed=7)
    c = render_movie(dimer_simdir, tmp_path / "c.h5", fps=1.0, seed=8)
    fa, fb, fc = (read_movie(p["movie"]).frames for p in (a, b, c))
    np.testing.assert_array_equal(fa, fb)
    assert not np.array_equal(fa, fc)


def test_render_movie_errors(dimer_simdir, tmp_path):
    with pytest.raises(FileFormatError, match="simulation folder"):
        render_movie(tmp_path, tmp_path / "x.hspy")
    with pytest.raises(InputError, match="max_frames"):
        render_movie(dimer_simdir, tmp_path / "x.hspy", fps=100.0, max_frames=10)
    assert not (tmp_path / "x.hspy").exists()


@pytest.mark.parametrize("suffix", [".emd", ".tif"])
def test_cli_render_then_info(dimer_simdir, tmp_path, capsys, suffix):
    out = tmp_path / f"m{suffix}"
    code = main(["render", str(dimer_simdir), "--out", str(out), "--fps", "1",
                 "--pixel-size-nm", "0.2", "--dose-e-per-A2", "50", "--seed", "1"])
    assert code == 0
    capsys.readouterr()
    assert main(["info", str(out), "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["n_frames"] == 4
    assert rec["pixel_size_nm"] == pytest.approx(0.2, rel=1e-6)
    assert rec["frame_interval_s"] == pytest.approx(1.0)
    assert (tmp_path / f"m{suffix}.truth.csv").is_file()


def test_rendered_movie_round_trips_identically(dimer_simdir, tmp_path):
    from nanosinter.io import write_movie

    src = read_movie(render_movie(dimer_simdir, tmp_path / "m.hspy", fps=1.0)["movie"])
    for suffix in (".emd", ".tif", ".h5"):
        back = read_movie(write_movie(src, tmp_path / f"copy{suffix}"))
        np.testing.assert_array_equal(back.frames, src.frames)
        assert back.pixel_size_nm == pytest.approx(src.pixel_size_nm, rel=1e-6)
        np.testing.assert_allclose(back.frame_times_s, src.frame_times_s)


def test_view_without_particles_gives_empty_truth(tmp_path):
    pos, species = two_spheres(2.0, 1.0)
    sim = write_simdir(tmp_path / "s", [(0.0, pos, species)])
    # a 0.6 nm field of view centred in the 1 nm gap holds no atom
    paths = render_movie(sim, tmp_path / "m.hspy", settings=RenderSettings(fov_nm=(0.6, 0.6)))
    with open(paths["truth_csv"], encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    assert row["r1_nm"] == "" and row["contact"] == "" and row["gap_nm"] == ""
    assert int(row["n_atoms"]) == len(pos)
    assert not read_truth_masks(paths["movie"]).any()


def test_cli_render_writes_neck_visibility(dimer_simdir, tmp_path, capsys):
    out = tmp_path / "m.tif"  # a format without the render settings in its metadata
    code = main(["render", str(dimer_simdir), "--out", str(out), "--fps", "1", "--seed", "1",
                 "--neck-visibility"])
    assert code == 0
    rec = json.loads(capsys.readouterr().out)
    vis = Path(rec["visibility_csv"])
    assert vis == tmp_path / "m.tif.visibility.csv"
    with open(vis, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["frame"]) for r in rows] == [0, 1, 2, 3]
    # apart in frames 0-1 (nothing in the gap), overlapping from frame 2 (a thick bridge)
    assert [float(r["d_shot"]) for r in rows[:2]] == [0.0, 0.0]
    assert all(float(r["d_shot"]) > 5.0 for r in rows[2:])


def test_cli_render_bad_neck_visibility_exits_2(dimer_simdir, tmp_path, capsys):
    code = main(["render", str(dimer_simdir), "--out", str(tmp_path / "m.hspy"),
                 "--neck-visibility", "0"])
    assert code == 2
    assert "--neck-visibility" in capsys.readouterr().err
    assert not (tmp_path / "m.hspy").exists()


def test_3d_shell_projection_of_a_sphere():
    from nanosinter.imaging import Grid
    from nanosinter.imaging._render import shell_thickness_nm

    r, w = 4.0, 1.0
    pos, _ = zincblende_sphere((0.0, 0.0, r), r)
    grid = Grid.around((0.0, 0.0), (14.0, 14.0), 0.1)
    m = shell_thickness_nm(pos, grid, w)
    ny, nx = grid.shape
    row = m[ny // 2]
    xs = grid.x0_nm + (np.arange(nx) + 0.5) * 0.1
    centre = row[np.argmin(np.abs(xs))]
    # through the centre: the shell on top only (the support cuts the one below)
    assert 0.8 * w < centre < 1.6 * w
    # seen edge-on at the particle's edge the shell is several times thicker
    assert row.max() > 3.0 * centre
    # nothing beyond the shell (solid ~0.3 nm beyond the atoms, plus the shell, plus a voxel)
    assert np.all(row[np.abs(xs) > r + 0.3 + w + 0.5] == 0.0)
    # the same shell wherever the particle sits on the grid (drift moves it)
    shifted = shell_thickness_nm(pos, grid, w, shift_nm=(0.5, 0.0))
    assert shifted.sum() == pytest.approx(m.sum(), rel=0.02)
    assert np.argmax(shifted[ny // 2]) - np.argmax(row) in (4, 5, 6)


def test_a_thin_neck_darkens_the_gap_with_the_3d_shell_only():
    from nanosinter.imaging import Grid, bridged_dimer_atoms

    pos, Z, neck = bridged_dimer_atoms(4.0, 1.3, 0.5)
    out = {}
    for model in ("outline", "shell"):
        s = RenderSettings(texture_contrast=0.0, rim_model=model)
        ren = FrameRenderer(Grid.around((0.0, 0.0), (14.0, 24.0), 0.1), s, rng=0)
        out[model] = ren.render_expected(pos, Z) - ren.render_expected(pos[~neck], Z[~neck])
    # the 2-D rim: the neck takes the rims' carbon out of the gap, which brightens
    assert out["outline"].max() > 1.0
    # a 3-D shell wraps the neck: material only adds, the gap darkens
    assert out["shell"].max() < 0.2 and out["shell"].min() < -0.5


def test_rim_model_is_checked():
    with pytest.raises(InputError, match="rim_model"):
        RenderSettings(rim_model="sphere")


def test_cli_render_rim_model_shell(dimer_simdir, tmp_path, capsys):
    from nanosinter.imaging._visibility import render_settings_of

    outs = {}
    for model in ("outline", "shell"):
        out = tmp_path / f"{model}.hspy"
        assert main(["render", str(dimer_simdir), "--out", str(out), "--fps", "1", "--seed",
                     "3", "--rim-model", model]) == 0
        capsys.readouterr()
        assert render_settings_of(out).rim_model == model
        outs[model] = read_movie(out).frames.astype(float)
    # the 3-D shell adds carbon in front of and behind the particles: a little darker on
    # average (carbon is faint; the Poisson draws differ, so compare means)
    m_shell, m_outline = outs["shell"].mean(), outs["outline"].mean()
    assert m_shell < m_outline < 1.02 * m_shell

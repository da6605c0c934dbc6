"""The rendered carbon rim follows the simulated shell thickness when a snapshot carries one."""

from __future__ import annotations

import numpy as np
from imaging_forward import zincblende_sphere
from scipy import ndimage as ndi

from nanosinter.imaging import (
    FrameRenderer,
    Grid,
    RenderSettings,
    read_truth_masks,
    render_movie,
)
from nanosinter.io import read_movie
from nanosinter.kmc.snapshots import Snapshot, read_snapshot, write_index, write_snapshot

Z_CDSE = np.array([48.0, 34.0])
QUIET = dict(texture_contrast=0.0, resolution_nm=0.0, drift_nm_per_frame=0.0)


def _ring(mask: np.ndarray, lo_nm: float, hi_nm: float, px: float = 0.1) -> np.ndarray:
    dist = ndi.distance_transform_edt(~mask) * px
    return (dist > lo_nm) & (dist < hi_nm)


def test_frame_rim_thickness_override():
    pos, sp = zincblende_sphere((0.0, 0.0, 3.0), 3.0)
    s = RenderSettings(**QUIET)  # default rim 1.0 nm
    grid = Grid.around((0.0, 0.0), (12.0, 12.0), s.pixel_size_nm)
    r = FrameRenderer(grid, s, rng=0)
    default = r.render(pos, Z_CDSE[sp], noise=False)
    same = r.render(pos, Z_CDSE[sp], noise=False, rim_thickness_nm=None)
    none = r.render(pos, Z_CDSE[sp], noise=False, rim_thickness_nm=0.0)
    thick = r.render(pos, Z_CDSE[sp], noise=False, rim_thickness_nm=2.0)
    np.testing.assert_array_equal(default.expected, same.expected)
    inner, outer = _ring(default.mask, 0.1, 0.8), _ring(default.mask, 1.2, 1.8)
    assert (default.expected[inner] < none.expected[inner] * 0.995).all()
    np.testing.assert_allclose(default.expected[outer], none.expected[outer])
    assert (thick.expected[outer] < none.expected[outer] * 0.995).all()


def test_render_movie_uses_the_snapshot_shell(tmp_path):
    pos, sp = zincblende_sphere((0.0, 0.0, 3.0), 3.0)
    snapdir = tmp_path / "sim" / "snapshots"
    snapdir.mkdir(parents=True)
    rows = []
    for i, shell in enumerate((None, 0.0, 2.0)):
        snap = Snapshot(positions_nm=pos.astype(np.float32), species=sp, species_names=("Cd", "Se"),
                        time_s=float(i), events=i, box_nm=np.array([20.0, 20.0, 10.0]),
                        carbon_shell_nm=shell)
        write_snapshot(snapdir / f"s{i}.npz", snap)
        assert read_snapshot(snapdir / f"s{i}.npz").carbon_shell_nm == shell
        rows.append((i, float(i), i, f"s{i}.npz"))
    write_index(snapdir, rows)
    paths = render_movie(tmp_path / "sim", tmp_path / "m.h5", fps=1.0, seed=1,
                         dose_e_per_A2=5000.0, settings=RenderSettings(**QUIET))
    frames = read_movie(paths["movie"]).frames.astype(float)
    mask = read_truth_masks(paths["movie"])[0]
    inner, outer = _ring(mask, 0.1, 0.8), _ring(mask, 1.2, 1.8)
    m_default, m_zero, m_thick = (frames[k] for k in range(3))
    # no shell in the snapshot: the settings' 1 nm rim; shell 0: none; shell 2 nm: wider
    assert m_default[inner].mean() < 0.995 * m_zero[inner].mean()
    assert abs(m_default[outer].mean() / m_zero[outer].mean() - 1) < 0.002
    assert m_thick[outer].mean() < 0.995 * m_zero[outer].mean()

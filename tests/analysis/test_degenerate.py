"""Degenerate movies give a clear message or a flagged row, never a crash or a silent number."""

from __future__ import annotations

import math

import numpy as np
import pytest
from synth import spheres_frame
from table_rows import col, read_csv

from nanosinter.analysis import AnalysisOptions, analyze_movie
from nanosinter.errors import InputError
from nanosinter.io import Movie


def _run(frames, tmp_path, **kw):
    movie = Movie(frames=np.asarray(frames), pixel_size_nm=0.1,
                  frame_times_s=np.arange(len(frames), dtype=float))
    summary = analyze_movie(movie, tmp_path, options=AnalysisOptions(n_overlays=1), **kw)
    return summary, read_csv(tmp_path / "dimer.csv"), read_csv(tmp_path / "frames.csv")


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        (np.zeros((3, 64, 80)), "constant frame"),
        (np.full((3, 64, 80), 123.0), "constant frame"),
        (np.full((3, 64, 80), np.nan), "no finite pixel"),
    ],
    ids=["blank", "constant", "all-nan"],
)
def test_empty_movies_are_flagged(frames, message, tmp_path):
    summary, dimer, frames_rows = _run(frames, tmp_path)
    assert summary["n_flagged_frames"] == 3
    assert summary["contact_frame"] is None and summary["n_merges"] == 0
    assert all(message in r["flags"] for r in frames_rows)
    for r in dimer:
        assert r["flag"] == "no particle in frame"
        assert math.isnan(r["r1_nm"]) and math.isnan(r["contact"])
    assert read_csv(tmp_path / "particles.csv") == []


def test_partly_nan_frame_is_repaired_and_flagged(tmp_path):
    f = spheres_frame([(10.0, 10.0)], [5.0], rng=3)
    f[5:9, 5:40] = np.nan
    _summary, dimer, frames_rows = _run(np.stack([f, f]), tmp_path)
    assert "140 non-finite pixels replaced" in frames_rows[0]["flags"]
    assert abs(dimer[0]["r1_nm"] - 5.0) <= 0.3


def test_one_particle_only(tmp_path):
    frames = np.stack([spheres_frame([(10.0, 10.0)], [5.0], rng=i) for i in range(3)])
    summary, dimer, _ = _run(frames, tmp_path)
    r1 = col(dimer, "r1_nm")
    assert np.all(np.abs(r1 - 5.0) <= 0.3), r1
    assert np.all(np.isfinite(col(dimer, "r1_nm_err")))
    assert np.all(np.isnan(col(dimer, "r2_nm"))) and np.all(np.isnan(col(dimer, "neck_radius_nm")))
    assert all("one particle" in r["flag"] for r in dimer)
    assert summary["contact_frame"] is None


def test_particle_touching_the_border_is_flagged(tmp_path):
    # Sphere centred 2 nm from the left edge: cut by the border.
    frames = np.stack([spheres_frame([(2.0, 10.0)], [5.0], rng=i) for i in range(2)])
    _summary, dimer, _ = _run(frames, tmp_path)
    assert all("border" in r["flag"] for r in dimer)
    particles = read_csv(tmp_path / "particles.csv")
    assert particles and all(p["touches_border"] == 1 for p in particles)


def test_16bit_with_hot_pixels(tmp_path):
    rng = np.random.default_rng(7)
    frames = []
    for i in range(3):
        f = spheres_frame([(10.0, 10.0)], [5.0], rng=i, dose_counts=2000.0)
        f = f.astype(np.uint16)
        hot = rng.integers(0, f.size, 30)
        f.ravel()[hot] = 65535
        frames.append(f)
    frames = np.stack(frames)
    assert frames.dtype == np.uint16
    _summary, dimer, frames_rows = _run(frames, tmp_path)
    assert all("hot pixels replaced" in r["flags"] for r in frames_rows)
    assert np.all(np.abs(col(dimer, "r1_nm") - 5.0) <= 0.3)


def test_float32_frames_with_hot_pixels_are_not_modified(tmp_path):
    # The stage reads float32 frames without copying them (speed): hot-pixel repair must
    # work on a copy, never on the caller's movie, and still find the same pixels.
    rng = np.random.default_rng(8)
    frames = np.stack([spheres_frame([(10.0, 10.0)], [5.0], rng=i, dose_counts=2000.0)
                       for i in range(3)]).astype(np.float32)
    for f in frames:
        f.ravel()[rng.integers(0, f.size, 30)] = 50_000.0
    before = frames.copy()
    _summary, dimer, frames_rows = _run(frames, tmp_path)
    assert np.array_equal(frames, before)
    assert all("hot pixels replaced" in r["flags"] for r in frames_rows)
    assert np.all(np.abs(col(dimer, "r1_nm") - 5.0) <= 0.3)


def test_bad_inputs_raise_typed_errors(tmp_path):
    with pytest.raises(InputError, match="3-D"):
        analyze_movie(Movie(frames=np.zeros((10, 10)), pixel_size_nm=0.1), tmp_path)
    with pytest.raises(InputError, match="pixel size unknown"):
        analyze_movie(Movie(frames=np.zeros((2, 10, 10))), tmp_path)
    with pytest.raises(InputError, match="no frames"):
        analyze_movie(Movie(frames=np.zeros((0, 10, 10)), pixel_size_nm=0.1), tmp_path)


def test_dropped_frame_gives_no_drift(tmp_path):
    """A dropped frame (zeros and a few hot pixels, as in the real in-situ Au movie's frame
    177) is flagged and gives no drift; the frames after it keep the drift of those before."""
    rng = np.random.default_rng(5)
    frames = [spheres_frame([(10.0, 10.0), (24.0, 12.0)], [5.0, 4.0], rng=i) for i in range(6)]
    frames[3] = np.zeros_like(frames[0])
    frames[3][rng.integers(0, 64, 13), rng.integers(0, 80, 13)] = 1000.0
    _summary, _dimer, rows = _run(np.stack(frames), tmp_path)
    assert "constant frame" in rows[3]["flags"]
    dx, dy = col(rows, "drift_x_nm"), col(rows, "drift_y_nm")
    assert dx[3] == 0.0 and dy[3] == 0.0
    others = np.delete(np.hypot(dx, dy), 3)
    assert np.all(others < 0.1), (dx, dy)

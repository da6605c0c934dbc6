"""The fast paths of the analysis give the same numbers as the plain ones (issue 5, speed).

- the worker pool (``AnalysisOptions.workers``) changes where frames are segmented, not what
  is measured: identical tables with 1 and 2 workers;
- the analytic derivatives of the blurred chord (:func:`chord_tables`) used by the lobe and
  neck fits equal finite differences of :func:`blurred_chord`;
- particles measured without the drift and shifted afterwards (:func:`shift_rows`) equal
  particles measured with it.
"""

from __future__ import annotations

import filecmp

import numpy as np
import pytest
from synth import spheres_frame

from nanosinter.analysis import AnalysisOptions, SegmentOptions, analyze_movie, segment_frame
from nanosinter.analysis._particles import measure_particles, shift_rows
from nanosinter.analysis._profile import blurred_chord, chord_tables


def _first_frames(movie, n):
    from nanosinter.io import Movie

    return Movie(frames=np.asarray(movie.frames)[:n], pixel_size_nm=movie.pixel_size_nm,
                 frame_times_s=np.asarray(movie.frame_times_s)[:n])


def test_worker_pool_gives_identical_tables(sintering_runs, tmp_path):
    movie = _first_frames(sintering_runs[0]["movie"], 10)  # approach and contact
    one = tmp_path / "one"
    two = tmp_path / "two"
    s1 = analyze_movie(movie, one, options=AnalysisOptions(workers=1, n_overlays=0))
    s2 = analyze_movie(movie, two, options=AnalysisOptions(workers=2, n_overlays=0))
    assert s1["workers"] == 1 and s2["workers"] == 2
    assert len(s2["peak_memory_workers_mb"]) == 2
    for name in ("dimer.csv", "particles.csv", "events.csv", "pairs.csv", "frames.csv"):
        assert filecmp.cmp(one / name, two / name, shallow=False), name


@pytest.mark.parametrize(("radius", "sigma"), [(7.0, 0.3), (1.2, 0.25), (0.4, 0.35)])
def test_chord_table_derivatives_match_finite_differences(radius, sigma):
    x = np.linspace(0.0, radius + 1.5, 57)
    c, d_rho, d_r, d_s = chord_tables(x, radius, sigma)
    np.testing.assert_allclose(c, blurred_chord(x, radius, sigma), atol=2e-3 * radius)
    h = 1e-3
    fd_r = (chord_tables(x, radius + h, sigma)[0] - chord_tables(x, radius - h, sigma)[0]) / (2 * h)
    fd_s = (chord_tables(x, radius, sigma + h)[0] - chord_tables(x, radius, sigma - h)[0]) / (2 * h)
    fd_x = (chord_tables(x + h, radius, sigma)[0] - chord_tables(x - h, radius, sigma)[0]) / (2 * h)
    scale = max(float(np.abs(fd_r).max()), 1.0)
    # Tolerances: a few per cent of the largest derivative (tables on a 0.002-0.02 nm grid,
    # the blur kernel cut at 4 sigma).
    assert np.max(np.abs(d_r - fd_r)) <= 0.02 * scale
    assert np.max(np.abs(d_s - fd_s)) <= 0.05 * max(float(np.abs(fd_s).max()), 1.0)
    # Slope of the linear interpolant vs the interpolated nodal slope: differ by about the
    # curvature times half a grid step (largest for the smallest, most curved chord).
    inner = x[1:-1] > 0.05  # |x| has a kink at 0
    assert np.max(np.abs(d_rho - fd_x)[1:-1][inner]) <= 0.05 * max(float(np.abs(fd_x).max()), 1)


def test_shift_rows_equals_measuring_with_the_drift():
    frame = spheres_frame([(5.5, 10.0), (14.5, 10.0)], [4.0, 3.5], rng=3)
    seg = segment_frame(frame, options=SegmentOptions(bin_factor=2, denoise_sigma_px=2.0))
    drift_px = (3.7, -2.2)
    with_drift, _ = measure_particles(seg, 0.1, drift_px=drift_px)
    plain, _ = measure_particles(seg, 0.1)
    shifted = shift_rows(plain, drift_px[0] * 0.1, drift_px[1] * 0.1)
    assert len(with_drift) == len(shifted) == 2
    for a, b in zip(with_drift, shifted, strict=True):
        for key in ("x_nm", "y_nm", "circle_x_nm", "circle_y_nm", "area_nm2"):
            assert a[key] == pytest.approx(b[key], abs=1e-9), key


def test_lazy_movie_with_workers_is_read_in_the_parent(sintering_runs, tmp_path):
    """A dask-backed movie with a worker pool (its frames are read in the calling process:
    a forked child deadlocked in dask's scheduler) gives the in-memory movie's tables."""
    import threading

    da = pytest.importorskip("dask.array")
    from nanosinter.io import Movie

    eager = _first_frames(sintering_runs[0]["movie"], 10)
    frames = eager.frames
    lazy = Movie(frames=da.from_array(frames, chunks=(1, *frames.shape[1:])),
                 pixel_size_nm=0.1, frame_times_s=eager.frame_times_s)
    lazy.frame(0)  # the parent has used dask's scheduler before the pool forks
    done = {}

    def work():
        done["summary"] = analyze_movie(lazy, tmp_path / "lazy",
                                        options=AnalysisOptions(workers=2, n_overlays=0))

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(timeout=300)
    assert "summary" in done, "analysis of a lazy movie with workers did not finish"
    assert done["summary"]["workers"] == 2
    analyze_movie(eager, tmp_path / "eager", options=AnalysisOptions(workers=1, n_overlays=0))
    for name in ("dimer.csv", "particles.csv", "frames.csv"):
        assert filecmp.cmp(tmp_path / "lazy" / name, tmp_path / "eager" / name,
                           shallow=False), name

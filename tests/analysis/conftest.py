"""Fixtures for the analysis tests: rendered sintering movies with exact known geometry."""

from __future__ import annotations

import pytest
from synth import dimer_sequence, rendered_dimer_movie
from table_rows import col, read_csv  # noqa: F401  (used by the fixtures below)

SEEDS = (1, 2)


@pytest.fixture(scope="session")
def sintering_runs(tmp_path_factory):
    """Rendered sintering movies (r1 = 7, r2 = 6.5 nm: the paper's ~15 nm particles) at
    0.1 nm/px, 100 e/A^2 per frame, support texture, carbon rim, 0.3 nm blur, Poisson noise and
    a 0.1 nm/frame drift random walk, each analysed once by ``analyze_movie``; one per seed in
    ``SEEDS`` (the first two, not chosen), pooled by the accuracy tests.

    Frames 0-7 approach (gap 2.5 -> 0.5 nm), contact at frame 8, neck 1.0 -> 3.9 nm.
    """
    from nanosinter.analysis import analyze_movie

    runs = []
    for seed in SEEDS:
        seq = dimer_sequence(7.0, 6.5)
        movie, shapes, drift = rendered_dimer_movie(seq, seed=seed)
        out = tmp_path_factory.mktemp(f"sinter{seed}")
        summary = analyze_movie(movie, out)
        runs.append({
            "seed": seed, "movie": movie, "shapes": shapes, "drift_nm": drift, "out": out,
            "summary": summary, "dimer": read_csv(out / "dimer.csv"),
            "frames": read_csv(out / "frames.csv"), "events": read_csv(out / "events.csv"),
            "particles": read_csv(out / "particles.csv"),
            "contact_frame": next(i for i, s in enumerate(shapes) if s.contact),
        })
    return runs



"""Forward models for the report tests: a dimer that closes a gap and grows a neck, rendered
into a small movie with known truth, and the analysis folder a perfect-but-noisy analysis
would write for it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

_TESTS = Path(__file__).resolve().parents[1]
for sub in ("analysis", "kinetics"):
    if str(_TESTS / sub) not in sys.path:
        sys.path.insert(0, str(_TESTS / sub))

from synth import projected_thickness_nm, simple_frame, texture_field  # noqa: E402

from nanosinter.geometry import dimer_shape  # noqa: E402
from nanosinter.io import Movie, write_movie  # noqa: E402
from nanosinter.kinetics import MECHANISM_BY_KEY, neck_ratio  # noqa: E402

A_NM = 2.2          # particle radius (the tang2023-demo KMC preset)
PIXEL_NM = 0.1
SHAPE_PX = (90, 140)
N_BOOT = 100        # bootstrap resamples of the report tests
GEOMETRY = ("r1_nm", "r2_nm", "neck_radius_nm", "neck_curvature_radius_nm",
            "center_distance_nm", "gap_nm")


def truth_geometry(*, n_frames=60, n_pre=6, dt_s=4.0, gap_nm=0.3, x_over_a_end=0.6,
                   law="surface_diffusion", drift_nm_per_frame=(0.025, -0.02)):
    """True dimer geometry per frame (DataFrame): still particles *gap_nm* apart, then contact
    (centres at 2a) and neck growth by *law*.

    Lobe centres lie on a horizontal line through the frame centre; ``drift_x_nm``,
    ``drift_y_nm`` are the specimen's shift in the frame (as the analysis' ``frames.csv``).
    """
    mech = MECHANISM_BY_KEY[law]
    t = dt_s * np.arange(n_frames)
    t_c = t[n_pre] - 0.5 * dt_s
    tg = np.clip(t - t_c, 0, None)
    d_nm = 2 * A_NM
    B = x_over_a_end**mech.n * d_nm**mech.m / tg[-1]
    rows = []
    ny, nx = SHAPE_PX
    cx, cy = (nx - 1) / 2 * PIXEL_NM, (ny - 1) / 2 * PIXEL_NM
    for i in range(n_frames):
        if t[i] < t_c:
            gap = gap_nm
            d, neck = 2 * A_NM + gap, 0.0
        else:
            gap = np.nan
            d = 2 * A_NM
            neck = A_NM * float(neck_ratio(tg[i], B=B, n=mech.n, m=mech.m,
                                           particle_diameter_nm=d_nm))
        shape = dimer_shape(r1_nm=A_NM, r2_nm=A_NM, center_distance_nm=d, neck_radius_nm=neck)
        rows.append({
            "frame": i, "time_s": t[i], "r1_nm": A_NM, "r2_nm": A_NM,
            "neck_radius_nm": neck if neck > 0 else np.nan,
            "neck_curvature_radius_nm": shape.neck_curvature_radius_nm if neck > 0 else np.nan,
            "center_distance_nm": d, "gap_nm": gap, "contact": int(neck > 0),
            "x1_nm": cx - d / 2, "y1_nm": cy, "x2_nm": cx + d / 2, "y2_nm": cy,
            "drift_x_nm": drift_nm_per_frame[0] * i, "drift_y_nm": drift_nm_per_frame[1] * i,
        })
    return pd.DataFrame(rows)


def render(truth: pd.DataFrame, movie_path: Path, *, rng=0) -> Path:
    """Render the truth as a bright-field movie (renderer-free forward model) and write it."""
    g = np.random.default_rng(rng)
    tex = texture_field(SHAPE_PX, rng=g)
    frames = []
    for rec in truth.to_dict("records"):
        neck = rec["neck_radius_nm"] if np.isfinite(rec["neck_radius_nm"]) else 0.0
        shape = dimer_shape(r1_nm=rec["r1_nm"], r2_nm=rec["r2_nm"],
                            center_distance_nm=rec["center_distance_nm"], neck_radius_nm=neck)
        centre = ((rec["x1_nm"] + rec["x2_nm"]) / 2 + rec["drift_x_nm"],
                  rec["y1_nm"] + rec["drift_y_nm"])
        thick = projected_thickness_nm(SHAPE_PX, PIXEL_NM, shape, center_nm=centre)
        frames.append(simple_frame(thick, rng=g, dose_counts=200.0, texture_field=tex,
                                   mfp_nm=8.0))
    movie = Movie(frames=np.stack(frames), pixel_size_nm=PIXEL_NM,
                  frame_times_s=truth["time_s"].to_numpy(float))
    write_movie(movie, movie_path)
    truth[["frame", "time_s", *GEOMETRY, "contact", "drift_x_nm", "drift_y_nm"]].to_csv(
        str(movie_path) + ".truth.csv", index=False)
    return movie_path


def measured(truth: pd.DataFrame, *, noise_nm=0.05, rng=1) -> pd.DataFrame:
    """What an unbiased analysis with *noise_nm* Gaussian errors would write as dimer.csv."""
    g = np.random.default_rng(rng)
    m = truth.copy()
    for c in ("r1_nm", "r2_nm", "neck_radius_nm", "center_distance_nm", "gap_nm"):
        m[c] = m[c] + noise_nm * g.standard_normal(len(m))
        m[f"{c}_err"] = noise_nm
    m["neck_curvature_radius_nm"] = m["neck_curvature_radius_nm"] * (
        1 + 0.05 * g.standard_normal(len(m)))
    m["neck_curvature_radius_nm_err"] = 0.05 * m["neck_curvature_radius_nm"].abs()
    m["volume_nm3"] = 2 * 4 / 3 * np.pi * A_NM**3 * (1 + 0.01 * g.standard_normal(len(m)))
    m["volume_nm3_err"] = 0.01 * 2 * 4 / 3 * np.pi * A_NM**3
    return m.drop(columns=["drift_x_nm", "drift_y_nm"])


def analysis_folder(root: Path, truth: pd.DataFrame, *, movie: Path | None,
                    noise_nm=0.05) -> Path:
    """An analysis folder: dimer.csv, frames.csv (drift) and analysis.json naming the movie."""
    root.mkdir(parents=True, exist_ok=True)
    measured(truth, noise_nm=noise_nm).to_csv(root / "dimer.csv", index=False)
    truth[["frame", "time_s", "drift_x_nm", "drift_y_nm"]].to_csv(root / "frames.csv",
                                                                  index=False)
    summary = {"n_frames": len(truth), "pixel_size_nm": PIXEL_NM,
               "contact_frame": int(np.argmax(truth["contact"].to_numpy() > 0)),
               "provenance": {"inputs": {} if movie is None else
                              {"movie": {"path": str(movie), "sha256": None}}}}
    (root / "analysis.json").write_text(json.dumps(summary), encoding="utf-8")
    return root

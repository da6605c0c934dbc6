"""The blind analysis of the demo movie against its simulation truth, for a few option sets.

Run by hand after ``make demo``:
    .venv/bin/python benchmarks/analysis_demo_accuracy.py [demo-output]

Analyses ``DIR/movie/tang2023_dimer.hspy`` (the movie file only, as ``make demo`` does) with
the default options, with texture subtraction, with the carbon-shell neck model and with both,
and compares each ``dimer.csv`` with the truth beside the movie (``*.truth.csv``), printing
per option set: contact frame found (truth: first frame with ``contact`` = 1), frames in
contact, neck radius median |error| and median signed error on frames with true r > 1 nm (a
frame without a measured neck counts as an error of the whole neck), R median relative error
(true R >= 1 nm, a missing R counts as 100 %), centre-distance and r1 median |error|, and
the analysis speed. The same measures as ``benchmarks/analysis_accuracy.py``.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path

import numpy as np

OPTION_SETS = {
    "default": {},
    "subtract_texture": {"subtract_texture": True},
    "rim_nm=1": {"rim_nm": 1.0},
    "both": {"subtract_texture": True, "rim_nm": 1.0},
}


def _col(rows, name):
    return np.array([float(r[name]) if r[name] not in ("", "nan") else np.nan for r in rows])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("demo_dir", nargs="?", type=Path, default=Path("demo-output"))
    args = ap.parse_args(argv)
    from nanosinter.analysis import AnalysisOptions, analyze_movie
    from nanosinter.analysis._dimer import DimerOptions
    from nanosinter.io import read_movie

    path = args.demo_dir / "movie" / "tang2023_dimer.hspy"
    movie = read_movie(path)
    with open(str(path) + ".truth.csv", newline="") as fh:
        truth = list(csv.DictReader(fh))
    print(f"{'options':>17} {'contact':>7} {'in contact':>10} {'neck':>6} {'signed':>7} "
          f"{'R':>6} {'d':>6} {'r1':>6} {'frames/s':>8}")
    for label, kw in OPTION_SETS.items():
        opt = AnalysisOptions(dimer=DimerOptions(**kw)) if kw else None
        with tempfile.TemporaryDirectory() as tmp:
            summary = analyze_movie(movie, Path(tmp), options=opt)
            with open(Path(tmp) / "dimer.csv", newline="") as fh:
                rows = list(csv.DictReader(fh))
        n = min(len(rows), len(truth))
        t_rn, m_rn = _col(truth, "neck_radius_nm")[:n], _col(rows, "neck_radius_nm")[:n]
        keep = np.isfinite(t_rn) & (t_rn > 1.0)
        err = np.where(np.isfinite(m_rn[keep]), m_rn[keep] - t_rn[keep], -t_rn[keep])
        t_r, m_r = (_col(truth, "neck_curvature_radius_nm")[:n],
                    _col(rows, "neck_curvature_radius_nm")[:n])
        keep_r = np.isfinite(t_r) & (t_r >= 1.0)
        rel = np.abs(m_r[keep_r] / t_r[keep_r] - 1.0)
        rel = np.where(np.isfinite(rel), rel, 1.0)
        t_c = _col(truth, "contact")[:n] > 0
        m_c = _col(rows, "contact")[:n] > 0
        d_err = np.median(np.abs(_col(rows, "center_distance_nm")[:n]
                                 - _col(truth, "center_distance_nm")[:n]))
        r1_err = np.median(np.abs(_col(rows, "r1_nm")[:n] - _col(truth, "r1_nm")[:n]))
        found = summary["contact_frame"]
        print(f"{label:>17} {found!s:>4}/{int(np.argmax(t_c)):<2} "
              f"{int(np.sum(m_c & t_c)):>5}/{int(t_c.sum()):<4} {np.median(np.abs(err)):6.2f} "
              f"{np.median(err):+7.2f} {100 * np.median(rel):5.0f}% {d_err:6.3f} {r1_err:6.3f} "
              f"{summary['frames_per_s']:8.1f}")
    print("contact: found/truth frame; in contact: frames found in contact / truth-contact "
          "frames; neck, signed, d, r1 in nm")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The blind analysis of the demo movie against its simulation truth, for a few option sets.

Run by hand after ``make demo``:
    .venv/bin/python benchmarks/analysis_demo_accuracy.py [demo-output]

Analyses ``DIR/movie/tang2023_dimer.hspy`` (the movie file only, as ``make demo`` does) with
the default options, without the texture subtraction, without the carbon-shell neck model and
without both (``--dimer-opt NAME=VALUE`` adds one more option set),
and compares each ``dimer.csv`` with the truth beside the movie (``*.truth.csv``), printing
per option set: contact frame found (truth: first frame with ``contact`` = 1), frames in
contact, neck radius median |error| and median signed error on frames with true r > 1 nm (a
frame without a measured neck counts as an error of the whole neck), R median relative error
(true R >= 1 nm, a missing R counts as 100 %), centre-distance and r1 median |error|, and
the analysis speed. The same measures as ``benchmarks/analysis_accuracy.py``.

``--dose-e-per-A2 D``, ``--texture C`` and ``--rim-model outline|shell`` first re-render the
demo's simulation (same seed, one frame per snapshot) at another dose per frame, support-texture
contrast or carbon-rim model: the same
faceted KMC particles with more signal or without texture, to tell what the data allow from
what the analysis's models get wrong.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analysis_accuracy import _stats  # the same measures as on the test movies

OPTION_SETS = {
    "default": {},
    "no texture subtr.": {"subtract_texture": False},
    "no shell model": {"rim_nm": 0.0},
    "neither": {"subtract_texture": False, "rim_nm": 0.0},
}
COLUMNS = ("r1_nm", "r2_nm", "neck_radius_nm", "neck_curvature_radius_nm", "center_distance_nm")


def _col(rows, name):
    return [float(r[name]) if r[name] not in ("", "nan") else float("nan") for r in rows]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("demo_dir", nargs="?", type=Path, default=Path("demo-output"))
    ap.add_argument("--dimer-opt", action="append", default=[],
                    help="NAME=VALUE of DimerOptions: one more option set (diagnostic)")
    ap.add_argument("--only-extra", action="store_true",
                    help="run the --dimer-opt option set only")
    ap.add_argument("--dose-e-per-A2", type=float, default=None,
                    help="re-render DIR/simulation at this dose per frame first (what if)")
    ap.add_argument("--texture", type=float, default=None,
                    help="re-render with this support-texture contrast first (what if)")
    ap.add_argument("--rim-model", choices=("outline", "shell"), default=None,
                    help="re-render with this carbon-rim model first (what if)")
    args = ap.parse_args(argv)
    option_sets = {} if args.only_extra else dict(OPTION_SETS)
    if args.dimer_opt:
        extra = {}
        for kv in args.dimer_opt:
            name, value = kv.split("=", 1)
            extra[name] = (value.lower() in ("1", "true") if name == "subtract_texture"
                           else float(value))
        option_sets[",".join(args.dimer_opt)] = extra
    from nanosinter.analysis import AnalysisOptions, analyze_movie
    from nanosinter.analysis._dimer import DimerOptions
    from nanosinter.io import read_movie

    path = args.demo_dir / "movie" / "tang2023_dimer.hspy"
    scratch = tempfile.TemporaryDirectory()
    if args.dose_e_per_A2 is not None or args.texture is not None or args.rim_model:
        # The demo's render (seed 2023, one frame per 4-s snapshot) with other settings.
        from nanosinter.imaging import RenderSettings, render_movie

        kw_r = {} if args.texture is None else {"texture_contrast": args.texture}
        if args.rim_model:
            kw_r["rim_model"] = args.rim_model
        dose = 100.0 if args.dose_e_per_A2 is None else args.dose_e_per_A2
        path = render_movie(args.demo_dir / "simulation", Path(scratch.name) / "m.hspy",
                            fps=0.25, dose_e_per_A2=dose, seed=2023,
                            settings=RenderSettings(**kw_r))["movie"]
        print(f"re-rendered at {dose:g} e/A^2, texture {kw_r.get('texture_contrast', 0.04):g}, "
              f"rim {kw_r.get('rim_model', 'outline')}")
    movie = read_movie(path)
    with open(str(path) + ".truth.csv", newline="") as fh:
        truth = list(csv.DictReader(fh))
    print(f"{'options':>17} {'contact':>7} {'in contact':>10} {'neck':>6} {'signed':>7} "
          f"{'R':>6} {'d':>6} {'r1':>6} {'frames/s':>8}")
    for label, kw in option_sets.items():
        opt = AnalysisOptions(dimer=DimerOptions(**kw)) if kw else None
        with tempfile.TemporaryDirectory() as tmp:
            summary = analyze_movie(movie, Path(tmp), options=opt)
            with open(Path(tmp) / "dimer.csv", newline="") as fh:
                rows = list(csv.DictReader(fh))
        n = min(len(rows), len(truth))
        t_c = np.array(_col(truth, "contact")[:n]) > 0
        m_c = np.array(_col(rows, "contact")[:n]) > 0
        run = {"contact_frame": summary["contact_frame"],
               "contact_frame_true": int(np.argmax(t_c))}
        for name in COLUMNS:
            run[name] = _col(rows, name)[:n]
            run[name + "_err"] = _col(rows, name + "_err")[:n]
            run[name + "_true"] = _col(truth, name)[:n]
        st = _stats([run])
        print(f"{label:>17} {summary['contact_frame']!s:>4}/{run['contact_frame_true']:<2} "
              f"{int(np.sum(m_c & t_c)):>5}/{int(t_c.sum()):<4} {st['neck']:6.2f} "
              f"{st['neck_signed']:+7.2f} {100 * st['R']:5.0f}% {st['d']:6.3f} {st['r1']:6.3f} "
              f"{summary['frames_per_s']:8.1f}")
    print("contact: found/truth frame; in contact: frames found in contact / truth-contact "
          "frames; neck, signed, d, r1 in nm")
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

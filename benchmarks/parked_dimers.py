"""False contacts: dimers parked at a fixed gap, no neck, analysed with the default options.

Run by hand:  OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/parked_dimers.py
              [--gaps 0.4 0.7 1.0] [--seeds 1 ... 30] [--jobs 2] [--dimer-opt NAME=VALUE]
(~2.5 min for 3 gaps x 30 seeds on 2 cores)

Each movie is the accuracy tests' rendering (``tests/analysis/synth.py``: r1 = 7, r2 = 6.5 nm,
0.1 nm/px, 100 e/A^2, 4 % support texture, 1 nm carbon rim, drift) of 20 frames with the lobes
a fixed gap apart and no neck: ``dimer_sequence(n_approach=20, n_neck=0, gap0_nm=g,
gap1_nm=g)``. Any reported contact frame is false. Prints, per gap, how many movies report
one, and which frame.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "analysis"))


def _parse_opt(items):
    out = {}
    for item in items or []:
        name, _, value = item.partition("=")
        try:
            out[name] = float(value)
        except ValueError:
            out[name] = {"true": True, "false": False}.get(value.lower(), value)
    return out


def _one(args):
    seed, gap, dimer_kw = args
    from synth import dimer_sequence, rendered_dimer_movie

    from nanosinter.analysis import AnalysisOptions, analyze_movie
    from nanosinter.analysis._dimer import DimerOptions

    seq = dimer_sequence(7.0, 6.5, n_approach=20, n_neck=0, gap0_nm=gap, gap1_nm=gap)
    movie, _shapes, _drift = rendered_dimer_movie(seq, seed=seed)
    opt = AnalysisOptions(dimer=DimerOptions(**dimer_kw)) if dimer_kw else None
    with tempfile.TemporaryDirectory() as tmp:
        summary = analyze_movie(movie, Path(tmp), options=opt)
    return gap, seed, summary["contact_frame"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gaps", type=float, nargs="+", default=[0.4, 0.7, 1.0])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 31)))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--dimer-opt", action="append", metavar="NAME=VALUE")
    args = ap.parse_args(argv)
    kw = _parse_opt(args.dimer_opt)
    tasks = [(s, g, kw) for g in args.gaps for s in args.seeds]
    with ProcessPoolExecutor(args.jobs) as ex:
        results = list(ex.map(_one, tasks))
    for g in args.gaps:
        false = [(s, cf) for gg, s, cf in results if gg == g and cf is not None]
        print(f"gap {g:.2f} nm: false contact in {len(false)} of {len(args.seeds)} movies"
              + (" (seed:frame " + " ".join(f"{s}:{cf}" for s, cf in false) + ")"
                 if false else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

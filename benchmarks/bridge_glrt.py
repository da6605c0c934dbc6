"""The whole-dimer likelihood-ratio test of a bridge (``DimerOptions.gls_bridge_dchi2``):
its statistic on frames without a neck and on the demo's bridged frames.

Run by hand:  .venv/bin/python benchmarks/bridge_glrt.py --seeds $(seq 201 240) [--demo DIR]
              (~10 s per seed, ~2 min for the demo; after ``make demo`` for ``--demo``)

Each seed renders the accuracy tests' movie (``tests/analysis/synth.py``: 8 approach frames,
gap 2.5 -> 0.5 nm, no neck; contact at frame 8) and analyses it in one process with the
test on (``gls_bridge_dchi2`` = 20) and its screen off (``bridge_screen_sigma`` = 0), so
that the statistic is computed in every frame where the lobes are apart and a bridge is
possible; the statistic (``fit_dimer_whitened``'s ``dchi2``) of each such frame is
recorded. Printed: its quantiles over the approach frames (no neck in the truth: the null
distribution, which the threshold must clear) and the number of frames and movies above
9, 16, 20 and 25. With ``--demo DIR`` the same for ``DIR/movie/tang2023_dimer.hspy``
(every frame bridged in the truth, necks 0.85 -> 3.2 nm): the statistic per 10 frames and
the fraction of frames above each threshold.

The recording wraps a private method (``DimerAnalyzer._bridge_glrt``): a diagnostic.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "analysis"))

THRESHOLDS = (9.0, 16.0, 20.0, 25.0)


def _record(movie, frames_total=None):
    """dchi2 per frame index (the analyzer's frame counter) of one analysis."""
    from nanosinter.analysis import AnalysisOptions, analyze_movie
    from nanosinter.analysis import _dimer as dimer_mod

    log: list[tuple[int, float, float]] = []
    orig = dimer_mod.DimerAnalyzer._bridge_glrt
    counter = {"frame": -1}
    orig_measure = dimer_mod.DimerAnalyzer.measure

    def measure(self, *a, **k):
        counter["frame"] += 1
        return orig_measure(self, *a, **k)

    def glrt(self, *a):
        out = orig(self, *a)
        if out is not None:
            log.append((counter["frame"], float(out[1]), float(out[0]["rn"])))
        return out

    dimer_mod.DimerAnalyzer._bridge_glrt = glrt
    dimer_mod.DimerAnalyzer.measure = measure
    try:
        opt = AnalysisOptions(workers=1)
        opt = replace(opt, dimer=replace(opt.dimer, gls_bridge_dchi2=20.0,
                                         bridge_screen_sigma=0.0))
        with tempfile.TemporaryDirectory() as tmp:
            analyze_movie(movie, Path(tmp), options=opt)
    finally:
        dimer_mod.DimerAnalyzer._bridge_glrt = orig
        dimer_mod.DimerAnalyzer.measure = orig_measure
    return log


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="*", default=[])
    ap.add_argument("--demo", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.seeds:
        from synth import dimer_sequence, rendered_dimer_movie

        null, per_seed = [], {}
        for seed in args.seeds:
            movie, _shapes, _ = rendered_dimer_movie(dimer_sequence(7.0, 6.5), seed=seed)
            vals = [dc for fr, dc, _rn in _record(movie) if fr < 8]
            null.extend(vals)
            per_seed[seed] = max(vals) if vals else float("nan")
            print(f"seed {seed}: {len(vals)} approach frames tested, largest dchi2 "
                  f"{per_seed[seed]:.1f}", flush=True)
        x = np.array(null)
        print(f"\napproach frames (no neck): {x.size} tested; dchi2 quantiles 50/90/99/100 %: "
              + " / ".join(f"{v:.1f}" for v in np.percentile(x, [50, 90, 99, 100])))
        for t in THRESHOLDS:
            movies = [s for s, v in per_seed.items() if v > t]
            print(f"  above {t:4.0f}: {int((x > t).sum())} frames, {len(movies)} of "
                  f"{len(per_seed)} movies {movies}")
    if args.demo is not None:
        from nanosinter.io import read_movie

        movie = read_movie(args.demo / "movie" / "tang2023_dimer.hspy")
        log = _record(movie)
        by_frame = {fr: (dc, rn) for fr, dc, rn in log}
        print(f"\ndemo: the test ran in {len(by_frame)} frames")
        for fr in range(0, max(by_frame, default=0) + 1, 10):
            if fr in by_frame:
                print(f"  frame {fr:3d}: dchi2 {by_frame[fr][0]:6.1f}, rn {by_frame[fr][1]:.2f} nm")
        x = np.array([v[0] for v in by_frame.values()])
        for t in THRESHOLDS:
            print(f"  above {t:4.0f}: {int((x > t).sum())} of {x.size} tested frames")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

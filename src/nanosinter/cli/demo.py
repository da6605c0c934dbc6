"""``nanosinter demo``: the whole study on the tang2023 dimer, stage by stage.

simulate -> render -> analyse blind -> explain -> report, after the beam calculator:

1. ``beam/``: knock-on table and Figure 3h at 300 kV (:mod:`nanosinter.beam.report`);
2. ``simulation/``: atomistic KMC of the ``tang2023-dimer`` preset (two 15.4 nm particles,
   ~1.5e5 atoms) over its first 8 min, and Figure 3f,g drawn from ground truth
   (``nanosinter simulate --preset tang2023-dimer`` runs the paper's full 20 min);
3. ``movie/``: the snapshots rendered as a noisy bright-field movie, truth kept beside it;
4. ``analysis/``: the movie measured by :func:`nanosinter.analysis.analyze_movie`, which reads
   only the movie file (no truth, no simulation), as it would a real one;
5. ``analysis/fit.json``: neck-growth fits, mechanism evidence, verdict, D_s, beam budget;
6. ``report.html``: one self-contained page with all of it, measured curves against the truth.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

description = (
    "run the whole study on the tang2023 dimer (beam, KMC, rendered movie, blind analysis, "
    "kinetics, report) and write it into --out"
)

#: The paper's dimer (two 15.4 nm CdSe/CdS particles 1.5 nm apart, 300 kV, 300 K) followed for
#: its first 8 minutes -- contact, the fast neck and the start of the slower growth -- with an
#: observation and a snapshot every 4 s (about one minute of wall time on one core).
DEMO_RUN = {"run": {"until_s": 480.0, "every_s": 4.0, "snapshot_every": 1}}

#: Movie settings of the demo: 0.1 nm/px (the accuracy tests' sampling), a low-dose bright-field
#: frame, one frame per observation (4 s of simulated time).
DEMO_PIXEL_SIZE_NM = 0.1
DEMO_DOSE_E_PER_A2 = 100.0
DEMO_DOSE_RATE_E_PER_A2_S = 20.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    parser.add_argument("--seed", type=int, default=2023, help="random seed (default 2023)")
    parser.add_argument("--fps", type=float, default=None,
                        help="movie frames per simulated second (default: one frame per "
                             "observation interval of the preset)")


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    stages = [
        ("beam: knock-on table and Figure 3h", _stage_beam),
        ("simulate: atomistic KMC of the dimer", _stage_simulate),
        ("render: bright-field movie with truth", _stage_render),
        ("analyse: blind measurement of the movie", _stage_analyse),
        ("fit: neck-growth laws and mechanism verdict", _stage_fit),
        ("report: one self-contained HTML page", _stage_report),
    ]
    t_all = time.perf_counter()
    state: dict = {}
    for i, (name, fn) in enumerate(stages, 1):
        t0 = time.perf_counter()
        print(f"[{i}/{len(stages)}] {name} ...", file=sys.stderr, flush=True)
        msg = fn(out, args, state)
        print(f"[{i}/{len(stages)}] done in {time.perf_counter() - t0:.1f} s"
              + (f": {msg}" if msg else ""), file=sys.stderr, flush=True)
    print(f"demo finished in {time.perf_counter() - t_all:.1f} s; outputs in {out.resolve()}",
          file=sys.stderr)
    print(str((out / "report.html").resolve()))
    return 0


def _stage_beam(out: Path, args: argparse.Namespace, state: dict) -> str:
    from nanosinter.beam.report import write_beam_report

    paths = write_beam_report(out / "beam", beam_energy_keV=300.0,
                              dose_rate_e_per_A2_s=DEMO_DOSE_RATE_E_PER_A2_S)
    return f"{paths['figure']} written"


def _stage_simulate(out: Path, args: argparse.Namespace, state: dict) -> str:
    import shutil

    from nanosinter import kmc

    sim = out / "simulation"
    if sim.exists():  # a re-run of the demo starts the simulation afresh
        shutil.rmtree(sim)
    cfg = kmc.merge_config(kmc.preset("tang2023-dimer"), DEMO_RUN, where="demo")
    summary = kmc.run(cfg, sim, seed=args.seed, progress=False)
    kmc.plot_observables(sim / "observables.csv", sim / "fig3fg_truth.png")
    state["every_s"] = float(cfg["run"]["every_s"])
    return (f"{summary['events']:,} events, {summary['simulated_time_s']:.0f} s simulated, "
            f"{summary['events_per_s']:.3g} events/s")


def _stage_render(out: Path, args: argparse.Namespace, state: dict) -> str:
    from nanosinter.imaging import render_movie

    fps = args.fps if args.fps is not None else 1.0 / state.get("every_s", 2.0)
    paths = render_movie(out / "simulation", out / "movie" / "tang2023_dimer.hspy",
                         pixel_size_nm=DEMO_PIXEL_SIZE_NM, fps=fps,
                         dose_e_per_A2=DEMO_DOSE_E_PER_A2, seed=args.seed)
    state["movie"] = paths["movie"]
    state["truth_csv"] = paths["truth_csv"]
    return str(paths["movie"])


def _stage_analyse(out: Path, args: argparse.Namespace, state: dict) -> str:
    from nanosinter.analysis import analyze_movie
    from nanosinter.io import read_movie

    # Blind: the analysis reads the movie file only, like a user's own movie.
    movie = read_movie(state["movie"])
    summary = analyze_movie(movie, out / "analysis",
                            provenance_inputs={"movie": state["movie"]})
    state["analysis"] = out / "analysis"
    return (f"{summary.get('n_frames', '?')} frames at "
            f"{summary.get('frames_per_s', float('nan')):.1f} frames/s")


def _stage_fit(out: Path, args: argparse.Namespace, state: dict) -> str:
    from nanosinter import kinetics
    from nanosinter._atomic import atomic_write_text
    from nanosinter._json import dumps
    from nanosinter._provenance import provenance

    adir = state["analysis"]
    table = kinetics.read_dimer_table(adir / "dimer.csv")
    particles_csv = adir / "particles.csv"
    particles = kinetics.read_particles_table(particles_csv) if particles_csv.exists() else None
    result = kinetics.analyze_kinetics(table, particles=particles, rng=args.seed,
                                       dose_rate_e_per_A2_s=DEMO_DOSE_RATE_E_PER_A2_S)
    res = result.as_dict()
    res["provenance"] = provenance({"dimer": adir / "dimer.csv"}, seed=args.seed,
                                   dose_rate_e_per_A2_s=DEMO_DOSE_RATE_E_PER_A2_S)
    atomic_write_text(adir / "fit.json", dumps(res, indent=2))
    if result.fit is not None:
        kinetics.plot_neck_growth(result.fit, path=adir / "neck_growth.png")
    truth = kinetics.read_dimer_table(state["truth_csv"])
    kinetics.plot_dimer_curves(table, truth=truth, path=adir / "fig3fg_measured.png")
    v = result.verdict
    return f"verdict: {v.label} (confidence {v.confidence:.2f})"


def _stage_report(out: Path, args: argparse.Namespace, state: dict) -> str:
    from nanosinter.report import write_report

    path = write_report(state["analysis"], out / "report.html", movie=state["movie"],
                        sim_dir=out / "simulation", truth_csv=state["truth_csv"],
                        beam_energy_keV=300.0,
                        dose_rate_e_per_A2_s=DEMO_DOSE_RATE_E_PER_A2_S,
                        title="nanosinter demo: the tang2023 dimer", seed=args.seed)
    return str(path)

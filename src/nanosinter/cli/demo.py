"""``nanosinter demo``: the whole study on the tang2023 dimer, stage by stage.

simulate -> render -> analyse blind -> explain -> report, after the beam calculator:

1. ``beam/``: knock-on table and Figure 3h at 300 kV (:mod:`nanosinter.beam.report`);
2. ``simulation/``: atomistic KMC of the ``tang2023-dimer`` preset (two 15.4 nm particles,
   ~1.5e5 atoms) over its first 8 min, and Figure 3f,g drawn from ground truth
   (``nanosinter simulate --preset tang2023-dimer`` runs the paper's full 20 min);
3. ``movie/``: the snapshots rendered as a noisy bright-field movie, truth kept beside it,
   and (dimer preset) the neck's ideal-observer visibility per frame
   (:func:`nanosinter.imaging.neck_visibility`, ``MOVIE.visibility.csv``);
4. ``analysis/``: the movie measured by :func:`nanosinter.analysis.analyze_movie`, which reads
   only the movie file (no truth, no simulation), as it would a real one;
5. ``analysis/fit.json``: neck-growth fits, mechanism evidence, verdict, D_s, beam budget;
6. ``report.html``: one self-contained page with all of it, measured curves against the truth.

``--preset`` runs the same six stages on another KMC preset whose true mechanism is known
(``migration``, ``ostwald-8-15nm``, ``tang2023-anneal``; settings in :data:`DEMO_PRESETS`). The
fit stage then also judges the KMC ground truth and writes ``mechanism.json`` (true mechanism,
verdict from the truth, verdict from the movie, and notes naming the stage that loses the
mechanism when the blind verdict misses; the notes also go on the report page).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

description = (
    "run the whole study on the tang2023 dimer, or on another KMC preset with --preset (beam, "
    "KMC, rendered movie, blind analysis, kinetics, report) and write it into --out"
)

#: The paper's dimer (two 15.4 nm CdSe/CdS particles 1.5 nm apart, 300 kV, 300 K) followed for
#: its first 8 minutes -- contact, the fast neck and the start of the slower growth -- with an
#: observation and a snapshot every 4 s (about one minute of wall time on one core).
DEMO_RUN = {"run": {"until_s": 480.0, "every_s": 4.0, "snapshot_every": 1}}

#: Per-preset run settings of ``nanosinter demo --preset NAME``: each study fits in about
#: five minutes of wall time on a 2-core machine (KMC wall times from docs/kmc.md) and its
#: frames (one per snapshot) cover the part of the run where the mechanism shows:
#:
#: - ``migration``: the preset's 5 min, a snapshot every 4 s (75 frames) so that the random
#:   walk before each contact is sampled;
#: - ``ostwald-8-15nm``: the preset's 0.6 ms at 553 K, a snapshot every 20 us (30 frames at
#:   5e4 frames/s) while the 8 nm particle evaporates into the closed vapour;
#: - ``tang2023-anneal``: the preset's 2 ms (hold, ramp, 553 K), a snapshot every 50 us
#:   (40 frames at 2e4 frames/s) while the dimer sublimes.
#:
#: True mechanisms: the preset switches on one mechanism alone (docs/kmc.md).
DEMO_PRESETS = {
    "tang2023-dimer": {"run": DEMO_RUN, "true_mechanism": "surface_diffusion",
                       "title": "the tang2023 dimer"},
    "migration": {"run": {"run": {"until_s": 300.0, "every_s": 2.0, "snapshot_every": 2}},
                  "true_mechanism": "migration_coalescence",
                  "title": "migration and coalescence of five particles"},
    "ostwald-8-15nm": {"run": {"run": {"until_s": 6e-4, "every_s": 1e-5, "snapshot_every": 2}},
                       "true_mechanism": "ostwald_ripening",
                       "title": "Ostwald ripening of an 8 and a 15 nm particle at 553 K"},
    "tang2023-anneal": {"run": {"run": {"until_s": 2e-3, "every_s": 5e-5,
                                        "snapshot_every": 1}},
                        "true_mechanism": "sublimation",
                        "title": "the sintered dimer annealed at 553 K (sublimation)"},
}

#: Movie settings of the demo: 0.1 nm/px (the accuracy tests' sampling), a low-dose bright-field
#: frame, one frame per observation (4 s of simulated time).
DEMO_PIXEL_SIZE_NM = 0.1
DEMO_DOSE_E_PER_A2 = 100.0
DEMO_DOSE_RATE_E_PER_A2_S = 20.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    parser.add_argument("--preset", default="tang2023-dimer", choices=sorted(DEMO_PRESETS),
                        help="KMC preset to study (default tang2023-dimer)")
    parser.add_argument("--seed", type=int, default=2023, help="random seed (default 2023)")
    parser.add_argument("--fps", type=float, default=None,
                        help="movie frames per simulated second (default: one frame per "
                             "snapshot of the preset's run)")


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    stages = [
        ("beam: knock-on table and Figure 3h", _stage_beam),
        (f"simulate: atomistic KMC of {_preset_name(args)}", _stage_simulate),
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


def _preset_name(args: argparse.Namespace) -> str:
    return getattr(args, "preset", None) or "tang2023-dimer"


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
    name = _preset_name(args)
    cfg = kmc.merge_config(kmc.preset(name), DEMO_PRESETS[name]["run"], where="demo")
    summary = kmc.run(cfg, sim, seed=args.seed, progress=False)
    kmc.plot_observables(sim / "observables.csv", sim / "fig3fg_truth.png")
    # one movie frame per snapshot
    state["every_s"] = float(cfg["run"]["every_s"]) * int(cfg["run"]["snapshot_every"])
    return (f"{summary['events']:,} events, {summary['simulated_time_s']:.3g} s simulated, "
            f"{summary['events_per_s']:.3g} events/s")


def _stage_render(out: Path, args: argparse.Namespace, state: dict) -> str:
    from nanosinter.imaging import render_movie

    fps = args.fps if args.fps is not None else 1.0 / state.get("every_s", 2.0)
    stem = _preset_name(args).replace("-", "_")
    paths = render_movie(out / "simulation", out / "movie" / f"{stem}.hspy",
                         pixel_size_nm=DEMO_PIXEL_SIZE_NM, fps=fps,
                         dose_e_per_A2=DEMO_DOSE_E_PER_A2, seed=args.seed)
    state["movie"] = paths["movie"]
    state["truth_csv"] = paths["truth_csv"]
    if _preset_name(args) != "tang2023-dimer":
        return str(paths["movie"])
    # truth side: could any analysis see the neck? (the report plots it beside the contact)
    from nanosinter.imaging import (
        first_visible_frame,
        neck_visibility,
        visibility_path,
        write_neck_visibility,
    )

    vis = neck_visibility(out / "simulation", paths["movie"], every=2)
    write_neck_visibility(vis, visibility_path(paths["movie"]))
    first = first_visible_frame(vis, "d_texture")
    return (f"{paths['movie']}; neck visible to the ideal observer (d' >= 5) from frame "
            f"{first_visible_frame(vis, 'd_shot')} with the support texture known, "
            f"{'frame ' + str(first) if first is not None else 'never'} with it unknown")


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
    # the same verdict from the KMC ground truth (observables.csv, and the bodies and tracks
    # of particles.csv when the run has them), for the comparison blind vs truth
    sim = out / "simulation"
    sim_particles = (kinetics.read_particles_table(sim / "particles.csv")
                     if (sim / "particles.csv").exists() else None)
    truth_result = kinetics.analyze_kinetics(kinetics.read_dimer_table(sim / "observables.csv"),
                                             particles=sim_particles, rng=args.seed)
    tv = truth_result.verdict
    name = _preset_name(args)
    true_key = DEMO_PRESETS[name]["true_mechanism"]
    summary = {
        "preset": name, "seed": args.seed, "true_mechanism": true_key,
        "truth_verdict": {"mechanism": tv.mechanism, "label": tv.label,
                          "confidence": tv.confidence},
        "blind_verdict": {"mechanism": v.mechanism, "label": v.label,
                          "confidence": v.confidence},
        "notes": _diagnose(true_key, truth_result, result, adir, sim_particles),
    }
    atomic_write_text(out / "mechanism.json", dumps(summary, indent=2))
    state["notes"] = summary["notes"]
    return (f"verdict: {v.label} (confidence {v.confidence:.2f}); from the KMC truth: "
            f"{tv.label} ({tv.confidence:.2f}); true: {true_key.replace('_', ' ')}")


def _diagnose(true_key: str, truth_result, blind_result, adir: Path,
              sim_particles: dict | None) -> list[str]:
    """Why the verdict misses the true mechanism, naming the stage that loses it."""
    import numpy as np
    import pandas as pd

    from nanosinter import kinetics
    from nanosinter.kinetics._evidence import LABELS

    true_label = LABELS.get(true_key, true_key)
    truth_verdict, blind_verdict = truth_result.verdict, blind_result.verdict
    notes: list[str] = []
    if truth_verdict.mechanism != true_key:
        notes.append(
            f"Why the verdict misses {true_label}: even on the KMC ground truth the kinetics "
            f"says {truth_verdict.label} (limiting stage: fit/verdict). "
            + "; ".join(truth_verdict.reasons[:2]))
    if blind_verdict.mechanism == true_key:
        return notes
    if truth_verdict.mechanism != true_key:
        return notes
    why = [f"Why the blind verdict is {blind_verdict.label}, not {true_label} (the KMC "
           f"truth gives {truth_verdict.label}, p = {truth_verdict.confidence:.2f}):"]
    frames = pd.read_csv(adir / "frames.csv") if (adir / "frames.csv").exists() else None
    if sim_particles is not None and frames is not None and len(frames):
        t = np.asarray(sim_particles["time_s"], float)
        n_true = len(np.unique(np.asarray(sim_particles["track_id"])[t == t.min()]))
        n_seen = int(frames["n_particles"].iloc[0])
        if n_seen < n_true:
            why.append(f"the movie analysis finds {n_seen} of the {n_true} particles in the "
                       "first frame (limiting stage: render/analyse -- particles a few nm across "
                       "give little mass-thickness contrast over the support texture)")
        merges_true = kinetics.merge_events(sim_particles)
        ev = pd.read_csv(adir / "events.csv") if (adir / "events.csv").exists() else None
        n_merge = 0 if ev is None else int((ev["event"] == "merge").sum())
        if merges_true and n_merge == 0:
            why.append(f"the KMC merges {len(merges_true)} pair(s) but the analysis records no "
                       "merge event, so there is no contact to test the motion against "
                       "(limiting stage: analyse, tracking)")
    tf, bf = truth_result.fit, blind_result.fit
    if tf is not None and tf.growth_detected and (bf is None or not bf.growth_detected):
        if bf is None:
            why.append("the neck-growth fit of the measured curve failed ("
                       + "; ".join(blind_result.notes[:1]) + ") (limiting stage: analyse, "
                       "neck measurement)")
        else:
            x = bf.x_over_a
            why.append(f"the measured neck does not grow (x/a {float(np.min(x)):.2f}-"
                       f"{float(np.max(x)):.2f}, best model {bf.best}) while the true one "
                       f"grows (x/a {float(np.min(tf.x_over_a)):.2f}-"
                       f"{float(np.max(tf.x_over_a)):.2f}) (limiting stage: analyse, neck "
                       "measurement)")
    if len(why) == 1:
        why.append("the blind evidence rows differ from the truth rows (compare "
                   "analysis/fit.json with the truth verdict in mechanism.json); "
                   + "; ".join(blind_verdict.reasons[:2]))
    notes.append(why[0] + " " + "; ".join(why[1:]) + ".")
    return notes


def _stage_report(out: Path, args: argparse.Namespace, state: dict) -> str:
    from nanosinter.report import write_report

    path = write_report(state["analysis"], out / "report.html", movie=state["movie"],
                        sim_dir=out / "simulation", truth_csv=state["truth_csv"],
                        beam_energy_keV=300.0,
                        dose_rate_e_per_A2_s=DEMO_DOSE_RATE_E_PER_A2_S,
                        title=f"nanosinter demo: {DEMO_PRESETS[_preset_name(args)]['title']}",
                        seed=args.seed, notes=state.get("notes", ()))
    return str(path)

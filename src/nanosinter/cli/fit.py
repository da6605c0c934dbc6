"""``nanosinter fit DIMER.csv``: neck-growth laws, mechanism verdict and surface diffusivity."""

from __future__ import annotations

import argparse
from pathlib import Path

description = (
    "fit neck-growth laws to a dimer table (dimer.csv or observables.csv), weigh the mechanism "
    "evidence, give a verdict and the effective surface diffusivity D_s"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dimer", type=Path, metavar="DIMER.csv",
                        help="dimer table from 'nanosinter analyze' or a simulation's "
                             "observables.csv")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--plot", type=Path, metavar="PNG",
                        help="write the neck-growth figure (fits on log-log and linear axes)")
    parser.add_argument("--curves", type=Path, metavar="PNG",
                        help="write the Fig. 3f,g-style panel (1/R, r1, r2, r against time)")
    parser.add_argument("--truth", type=Path, metavar="CSV",
                        help="ground-truth dimer table overlaid on --curves")
    parser.add_argument("--particles", type=Path, metavar="CSV",
                        help="per-particle tracks (particles.csv) for the centre-motion test")
    parser.add_argument("--criterion", choices=("bic", "aic"), default="bic",
                        help="model-choice criterion (default bic)")
    parser.add_argument("--bootstrap", type=int, default=500, metavar="N",
                        help="bootstrap resamples for the intervals (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument("--contact-time-s", type=float, default=None,
                        help="known contact time (default: midpoint of the frames around "
                             "first contact)")
    parser.add_argument("--time-offset-s", type=float, default=0.0,
                        help="shift added to the contact time (default 0)")
    parser.add_argument("--temperature-K", type=float, default=300.0,
                        help="temperature for D_s (default 300 K, room temperature)")
    parser.add_argument("--surface-energy-J-per-m2", type=float, default=0.5,
                        help="surface energy for D_s (default 0.5 J/m^2, assumed)")
    parser.add_argument("--dose-rate-e-per-A2-s", type=float, default=None,
                        help="electron flux; when given, the knock-on beam budget is computed")
    parser.add_argument("--beam-energy-keV", type=float, default=300.0,
                        help="beam energy for the budget (default 300)")
    parser.add_argument("--elements", default="Cd,S",
                        help="surface elements for the budget, comma separated (default Cd,S)")
    parser.add_argument("--binding-dataset", choices=("tang2023", "crc", "srim"),
                        default="tang2023",
                        help="surface binding energies for the budget (default tang2023)")


def run(args: argparse.Namespace) -> int:
    from nanosinter import kinetics
    from nanosinter._json import dumps
    from nanosinter._provenance import provenance

    table = kinetics.read_dimer_table(args.dimer)
    particles = None if args.particles is None else kinetics.read_particles_table(args.particles)
    elements = tuple(e.strip() for e in args.elements.split(",") if e.strip())
    result = kinetics.analyze_kinetics(
        table,
        particles=particles,
        contact_time_s=args.contact_time_s,
        time_offset_s=args.time_offset_s,
        criterion=args.criterion,
        n_boot=args.bootstrap,
        rng=args.seed,
        temperature_K=args.temperature_K,
        surface_energy_J_per_m2=args.surface_energy_J_per_m2,
        dose_rate_e_per_A2_s=args.dose_rate_e_per_A2_s,
        beam_energy_keV=args.beam_energy_keV,
        elements=elements,
        surface_binding_dataset=args.binding_dataset,
    )
    if args.plot is not None and result.fit is not None:
        kinetics.plot_neck_growth(result.fit, path=args.plot)
    if args.curves is not None:
        truth = None if args.truth is None else kinetics.read_dimer_table(args.truth)
        kinetics.plot_dimer_curves(table, truth=truth, path=args.curves)
    if args.json:
        out = result.as_dict()
        inputs = {"dimer": args.dimer}
        if args.particles is not None:
            inputs["particles"] = args.particles
        out["provenance"] = provenance(
            inputs, **{k: v for k, v in vars(args).items()
                       if k not in ("dimer", "particles", "json", "traceback", "command")})
        print(dumps(out, indent=2))
    else:
        print(format_result(result))
    return 0


def format_result(result) -> str:
    """Plain-text summary of a :class:`nanosinter.kinetics.KineticsResult`."""
    v = result.verdict
    lines = [f"verdict: {v.label} (confidence {v.confidence:.2f}, {v.level})"]
    lines += [f"  - {r}" for r in v.reasons]
    fit = result.fit
    if fit is not None:
        lines.append(
            f"neck growth: {fit.time_s.size} points after contact at "
            f"{fit.contact_time_s:.4g} s, a = {fit.particle_radius_nm:.3g} nm; best model "
            f"{fit.best} by {fit.criterion.upper()}; "
            + ("time offset t0 fitted (finite initial neck)" if fit.time_offset_fitted
               else "growth anchored at contact (no time offset)")
        )
        lines.append(f"  {'model':34s} {'k':>2s} {'AIC w':>6s} {'BIC w':>6s}  parameters")
        for m in fit.models:
            par = ", ".join(
                f"{k} {val:.4g} [{lo:.3g}, {hi:.3g}]"
                for k, val in m.params.items() if k in ("B", "n", "exponent", "A", "tau_s",
                                                        "rate_per_s", "x_over_a", "t0_s",
                                                        "x0_over_a")
                and not (k == "n" and m.key not in ("power_law",))
                and not (k in ("t0_s", "x0_over_a") and not fit.time_offset_fitted)
                for lo, hi in [m.intervals.get(k, (float("nan"), float("nan")))]
            )
            lines.append(f"  {m.label:34s} {m.n_params:2d} {m.aic_weight:6.3f} "
                         f"{m.bic_weight:6.3f}  {par}")
        for note in fit.notes:
            lines.append(f"  note: {note}")
    if result.diffusivity is not None:
        d = result.diffusivity
        lo, hi = d.interval_nm2_per_s
        lines.append(
            f"effective D_s = {d.D_s_m2_per_s:.3g} m^2/s [{lo * 1e-18:.3g}, {hi * 1e-18:.3g}] "
            f"(Kuczynski, gamma {d.surface_energy_J_per_m2} J/m^2, T {d.temperature_K} K)"
        )
    lines.append("evidence:")
    for e in result.evidence:
        lines.append(f"  {e.key:15s} {e.outcome:15s} {e.finding}")
    if result.budget is not None:
        lines.append(f"beam budget: {result.budget.answer}")
        for el in result.budget.elements:
            lines.append(
                f"  {el.symbol:2s} hop threshold {el.hop_threshold_eV:.3g} eV: "
                f"{el.hops_supplied:.3g} hops supplied vs {result.budget.hops_needed:.3g} "
                f"needed (x{el.ratio:.3g}); break-even threshold "
                f"{el.break_even_threshold_eV:.3g} eV"
            )
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)

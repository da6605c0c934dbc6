"""``nanosinter simulate``: atomistic KMC of sintering nanocrystals under the beam."""

from __future__ import annotations

import argparse
from pathlib import Path

description = ("atomistic kinetic Monte Carlo of nanocrystals sintering under the electron beam; "
               "writes observables.csv, summary.json, snapshots/ and config.toml into --out")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", nargs="?", type=Path, default=None,
                        help="TOML configuration (sections as in config.toml of a run)")
    parser.add_argument("--preset", default=None,
                        help="named configuration: tang2023-dimer (default), tang2023-demo, "
                        "migration, tang2023-anneal (sublimation at 553 K) or ostwald-8-15nm; "
                        "a CONFIG file is applied on top of it")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--max-events", type=int, default=None, help="stop after N events")
    parser.add_argument("--until-s", type=float, default=None, help="simulated time to reach (s)")
    parser.add_argument("--every-s", type=float, default=None,
                        help="observation interval in simulated seconds")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="override one config value (TOML value; repeatable), e.g. "
                        "--set carbon.enabled=true --set beam.dose_rate_e_per_A2_s=50")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out from its last checkpoint")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args: argparse.Namespace) -> int:
    from nanosinter._json import dumps
    from nanosinter.kmc import SUMMARY_KEYS, load_config, merge_config, parse_override, preset
    from nanosinter.kmc import run as run_kmc

    cfg = None
    if not args.resume:
        cfg = preset(args.preset or "tang2023-dimer")
        if args.config is not None:
            cfg = merge_config(cfg, load_config(args.config), where=str(args.config))
        for item in args.set:
            cfg = merge_config(cfg, parse_override(item), where=f"--set {item}")
    elif args.set:
        from nanosinter.errors import ConfigError

        raise ConfigError("--set cannot change a run that is resumed (its config.toml is fixed)")
    summary = run_kmc(cfg, args.out, seed=args.seed, max_events=args.max_events,
                      until_s=args.until_s, every_s=args.every_s, resume=args.resume)
    if args.json:
        print(dumps({k: summary[k] for k in SUMMARY_KEYS}))
    else:
        print(f"{summary['events']} events, {summary['simulated_time_s']:.4g} s simulated in "
              f"{summary['wall_s']:.1f} s wall ({summary['events_per_s']:.3g} events/s); "
              f"atoms {summary['n_atoms_initial']} -> {summary['n_atoms_final']}; "
              f"outputs in {args.out}")
    return 0

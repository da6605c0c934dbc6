"""Speed and memory of the KMC engine on the tang2023 presets (run by hand, not a test).

Measures the steady-state event rate of ``Simulation.advance`` (build, compilation and I/O
excluded: the engine is warmed up and advanced past the initial transient first), the null-hop
fraction, and the bytes per usable lattice site held by the engine's arrays.

Usage::

    .venv/bin/python benchmarks/bench_kmc.py [--preset tang2023-dimer] [--events 2e7]
        [--warmup 3e6] [--repeats 3] [--set migration.enabled=false]

``--set SECTION.KEY=VALUE`` (TOML value, repeatable) overrides the preset, e.g. to measure
the cost of migration or of the carbon shell on the same configuration.

The figures depend on the machine and on what else runs on it; quote them with both. On a shared
machine the events per CPU-second (``time.process_time``) are the single-core figure; the wall
rate is lower by the share of the core the process got.
"""

from __future__ import annotations

import argparse
import math
import platform
import time

import numpy as np

from nanosinter.kmc import Simulation, merge_config, parse_override, preset


def bench(name: str, events: int, warmup: int, repeats: int, seed: int,
          overrides: list[str] | None = None) -> dict:
    cfg = preset(name)
    for item in overrides or []:
        cfg = merge_config(cfg, parse_override(item), where=f"--set {item}")
    t0 = time.perf_counter()
    sim = Simulation(cfg, seed=seed)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim.advance(max_events=warmup, t_stop=math.inf)
    warm_s = time.perf_counter() - t0
    rates, cpu_rates, nulls = [], [], []
    for _ in range(repeats):
        e0, n0 = sim.events, sim.null_events
        t0, c0 = time.perf_counter(), time.process_time()
        sim.advance(max_events=sim.events + events, t_stop=math.inf)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        rates.append((sim.events - e0) / dt)
        cpu_rates.append((sim.events - e0) / dc)
        nulls.append((sim.null_events - n0) / max(1, sim.null_events - n0 + sim.events - e0))
    t0 = time.perf_counter()
    sim.observables()
    obs_s = time.perf_counter() - t0
    return {
        "preset": name, "atoms": sim.n_atoms, "sites": sim.n_lattice_sites,
        "bytes_per_site": sim.memory_bytes() / sim.n_lattice_sites,
        "build_s": build_s, "warmup_s": warm_s, "events_per_s": rates,
        "events_per_cpu_s": cpu_rates,
        "null_fraction": float(np.mean(nulls)), "observe_s": obs_s,
        "simulated_time_s": sim.time_s,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", action="append", default=None,
                    help="preset(s) to measure (default: tang2023-dimer and tang2023-demo)")
    ap.add_argument("--events", type=float, default=2e7, help="events per timed repeat")
    ap.add_argument("--warmup", type=float, default=3e6, help="events before timing")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                    help="override a config value of every preset measured (TOML value)")
    args = ap.parse_args()
    names = args.preset or ["tang2023-dimer", "tang2023-demo"]
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          "one core (numba, no threads)")
    print(f"{'preset':16s} {'atoms':>8s} {'sites':>9s} {'B/site':>7s} {'build s':>8s} "
          f"{'events/s wall (repeats)':>32s} {'events/CPU-s':>12s} {'null frac':>9s} "
          f"{'observe s':>9s}")
    for name in names:
        r = bench(name, int(args.events), int(args.warmup), args.repeats, args.seed, args.set)
        rates = ", ".join(f"{x:.3g}" for x in r["events_per_s"])
        print(f"{name:16s} {r['atoms']:8d} {r['sites']:9d} {r['bytes_per_site']:7.1f} "
              f"{r['build_s']:8.2f} {np.median(r['events_per_s']):10.3g} ({rates}) "
              f"{np.median(r['events_per_cpu_s']):12.3g} {r['null_fraction']:9.2f} "
              f"{r['observe_s']:9.3f}")


if __name__ == "__main__":
    main()

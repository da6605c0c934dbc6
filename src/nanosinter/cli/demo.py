"""``nanosinter demo``: the whole study on the tang2023 dimer, stage by stage.

Stages present so far: the beam report (Eq. 1 / Figure 3h). Later stages (simulate, render,
analyse, fit, report) are added as they land.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

description = "run the study on the tang2023 dimer and write its outputs into --out"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    parser.add_argument("--seed", type=int, default=2023, help="random seed (default 2023)")


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    stages = [("beam", _stage_beam)]
    t_all = time.perf_counter()
    for i, (name, fn) in enumerate(stages, 1):
        t0 = time.perf_counter()
        print(f"[{i}/{len(stages)}] {name} ...", file=sys.stderr, flush=True)
        fn(out, args)
        print(f"[{i}/{len(stages)}] {name} done in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr, flush=True)
    print(f"demo finished in {time.perf_counter() - t_all:.1f} s; outputs in {out.resolve()}",
          file=sys.stderr)
    print(str(out.resolve()))
    return 0


def _stage_beam(out: Path, args: argparse.Namespace) -> None:
    from nanosinter.beam.report import write_beam_report

    write_beam_report(out / "beam", beam_energy_keV=300.0)

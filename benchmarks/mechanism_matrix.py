"""Mechanism matrix: the true mechanism of each KMC preset against the verdict of the kinetics.

Run by hand:  .venv/bin/python benchmarks/mechanism_matrix.py --root mm-out [--reuse]
              [--presets migration ostwald-8-15nm tang2023-anneal tang2023-dimer]
              [--seed 2023] [--markdown table.md]

For each preset, ``nanosinter demo --preset NAME --out ROOT/NAME --seed SEED`` runs the whole
study (KMC, rendered movie, blind analysis, fit, report; 1-3 min each on 2 cores) and writes
``ROOT/NAME/mechanism.json``: the true mechanism (the one the preset switches on), the verdict
of :func:`nanosinter.kinetics.analyze_kinetics` on the KMC ground truth (``observables.csv``
and, for migration, ``particles.csv`` with the bodies) and on the blind analysis of the movie
(``analysis/dimer.csv``, ``particles.csv``, ``events.csv``), and the notes that say why a
verdict misses. With ``--reuse`` an existing ``mechanism.json`` is read instead of re-running.
The script prints (and with ``--markdown`` writes) one markdown table row per preset.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

PRESETS = ("migration", "ostwald-8-15nm", "tang2023-anneal", "tang2023-dimer")


def run_preset(root: Path, name: str, seed: int, reuse: bool) -> dict:
    out = root / name
    summary = out / "mechanism.json"
    wall = None
    if not (reuse and summary.exists()):
        t0 = time.perf_counter()
        cmd = [sys.executable, "-c", "import sys; from nanosinter.cli.main import main; "
               "sys.exit(main())", "demo", "--preset", name, "--out", str(out),
               "--seed", str(seed)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
    res = json.loads(summary.read_text())
    res["wall_s"] = wall
    return res


def _cell(v: dict, true_key: str) -> str:
    mark = "✓" if v["mechanism"] == true_key else "✗"
    return f"{mark} {v['label']} ({v['confidence']:.2f})"


def markdown(rows: list[dict]) -> str:
    lines = ["| preset | true mechanism | verdict from KMC truth (p) | blind verdict from the "
             "movie (p) | why not |",
             "|---|---|---|---|---|"]
    for r in rows:
        t = r["true_mechanism"]
        why = " ".join(r.get("notes") or []) or "—"
        lines.append(f"| `{r['preset']}` | {t.replace('_', ' ')} | "
                     f"{_cell(r['truth_verdict'], t)} | {_cell(r['blind_verdict'], t)} | "
                     f"{why.replace('|', '/')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path("mechanism-matrix"))
    ap.add_argument("--presets", nargs="+", default=list(PRESETS), choices=PRESETS)
    ap.add_argument("--seed", type=int, default=2023)
    ap.add_argument("--reuse", action="store_true",
                    help="read ROOT/NAME/mechanism.json where it exists instead of re-running")
    ap.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    args = ap.parse_args(argv)
    rows = []
    for name in args.presets:
        r = run_preset(args.root, name, args.seed, args.reuse)
        took = "" if r["wall_s"] is None else f" ({r['wall_s']:.0f} s)"
        print(f"{name}: done{took}", file=sys.stderr)
        rows.append(r)
    table = markdown(rows)
    print(table)
    if args.markdown is not None:
        args.markdown.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

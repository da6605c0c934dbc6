"""Running a simulation into a folder: observables, snapshots, checkpoints, resume, summary.

The run is cut into chunks that end at observation times (multiples of ``every_s``), at
temperature-programme steps, and at checkpoints (multiples of ``checkpoint_every_events``). All
boundaries depend only on the configuration, so an uninterrupted run and a run killed and resumed
from its last checkpoint execute the same events and write the same observables.
"""

from __future__ import annotations

import csv
import io
import math
import sys
import time
from pathlib import Path
from typing import Any

from nanosinter._atomic import atomic_write_text
from nanosinter._json import dumps
from nanosinter._provenance import provenance
from nanosinter.errors import ConfigError, FileFormatError
from nanosinter.kmc import _engine as E
from nanosinter.kmc._config import (
    dumps_toml,
    load_toml,
    resolve,
)
from nanosinter.kmc._observe import OBS_COLUMNS, PARTICLE_COLUMNS
from nanosinter.kmc._sim import Simulation
from nanosinter.kmc.snapshots import write_index, write_snapshot

CHECKPOINT = "checkpoint.npz"
SUMMARY_KEYS = ("events", "simulated_time_s", "wall_s", "events_per_s", "n_atoms_initial",
                "n_atoms_final", "seed")


def _csv_text(rows: list[dict[str, Any]], columns: tuple[str, ...] = OBS_COLUMNS) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_fmt(r.get(c)) for c in columns])
    return buf.getvalue()


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    f = float(v)
    return "" if not math.isfinite(f) else repr(f)


def run(config: dict[str, Any] | str | Path, out_dir: str | Path, *, seed: int = 0,
        max_events: int | None = None, until_s: float | None = None,
        every_s: float | None = None, checkpoint_every_events: int | None = None,
        resume: bool = False, progress: bool | None = None) -> dict[str, Any]:
    """Run a KMC simulation and write ``observables.csv``, ``summary.json``, ``snapshots/``,
    ``config.toml`` and ``checkpoint.npz`` into *out_dir*; with ``[migration]`` on also
    ``particles.csv`` (each initial particle's rigid-body track, ``PARTICLE_COLUMNS``).

    Parameters
    ----------
    config : dict or path
        A configuration mapping (e.g. from :func:`nanosinter.kmc.preset`) or a TOML file.
    out_dir : path
        Output folder (created).
    seed : int, keyword-only
        Random seed; the same config and seed give identical output.
    max_events, until_s, every_s, checkpoint_every_events : keyword-only
        Override ``run.max_events`` (0 = no limit), ``run.until_s``, ``run.every_s`` and
        ``run.checkpoint_every_events``.
    resume : bool, keyword-only
        Continue from ``out_dir/checkpoint.npz`` (the configuration saved there is used).
    progress : bool, keyword-only
        Show a tqdm bar; default: only when stderr is a terminal.

    Returns
    -------
    dict
        The summary (also written to ``summary.json``): events, simulated_time_s, wall_s,
        events_per_s, n_atoms_initial, n_atoms_final, seed, plus final observables.

    Raises
    ------
    ConfigError
        Invalid configuration; nothing is written.
    FileFormatError
        ``resume`` without a readable checkpoint.
    """
    out = Path(out_dir)
    if resume:
        ck = out / CHECKPOINT
        if not ck.is_file():
            raise FileFormatError(f"{out}: no {CHECKPOINT} to resume from")
        cfg = resolve(load_toml(out / "config.toml"))
    else:
        raw = load_toml(config) if isinstance(config, str | Path) else config
        cfg = resolve(raw)
    overrides = {"max_events": max_events, "until_s": until_s, "every_s": every_s,
                 "checkpoint_every_events": checkpoint_every_events}
    for key, val in overrides.items():
        if val is not None:
            cfg["run"][key] = val
    cfg = resolve(cfg)  # validate overrides too, before anything is written
    r = cfg["run"]

    sim = Simulation(cfg, seed=seed)
    rows: list[dict[str, Any]] = []
    particles: list[dict[str, Any]] = []
    snaps: list[tuple[int, float, int, str]] = []
    if resume:
        extra = sim.load_checkpoint(out / CHECKPOINT)
        rows, snaps = extra["rows"], [tuple(s) for s in extra["snaps"]]
        particles = extra.get("particles", [])
        seed = extra["seed"]
        if extra["seed"] != sim.seed:
            sim.seed = extra["seed"]
        n0 = extra["n_atoms_initial"]
        if any(v is not None for v in overrides.values()):
            # e.g. a finished run continued to a later --until-s: keep config.toml re-runnable
            atomic_write_text(out / "config.toml", dumps_toml(cfg))
    else:
        n0 = sim.n_atoms_initial
        out.mkdir(parents=True, exist_ok=True)
        (out / "snapshots").mkdir(exist_ok=True)
        atomic_write_text(out / "config.toml", dumps_toml(cfg))
    snapdir = out / "snapshots"

    def observe() -> None:
        row = sim.observables()
        parts = row.pop("particles", None)
        rows.append(row)
        if parts is not None:
            particles.extend(parts)
            atomic_write_text(out / "particles.csv", _csv_text(particles, PARTICLE_COLUMNS))
        if r["snapshot_every"] > 0 and (len(rows) - 1) % r["snapshot_every"] == 0:
            name = f"snap_{len(snaps):06d}.npz"
            write_snapshot(snapdir / name, sim.snapshot())
            snaps.append((len(snaps), sim.time_s, sim.events, name))
            write_index(snapdir, snaps)
        atomic_write_text(out / "observables.csv", _csv_text(rows))

    def checkpoint() -> None:
        extra = {"rows": rows, "snaps": snaps, "seed": seed, "n_atoms_initial": n0}
        if sim.migration is not None:
            extra["particles"] = particles
        sim.save_checkpoint(out / CHECKPOINT, extra)

    if not rows:
        observe()
        checkpoint()
    every, until = float(r["every_s"]), float(r["until_s"])
    max_ev = int(r["max_events"]) or (1 << 62)
    ck_every = int(r["checkpoint_every_events"])
    bar = _progress(until, progress)
    t_wall = time.perf_counter()
    ev_start = sim.events
    while True:
        next_obs = (math.floor(sim.time_s / every + 1e-9) + 1) * every
        t_stop = min(next_obs, until)
        next_ck = (sim.events // ck_every + 1) * ck_every
        stop = sim.advance(max_events=min(next_ck, max_ev), t_stop=t_stop)
        if bar is not None:
            bar.update(sim.time_s - bar.n)
        done = False
        if stop == E.STOP_TIME:
            at_obs = math.isclose(sim.time_s, next_obs, rel_tol=0, abs_tol=1e-12 * every) or \
                sim.time_s >= until
            if at_obs:
                observe()
            done = sim.time_s >= until
        elif stop == E.STOP_FROZEN:
            observe()
            done = True
        elif sim.events >= max_ev:
            observe()
            done = True
        if sim.events % ck_every == 0 or done:
            checkpoint()
        if done:
            break
    if bar is not None:
        bar.close()
    wall = time.perf_counter() - t_wall
    summary = {
        "events": sim.events,
        "simulated_time_s": sim.time_s,
        "wall_s": wall,
        "events_per_s": (sim.events - ev_start) / wall if wall > 0 else math.nan,
        "n_atoms_initial": n0,
        "n_atoms_final": sim.n_atoms,
        "seed": seed,
        "final": rows[-1],
        "memory_bytes_per_site": sim.memory_bytes() / sim.n_lattice_sites,
        "provenance": provenance(seed=seed, config=cfg),
    }
    atomic_write_text(out / "summary.json", dumps(summary, indent=2) + "\n")
    return summary


def _progress(until: float, progress: bool | None) -> Any:
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=until, unit="s", desc="simulated", leave=False,
                bar_format="{l_bar}{bar}| {n:.1f}/{total:.0f} s [{elapsed}<{remaining}]")


def check_config(config: dict[str, Any] | str | Path) -> dict[str, Any]:
    """Resolve and validate a configuration without running (ConfigError naming the key)."""
    raw = load_toml(config) if isinstance(config, str | Path) else config
    if not isinstance(raw, dict):
        raise ConfigError("configuration must be a table of sections")
    return resolve(raw)

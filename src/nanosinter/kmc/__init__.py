"""Atomistic kinetic Monte Carlo of nanocrystal sintering under the electron beam.

A zinc-blende CdSe/CdS lattice on a support, bond-counting thermal hops, beam-induced hops and
sputtering with rates from :mod:`nanosinter.beam`, rejection-free selection over rate classes in
numba. See docs/kmc.md.

- :func:`preset`, :func:`resolve_config`, :func:`load_config` -- configurations.
- :class:`Simulation` -- the state and the engine (``advance``, ``observables``, ``snapshot``).
- :func:`run` -- a run into a folder (observables.csv, summary.json, snapshots/, config.toml),
  with checkpoints and resume; the ``nanosinter simulate`` command.
- :func:`plot_observables` -- r, 1/R, r1, r2 against time (Tang et al. 2023, Figure 3f,g).
- :func:`plot_particle_tracks` -- particle tracks, MSD before contact and merges (migration runs).
"""

from nanosinter.kmc._config import DEFAULTS, PRESETS, dumps_toml, parse_override, preset
from nanosinter.kmc._config import load_toml as load_config
from nanosinter.kmc._config import merge as merge_config
from nanosinter.kmc._config import resolve as resolve_config
from nanosinter.kmc._observe import (
    OBS_COLUMNS,
    PARTICLE_COLUMNS,
    dimer_observables,
    fit_sphere,
    mixing_index,
)
from nanosinter.kmc._plot import plot_observables, plot_particle_tracks
from nanosinter.kmc._run import SUMMARY_KEYS, check_config, run
from nanosinter.kmc._sim import Simulation, build_occupancy
from nanosinter.kmc.snapshots import Snapshot, iter_snapshots, read_index, read_snapshot

__all__ = [
    "DEFAULTS",
    "OBS_COLUMNS",
    "PARTICLE_COLUMNS",
    "PRESETS",
    "SUMMARY_KEYS",
    "Simulation",
    "Snapshot",
    "build_occupancy",
    "check_config",
    "dimer_observables",
    "dumps_toml",
    "fit_sphere",
    "iter_snapshots",
    "load_config",
    "merge_config",
    "mixing_index",
    "parse_override",
    "plot_observables",
    "plot_particle_tracks",
    "preset",
    "read_index",
    "read_snapshot",
    "resolve_config",
    "run",
]

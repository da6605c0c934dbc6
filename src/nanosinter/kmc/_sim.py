"""The simulation state: building the particles, advancing the engine, checkpoints.

:class:`Simulation` owns the NumPy arrays the numba engine works on. Everything that decides the
trajectory (site occupancy, class lists, rate sums, random state, clock, counters) is in those
arrays, so a checkpoint of them resumes bit for bit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nanosinter._atomic import atomic_path
from nanosinter.errors import ConfigError, FileFormatError
from nanosinter.kmc import _engine as E
from nanosinter.kmc._config import resolve, temperature_at
from nanosinter.kmc._lattice import SPECIES, Grid, empty_grid, grid_for_box, support_mask
from nanosinter.kmc._observe import dimer_observables
from nanosinter.kmc._rates import beam_rates, thermal_rates
from nanosinter.kmc.snapshots import Snapshot


def build_occupancy(cfg: dict[str, dict[str, Any]]) -> tuple[Grid, np.ndarray]:
    """Grid and initial occupancy (species codes) of the configured particles.

    Cation sites inside a sphere hold Cd; anion sites hold ``core_species`` within the core
    radius and ``shell_species`` outside. Sites below the support (z < 0) are walls.
    """
    g = cfg["geometry"]
    grid = grid_for_box(tuple(g["box_nm"]), g["lattice_constant_nm"])
    occ = empty_grid(grid)
    idx = np.flatnonzero(occ == 0)
    pos = grid.positions_nm(idx)
    is_anion = idx >= grid.n_cells
    code = {s: i + 1 for i, s in enumerate(SPECIES)}
    for c, r, rc in zip(g["centers_nm"], g["radii_nm"], g["core_radii_nm"], strict=True):
        d2 = ((pos - np.asarray(c)) ** 2).sum(axis=1)
        inside = d2 <= r * r
        core = d2 <= rc * rc
        sp = np.where(is_anion, np.where(core, code[g["core_species"]],
                                         code[g["shell_species"]]), code["Cd"])
        occ[idx[inside]] = sp[inside]
    return grid, occ


def adhesion_sites(cfg: dict[str, dict[str, Any]], grid: Grid) -> np.ndarray:
    """uint8 flag per site: 1 where an atom gains the adhesion energy.

    Two kinds of site: the bottom cation layer touching the support (``support.enabled``), and
    the carbon/ligand bridge between particles (``bridge.enabled``): sites outside the particles
    whose distances d_i, d_j to the surfaces of two particles satisfy d_i + d_j <= 2 t
    (t = ``bridge.shell_nm``), i.e. the gap region spanned by their carbon shells where the shells
    of thickness t meet. It exists only between particles closer than 2 t. Tang et al. (2023) see a carbon shell on the particles from the start of
    irradiation and sintering only across gaps of 1-2 nm; the bridge is how this model lets
    surface atoms cross such a gap (docs/kmc.md).

    References
    ----------
    .. [1] L. Tang et al., Nanomaterials 13, 3082 (2023). doi:10.3390/nano13243082
    """
    flag = np.zeros(grid.n_entries, np.uint8)
    if cfg["support"]["enabled"]:
        flag[support_mask(grid)] = 1
    br = cfg["bridge"]
    g = cfg["geometry"]
    if br["enabled"] and len(g["radii_nm"]) > 1:
        occ = empty_grid(grid)
        idx = np.flatnonzero(occ == 0)
        pos = grid.positions_nm(idx)
        shell = float(br["shell_nm"])
        dist = [np.sqrt(((pos - np.asarray(c)) ** 2).sum(axis=1)) - r
                for c, r in zip(g["centers_nm"], g["radii_nm"], strict=True)]
        bridge = np.zeros(idx.size, dtype=bool)
        for i in range(len(dist)):
            for j in range(i):
                bridge |= (dist[i] > 0) & (dist[j] > 0) & (dist[i] + dist[j] <= 2 * shell)
        flag[idx[bridge]] = 1
    return flag


@dataclass
class _State:
    occ: np.ndarray
    n1: np.ndarray
    n2: np.ndarray
    vc: np.ndarray
    cls: np.ndarray
    slot: np.ndarray
    pool: np.ndarray
    cstart: np.ndarray
    ccap: np.ndarray
    ccount: np.ndarray
    bsum: np.ndarray
    fs: np.ndarray
    ci: np.ndarray
    rng: np.ndarray


class Simulation:
    """A KMC run of the configured particles.

    Parameters
    ----------
    config : dict
        Configuration (validated with :func:`nanosinter.kmc.resolve_config`).
    seed : int, keyword-only
        Seed of the random stream.

    Attributes
    ----------
    time_s, events, n_atoms : float, int, int
        Clock, executed events, current atom count.
    """

    def __init__(self, config: dict[str, dict[str, Any]], *, seed: int = 0) -> None:
        self.config = resolve(config)
        self.seed = int(seed)
        self.grid, occ = build_occupancy(self.config)
        self.sup = adhesion_sites(self.config, self.grid)
        self.offsets = self.grid.offsets()
        self.n_atoms_initial = int(((occ != 0) & (occ != 255)).sum())
        if self.n_atoms_initial == 0:
            raise ConfigError("geometry: the particles contain no lattice sites")
        en = self.config["energy"]
        self.beam = beam_rates(**self.config["beam"], bond_nn_eV=en["bond_nn_eV"],
                               bond_nnn_eV=en["bond_nnn_eV"])
        self.temperature_K = temperature_at(self.config, 0.0)
        self._init_state(occ, E.seed_state(self.seed))
        self.crate = self._class_rates(self.temperature_K)
        s = self.s
        E.build_classes(s.occ, s.n1, s.n2, s.vc, s.cls, s.slot, s.pool, s.cstart, s.ccap,
                        s.ccount, self.crate, s.bsum, s.fs, s.ci, *self._geom())

    # -- set-up -------------------------------------------------------------------------------
    def _init_state(self, occ: np.ndarray, rng: np.ndarray) -> None:
        n = occ.size
        n1 = np.zeros(n, np.uint8)
        n2 = np.zeros(n, np.uint8)
        vc = np.zeros(n, np.uint8)
        nn_c, nn_a, nnn = self.offsets
        E.compute_counts(occ, nn_c, nn_a, nnn, *self._geom(), n1, n2, vc)
        pool_size = 4 * self.n_atoms_initial + 8 * E.N_CLASSES
        ci = np.zeros(6, np.int64)
        ci[E.C_ATOMS] = self.n_atoms_initial
        self.s = _State(
            occ=occ, n1=n1, n2=n2, vc=vc,
            cls=np.full(n, -1, np.int16), slot=np.zeros(n, np.int32),
            pool=np.zeros(pool_size, np.int32), cstart=np.zeros(E.N_CLASSES, np.int64),
            ccap=np.zeros(E.N_CLASSES, np.int64), ccount=np.zeros(E.N_CLASSES, np.int64),
            bsum=np.zeros(E.N_BLOCKS), fs=np.zeros(2), ci=ci, rng=rng,
        )
        self._dirty = np.zeros(n, np.uint8)
        self._dlist = np.zeros(4096, np.int64)

    def _geom(self) -> tuple[int, np.ndarray]:
        return self.grid.n_cells, self.sup

    def _thermal(self, temperature_K: float) -> np.ndarray:
        en = self.config["energy"]
        sup = self.config["support"]
        return thermal_rates(
            temperature_K=temperature_K, bond_nn_eV=en["bond_nn_eV"],
            bond_nnn_eV=en["bond_nnn_eV"], saddle_eV=en["saddle_eV"],
            adhesion_eV=sup["adhesion_eV"],
            attempt_frequency_Hz=en["attempt_frequency_Hz"])

    def _class_rates(self, temperature_K: float) -> np.ndarray:
        self._k_th = self._thermal(temperature_K)
        kb = self.beam.hop_per_s
        ks = self.beam.sputter_per_s
        out = np.zeros(E.N_CLASSES)
        for sp in range(E.N_SPECIES):
            for a in range(5):
                for b in range(13):
                    for sup in range(2):
                        for m in range(1, 13):
                            c = (((sp * 5 + a) * 13 + b) * 2 + sup) * 13 + m
                            out[c] = m * self._k_th[a, b, sup] + kb[sp, a, b] + ks[sp, a, b]
        return out

    # -- properties ---------------------------------------------------------------------------
    @property
    def time_s(self) -> float:
        return float(self.s.fs[E.F_TIME])

    @property
    def events(self) -> int:
        return int(self.s.ci[E.C_EVENTS])

    @property
    def n_atoms(self) -> int:
        return int(self.s.ci[E.C_ATOMS])

    @property
    def counts(self) -> dict[str, int]:
        ci = self.s.ci
        return {"n_thermal": int(ci[E.C_THERMAL]), "n_beam": int(ci[E.C_BEAM]),
                "n_sputter": int(ci[E.C_SPUTTER])}

    @property
    def total_rate_per_s(self) -> float:
        return float(self.s.fs[E.F_TOTAL])

    # -- running ------------------------------------------------------------------------------
    def set_temperature(self, temperature_K: float) -> None:
        """Change the temperature (rates and sums recomputed exactly)."""
        if temperature_K == self.temperature_K:
            return
        self.temperature_K = float(temperature_K)
        self.crate = self._class_rates(self.temperature_K)
        E.resum(self.crate, self.s.ccount, self.s.bsum, self.s.fs)

    def advance(self, *, max_events: int, t_stop: float) -> int:
        """Run until ``events == max_events`` or the clock would pass *t_stop*.

        Returns the engine's stop reason (``STOP_EVENTS``, ``STOP_TIME``, ``STOP_FROZEN``).
        """
        s = self.s
        nn_c, nn_a, nnn = self.offsets
        return int(E.run_loop(
            s.occ, s.n1, s.n2, s.vc, s.cls, s.slot, s.pool, s.cstart, s.ccap, s.ccount,
            self.crate, s.bsum, s.fs, s.ci, s.rng, nn_c, nn_a, nnn, *self._geom(),
            self._k_th, self._beam_engine_table(), self._dirty, self._dlist,
            np.int64(max_events), float(t_stop)))

    def _beam_engine_table(self) -> np.ndarray:
        # run_loop splits an atom's rate into thermal / beam hop / sputter with the beam-hop
        # rate per (species, n1 * 13 + n2)
        return self.beam.hop_per_s.reshape(E.N_SPECIES, 65)

    # -- observing ----------------------------------------------------------------------------
    def observables(self) -> dict[str, float]:
        """One row of ``observables.csv`` for the current state."""
        g = self.config["geometry"]
        row: dict[str, Any] = {"time_s": self.time_s, "events": self.events,
                               "n_atoms": self.n_atoms}
        row.update(dimer_observables(
            occ=self.s.occ, n1=self.s.n1, n2=self.s.n2, grid=self.grid, offsets=self.offsets,
            centers_nm=np.asarray(g["centers_nm"]), truncation_nm=g["truncation_nm"]))
        row.update(self.counts)
        row["temperature_K"] = self.temperature_K
        return row

    def atoms(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions (N, 3) in nm and species indices (N,) into ``SPECIES`` of all atoms."""
        occ = self.s.occ
        idx = np.flatnonzero((occ != 0) & (occ != 255))
        return self.grid.positions_nm(idx), (occ[idx] - 1).astype(np.uint8)

    def snapshot(self) -> Snapshot:
        pos, sp = self.atoms()
        return Snapshot(positions_nm=pos.astype(np.float32), species=sp, species_names=SPECIES,
                        time_s=self.time_s, events=self.events, box_nm=self.grid.box_nm)

    def memory_bytes(self) -> int:
        """Bytes held by the engine's arrays."""
        s = self.s
        arrays = [getattr(s, f) for f in s.__dataclass_fields__]
        arrays += [self._dirty, self._dlist, self.crate]
        return int(sum(a.nbytes for a in arrays))

    @property
    def n_lattice_sites(self) -> int:
        """Number of usable lattice sites in the box."""
        return int((self.s.occ != 255).sum())

    # -- checkpoints --------------------------------------------------------------------------
    _SAVED = ("occ", "pool", "cstart", "ccap", "ccount", "bsum", "fs", "ci", "rng")

    def save_checkpoint(self, path: str | Path, extra: dict[str, Any]) -> None:
        """Write the full engine state plus *extra* (JSON-able) atomically."""
        buf = {k: getattr(self.s, k) for k in self._SAVED}
        buf["temperature_K"] = np.float64(self.temperature_K)
        buf["extra_json"] = np.array(json.dumps(extra))
        with atomic_path(path, suffix=".npz") as tmp:
            np.savez_compressed(tmp, **buf)

    def load_checkpoint(self, path: str | Path) -> dict[str, Any]:
        """Restore the state saved by :meth:`save_checkpoint`; returns its *extra*."""
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except (OSError, ValueError) as exc:
            raise FileFormatError(f"{path}: unreadable checkpoint ({exc})") from None
        if data["occ"].shape != self.s.occ.shape:
            raise FileFormatError(f"{path}: checkpoint does not match this configuration")
        s = self.s
        for k in self._SAVED:
            getattr(s, k)[...] = data[k]
        nn_c, nn_a, nnn = self.offsets
        E.compute_counts(s.occ, nn_c, nn_a, nnn, *self._geom(), s.n1, s.n2, s.vc)
        s.cls[...] = -1
        for c in np.flatnonzero(s.ccount):
            members = s.pool[s.cstart[c]: s.cstart[c] + s.ccount[c]]
            s.cls[members] = c
            s.slot[members] = np.arange(s.ccount[c], dtype=np.int32)
        self.temperature_K = float(data["temperature_K"])
        self.crate = self._class_rates(self.temperature_K)
        return json.loads(str(data["extra_json"]))


"""Snapshots of a KMC run: occupied sites with their species, compressed, one file per time.

Layout of a simulation folder ``SIMDIR`` (the contract between :mod:`nanosinter.kmc` and
:mod:`nanosinter.imaging`)::

    SIMDIR/snapshots/index.csv          index,time_s,events,file
    SIMDIR/snapshots/snap_000000.npz    one compressed snapshot

Coordinates: ``x`` along the line joining the first two particle centres, ``y`` in the support
plane, ``z`` along the support normal, which is also the electron-beam direction (particles
sit on a support film perpendicular to the beam). The support surface is ``z = 0``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nanosinter._atomic import atomic_open, atomic_path
from nanosinter.errors import FileFormatError

INDEX_COLUMNS = ("index", "time_s", "events", "file")


@dataclass(frozen=True)
class Snapshot:
    """Occupied sites at one instant.

    Attributes
    ----------
    positions_nm : ndarray, shape (N, 3), float32
        Atom positions in nm (x, y, z; z along the beam, support at z = 0).
    species : ndarray, shape (N,), uint8
        Index into ``species_names`` for each atom.
    species_names : tuple of str
        Element symbols, e.g. ``("Cd", "Se", "S")``.
    time_s : float
        Simulated time.
    events : int
        Number of KMC events executed so far.
    box_nm : ndarray, shape (3,)
        Size of the simulation box in nm.
    carbon_shell_nm : float or None
        Thickness of the simulated carbon shell (``[carbon]`` on), else None; the renderer
        draws its rim with this thickness when present.
    """

    positions_nm: np.ndarray
    species: np.ndarray
    species_names: tuple[str, ...]
    time_s: float
    events: int
    box_nm: np.ndarray = field(default_factory=lambda: np.zeros(3))
    carbon_shell_nm: float | None = None

    @property
    def n_atoms(self) -> int:
        return int(self.positions_nm.shape[0])


def write_snapshot(path: str | Path, snap: Snapshot) -> None:
    """Write one snapshot atomically as a compressed ``.npz``."""
    extra = {} if snap.carbon_shell_nm is None else \
        {"carbon_shell_nm": np.float64(snap.carbon_shell_nm)}
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(
            tmp,
            positions_nm=np.asarray(snap.positions_nm, dtype=np.float32),
            species=np.asarray(snap.species, dtype=np.uint8),
            species_names=np.asarray(snap.species_names, dtype="U4"),
            time_s=np.float64(snap.time_s),
            events=np.int64(snap.events),
            box_nm=np.asarray(snap.box_nm, dtype=np.float64),
            **extra,
        )


def read_snapshot(path: str | Path) -> Snapshot:
    """Read a snapshot written by :func:`write_snapshot`."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            return Snapshot(
                positions_nm=z["positions_nm"],
                species=z["species"],
                species_names=tuple(str(s) for s in z["species_names"]),
                time_s=float(z["time_s"]),
                events=int(z["events"]),
                box_nm=z["box_nm"],
                carbon_shell_nm=float(z["carbon_shell_nm"]) if "carbon_shell_nm" in z.files
                else None,
            )
    except (OSError, KeyError, ValueError) as exc:
        raise FileFormatError(f"{path}: not a nanosinter snapshot ({exc})") from None


def write_index(snapdir: str | Path, rows: list[tuple[int, float, int, str]]) -> None:
    """Write ``index.csv`` (atomically) listing ``(index, time_s, events, file)`` rows."""
    with atomic_open(Path(snapdir) / "index.csv", "w") as fh:
        w = csv.writer(fh)
        w.writerow(INDEX_COLUMNS)
        for i, t, ev, f in rows:
            w.writerow([i, repr(float(t)), int(ev), f])


def read_index(simdir: str | Path) -> list[tuple[int, float, int, Path]]:
    """Rows of ``SIMDIR/snapshots/index.csv`` with absolute snapshot paths."""
    snapdir = Path(simdir) / "snapshots"
    idx = snapdir / "index.csv"
    if not idx.is_file():
        raise FileFormatError(f"{simdir}: no snapshots/index.csv; is this a simulation folder?")
    rows = []
    with open(idx, encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            rows.append(
                (int(rec["index"]), float(rec["time_s"]), int(rec["events"]), snapdir / rec["file"])
            )
    return rows


def iter_snapshots(simdir: str | Path) -> Iterator[Snapshot]:
    """Yield the snapshots of a simulation folder in time order, one at a time."""
    for _i, _t, _ev, path in read_index(simdir):
        yield read_snapshot(path)

"""Forward-model specimens for the rendering tests: spheres of zinc-blende CdSe atoms."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nanosinter.kmc.snapshots import Snapshot, write_index, write_snapshot

A_CDSE_NM = 0.6077  # zinc-blende CdSe lattice constant (PHYSICS.md §4)

_FCC = np.array([[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]])
_ANION_OFFSET = np.array([0.25, 0.25, 0.25])


def zincblende_sphere(center_nm, radius_nm, *, a_nm=A_CDSE_NM):
    """Atoms of a zinc-blende sphere: positions (N, 3) in nm and species (0 = Cd, 1 = Se).

    The lattice is aligned with x, y, z, so the beam (z) looks down [001].
    """
    n = int(np.ceil(radius_nm / a_nm)) + 1
    cells = np.arange(-n, n + 1)
    grid = np.stack(np.meshgrid(cells, cells, cells, indexing="ij"), axis=-1).reshape(-1, 1, 3)
    cat = (grid + _FCC).reshape(-1, 3) * a_nm
    an = (grid + _FCC + _ANION_OFFSET).reshape(-1, 3) * a_nm
    pos = np.vstack([cat, an])
    species = np.concatenate([np.zeros(len(cat), np.uint8), np.ones(len(an), np.uint8)])
    keep = np.sum(pos**2, axis=1) <= radius_nm**2
    return pos[keep] + np.asarray(center_nm), species[keep]


def two_spheres(radius_nm, gap_nm, *, overlap_z=True):
    """Two equal spheres on the support (bottom at z = 0) along x with a surface gap."""
    d = 2 * radius_nm + gap_nm
    p1, s1 = zincblende_sphere((-d / 2, 0.0, radius_nm), radius_nm)
    p2, s2 = zincblende_sphere((d / 2, 0.0, radius_nm), radius_nm)
    if gap_nm < 0:  # overlapping: drop duplicated atoms of the second sphere
        inside_first = np.sum((p2 - (-d / 2, 0.0, radius_nm)) ** 2, axis=1) <= radius_nm**2
        p2, s2 = p2[~inside_first], s2[~inside_first]
    return np.vstack([p1, p2]).astype(np.float32), np.concatenate([s1, s2])


def write_simdir(root: Path, snapshots: list[tuple[float, np.ndarray, np.ndarray]]) -> Path:
    """A minimal simulation folder: snapshots/index.csv plus one .npz per (time, pos, species)."""
    snapdir = root / "snapshots"
    snapdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (t, pos, species) in enumerate(snapshots):
        name = f"snap_{i:06d}.npz"
        write_snapshot(
            snapdir / name,
            Snapshot(
                positions_nm=pos,
                species=species,
                species_names=("Cd", "Se"),
                time_s=float(t),
                events=i * 100,
                box_nm=np.array([40.0, 40.0, 20.0]),
            ),
        )
        rows.append((i, float(t), i * 100, name))
    write_index(snapdir, rows)
    return root



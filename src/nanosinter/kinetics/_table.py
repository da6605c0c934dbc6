"""The dimer table: one row per time, the geometry of a two-particle system.

Both the analysis (``dimer.csv``) and the KMC (``observables.csv``) write the same column names
(docs/architecture.md); this module reads either into a :class:`DimerTable` of NumPy arrays.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nanosinter._validation import as_float_array
from nanosinter.errors import FileFormatError, InputError

#: columns a dimer table must have
REQUIRED_COLUMNS: tuple[str, ...] = ("time_s", "r1_nm", "r2_nm", "neck_radius_nm")
#: measured columns read when present (each may come with ``<col>_err``)
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "neck_curvature_radius_nm",
    "center_distance_nm",
    "gap_nm",
    "volume_nm3",
    "n_atoms",
    "temperature_K",
)
_MEASURED = ("r1_nm", "r2_nm", "neck_radius_nm", *OPTIONAL_COLUMNS)


@dataclass(frozen=True)
class DimerTable:
    """Geometry of a dimer against time, sorted by time.

    Attributes
    ----------
    time_s : ndarray, shape (n,)
        Time since the start of the record (s), strictly increasing.
    r1_nm, r2_nm : ndarray, shape (n,)
        Radii of the two particles (nm); NaN where undefined.
    neck_radius_nm : ndarray, shape (n,)
        Neck radius x (nm, half the neck width); NaN or 0 before contact.
    contact : ndarray of bool, shape (n,)
        True where the two particles are one connected body.
    columns : dict of str to ndarray
        The optional columns present in the file (``neck_curvature_radius_nm``,
        ``center_distance_nm``, ``gap_nm``, ``volume_nm3``, ``n_atoms``, ``temperature_K``).
    errors : dict of str to ndarray
        One-sigma uncertainties ``<col>_err`` keyed by the column name they belong to.
    source : str
        Where the table came from (a path or a description).
    """

    time_s: np.ndarray
    r1_nm: np.ndarray
    r2_nm: np.ndarray
    neck_radius_nm: np.ndarray
    contact: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    errors: dict[str, np.ndarray] = field(default_factory=dict)
    source: str = ""

    def __len__(self) -> int:
        return int(self.time_s.size)

    def get(self, name: str) -> np.ndarray | None:
        """The column *name* (a required or optional one), or None when absent."""
        if name in ("time_s", "r1_nm", "r2_nm", "neck_radius_nm"):
            return getattr(self, name)
        return self.columns.get(name)

    def error(self, name: str) -> np.ndarray | None:
        """The one-sigma error of column *name*, or None when the table has none."""
        return self.errors.get(name)

    @property
    def has_contact(self) -> bool:
        return bool(np.any(self.contact))


def dimer_table_from_columns(
    data: dict[str, object], *, source: str = "<columns>"
) -> DimerTable:
    """Build a :class:`DimerTable` from a mapping of column name to 1-D values.

    Parameters
    ----------
    data : dict
        Column name to sequence (a ``pandas.DataFrame`` works too). Must contain
        ``time_s, r1_nm, r2_nm, neck_radius_nm``; ``contact`` (0/1) is inferred from
        ``neck_radius_nm > 0`` when absent. Empty cells (NaN) mean "undefined at that time".
    source : str, keyword-only
        Description used in error messages.

    Returns
    -------
    DimerTable
        Rows sorted by time.

    Raises
    ------
    InputError
        If a required column is missing, the columns differ in length, times are not finite or
        repeat, or fewer than 3 rows remain.
    """
    names = list(data.keys())
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise InputError(
            f"dimer table {source} lacks column(s) {', '.join(missing)}; a dimer table needs "
            f"{', '.join(REQUIRED_COLUMNS)} (found: {', '.join(map(str, names)) or 'none'})"
        )
    cols = {c: as_float_array(f"{source}:{c}", data[c]).ravel() for c in names if _wanted(c)}
    n = cols["time_s"].size
    bad = [c for c, v in cols.items() if v.size != n]
    if bad:
        raise InputError(f"dimer table {source}: column(s) {', '.join(bad)} differ in length")
    t = cols["time_s"]
    if not np.all(np.isfinite(t)):
        raise InputError(f"dimer table {source}: time_s has empty or non-finite values")
    order = np.argsort(t, kind="stable")
    cols = {c: v[order] for c, v in cols.items()}
    t = cols["time_s"]
    if np.any(np.diff(t) <= 0):
        raise InputError(f"dimer table {source}: time_s repeats a value; one row per time")
    if n < 3:
        raise InputError(f"dimer table {source} has {n} rows; at least 3 are needed")
    x = cols["neck_radius_nm"]
    if "contact" in cols:
        c = cols["contact"]
        contact = np.where(np.isfinite(c), c, 0.0) > 0.5
    else:
        contact = np.isfinite(x) & (x > 0)
    extra = {c: cols[c] for c in OPTIONAL_COLUMNS if c in cols}
    errors = {c: np.abs(cols[f"{c}_err"]) for c in _MEASURED if f"{c}_err" in cols}
    return DimerTable(
        time_s=t,
        r1_nm=cols["r1_nm"],
        r2_nm=cols["r2_nm"],
        neck_radius_nm=x,
        contact=contact,
        columns=extra,
        errors=errors,
        source=source,
    )


def read_dimer_table(path: str | os.PathLike[str]) -> DimerTable:
    """Read ``dimer.csv`` (analysis) or ``observables.csv`` (KMC) into a :class:`DimerTable`.

    Parameters
    ----------
    path : path-like
        CSV file with a header row; column names as in docs/architecture.md.

    Returns
    -------
    DimerTable

    Raises
    ------
    FileFormatError
        If the file is missing or is not a readable CSV.
    InputError
        If required columns are missing or the values are unusable.
    """
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"dimer table {p} does not exist")
    try:
        df = pd.read_csv(p)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise FileFormatError(f"dimer table {p} is not a readable CSV: {exc}") from None
    df.columns = [str(c).strip() for c in df.columns]
    non_numeric = [
        c for c in df.columns if _wanted(c) and not pd.api.types.is_numeric_dtype(df[c])
    ]
    if non_numeric:
        raise InputError(f"dimer table {p}: column(s) {', '.join(non_numeric)} are not numeric")
    return dimer_table_from_columns({c: df[c].to_numpy() for c in df.columns}, source=str(p))


def _wanted(name: str) -> bool:
    base = name[:-4] if name.endswith("_err") else name
    return base in ("time_s", "contact", *_MEASURED)


def contact_time_s(table: DimerTable) -> float:
    """Estimated time of first contact (s).

    The midpoint between the last time without contact and the first time with contact: the
    particles touched somewhere in that frame interval, so the midpoint is unbiased with an
    uncertainty of half an interval. A record that starts in contact has its contact at or
    before the first time; the first time is returned then (pass an explicit contact time to
    the fits if it is known). NaN when the particles never touch.
    """
    idx = np.flatnonzero(table.contact)
    if idx.size == 0:
        return float("nan")
    i = int(idx[0])
    if i == 0:
        return float(table.time_s[0])
    return 0.5 * float(table.time_s[i - 1] + table.time_s[i])

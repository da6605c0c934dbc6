"""Reading the analysis CSV tables in tests (a plain module: ``conftest`` names clash between
test folders under pytest's rootdir imports, so helpers do not live there)."""

from __future__ import annotations

import csv
import math

import numpy as np


def read_csv(path):
    """Rows of a CSV as dicts with floats where possible (empty -> NaN)."""
    out = []
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            conv = {}
            for k, v in row.items():
                try:
                    conv[k] = float(v) if v != "" else math.nan
                except ValueError:
                    conv[k] = v
            out.append(conv)
    return out


def col(rows, name):
    """One column of :func:`read_csv` rows as a float array."""
    return np.array([r[name] for r in rows], dtype=float)

"""Provenance attached to every output: package versions, time, input file hashes."""

from __future__ import annotations

import datetime as _dt
import hashlib
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

_PACKAGES = ("nanosinter", "numpy", "scipy", "numba", "scikit-image", "rosettasciio", "matplotlib")


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def sha256_file(path: str | Path, *, chunk_bytes: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_bytes):
            h.update(block)
    return h.hexdigest()


def provenance(inputs: dict[str, str | Path] | None = None, **params: Any) -> dict[str, Any]:
    """A JSON-ready provenance record: versions, UTC time, hashes of *inputs*, *params*."""
    rec: dict[str, Any] = {
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "versions": versions(),
        "parameters": params,
    }
    if inputs:
        rec["inputs"] = {
            k: {"path": str(p), "sha256": sha256_file(p) if Path(p).is_file() else None}
            for k, p in inputs.items()
        }
    return rec

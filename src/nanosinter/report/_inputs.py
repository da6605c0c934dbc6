"""Finding and reading the inputs of a report: analysis folder, movie, truth, simulation."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nanosinter.errors import FileFormatError, InputError

#: Keys under which ``analysis.json`` (provenance ``inputs``) may record the analysed movie.
MOVIE_INPUT_KEYS = ("movie", "source", "input", "path")


@dataclass
class ReportInputs:
    """Paths and small tables a report is built from (None where absent).

    Attributes
    ----------
    analysis_dir, dimer_csv : Path
    analysis_json, particles_csv, frames_csv : Path or None
    movie : Path or None
        The analysed movie, given or found in ``analysis.json``.
    truth_csv : Path or None
        ``MOVIE.truth.csv`` (given, or beside the movie).
    sim_dir : Path or None
    analysis_summary : dict
        Contents of ``analysis.json`` (empty when absent or unreadable).
    sim_config : dict
        ``SIMDIR/config.toml`` parsed (empty when absent).
    sim_summary : dict
        ``SIMDIR/summary.json`` (empty when absent).
    notes : list of str
        What could not be found or read, in words, for the page.
    """

    analysis_dir: Path
    dimer_csv: Path
    analysis_json: Path | None = None
    particles_csv: Path | None = None
    frames_csv: Path | None = None
    movie: Path | None = None
    truth_csv: Path | None = None
    sim_dir: Path | None = None
    analysis_summary: dict[str, Any] = field(default_factory=dict)
    sim_config: dict[str, Any] = field(default_factory=dict)
    sim_summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def visibility_csv(self) -> Path | None:
        """``MOVIE.visibility.csv`` beside ``MOVIE.truth.csv`` when it exists
        (:func:`nanosinter.imaging.neck_visibility`), else None."""
        from nanosinter.imaging._visibility import visibility_path

        suffix = ".truth.csv"
        if self.truth_csv is None or not self.truth_csv.name.endswith(suffix):
            return None
        p = visibility_path(str(self.truth_csv)[: -len(suffix)])
        return p if p.is_file() else None

    def hashed_files(self) -> dict[str, Path]:
        """Input files whose SHA-256 goes into the provenance, by role."""
        out: dict[str, Path] = {"dimer": self.dimer_csv}
        for role, p in (("analysis_json", self.analysis_json), ("particles", self.particles_csv),
                        ("frames", self.frames_csv), ("movie", self.movie),
                        ("truth", self.truth_csv), ("neck_visibility", self.visibility_csv)):
            if p is not None and p.is_file():
                out[role] = p
        if self.sim_dir is not None:
            for name in ("observables.csv", "config.toml", "summary.json"):
                p = self.sim_dir / name
                if p.is_file():
                    out[f"sim_{name.split('.')[0]}"] = p
        return out


def locate_inputs(
    analysis_dir: str | os.PathLike[str],
    *,
    movie: str | os.PathLike[str] | None = None,
    sim_dir: str | os.PathLike[str] | None = None,
    truth_csv: str | os.PathLike[str] | None = None,
) -> ReportInputs:
    """Collect the files of a report; only a missing folder or ``dimer.csv`` is an error.

    Raises
    ------
    InputError
        ``analysis_dir`` is not a folder or has no ``dimer.csv``; an explicitly given
        ``movie``, ``sim_dir`` or ``truth_csv`` does not exist.
    """
    adir = Path(analysis_dir)
    if not adir.is_dir():
        raise InputError(f"analysis folder {adir} does not exist")
    dimer = adir / "dimer.csv"
    if not dimer.is_file():
        raise InputError(
            f"{adir} has no dimer.csv; make one with 'nanosinter analyze MOVIE --out {adir}'"
        )
    inp = ReportInputs(analysis_dir=adir, dimer_csv=dimer)
    for attr, name in (("analysis_json", "analysis.json"), ("particles_csv", "particles.csv"),
                       ("frames_csv", "frames.csv")):
        p = adir / name
        if p.is_file():
            setattr(inp, attr, p)
    if inp.analysis_json is not None:
        try:
            inp.analysis_summary = json.loads(inp.analysis_json.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            inp.notes.append(f"analysis.json unreadable ({exc}); its summary is left out")
    if movie is not None:
        inp.movie = Path(movie)
        if not inp.movie.exists():
            raise InputError(f"movie {inp.movie} does not exist")
    else:
        inp.movie = _movie_from_summary(inp.analysis_summary, adir)
        if inp.movie is None:
            inp.notes.append("the analysed movie is not recorded in analysis.json and was not "
                             "given (--movie): no animated preview")
    if truth_csv is not None:
        inp.truth_csv = Path(truth_csv)
        if not inp.truth_csv.is_file():
            raise InputError(f"truth table {inp.truth_csv} does not exist")
    elif inp.movie is not None:
        from nanosinter.imaging import truth_paths

        beside = truth_paths(inp.movie)[0]
        if beside.is_file():
            inp.truth_csv = beside
    if sim_dir is not None:
        inp.sim_dir = Path(sim_dir)
        if not (inp.sim_dir / "observables.csv").is_file():
            raise InputError(f"{inp.sim_dir} is not a simulation folder (no observables.csv)")
        inp.sim_config = _read_side(inp.sim_dir / "config.toml", tomllib.loads, inp.notes)
        inp.sim_summary = _read_side(inp.sim_dir / "summary.json", json.loads, inp.notes)
    return inp


def _read_side(path: Path, parse: Callable[[str], Any], notes: list[str]) -> dict[str, Any]:
    """Parsed side file, or {} when absent; an unreadable one becomes a note."""
    if not path.is_file():
        return {}
    try:
        return parse(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        notes.append(f"{path} unreadable ({exc})")
        return {}


def _movie_from_summary(summary: dict[str, Any], adir: Path) -> Path | None:
    """The movie path recorded in ``analysis.json`` (provenance inputs), if it still exists."""
    candidates: list[str] = []
    inputs = (summary.get("provenance") or {}).get("inputs") or {}
    for key in MOVIE_INPUT_KEYS:
        rec = inputs.get(key)
        if isinstance(rec, dict) and rec.get("path"):
            candidates.append(str(rec["path"]))
        elif isinstance(rec, str):
            candidates.append(rec)
    for key in ("movie", "source"):
        if isinstance(summary.get(key), str):
            candidates.append(summary[key])
    for c in candidates:
        p = Path(c)
        for q in (p, adir / p):
            if q.exists():
                return q
    return None


def read_csv_frame(path: Path):
    """A CSV as a pandas DataFrame; unreadable files raise :class:`FileFormatError`."""
    import pandas as pd

    try:
        return pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"{path} is not a readable CSV: {exc}") from None

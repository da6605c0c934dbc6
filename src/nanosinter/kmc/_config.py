"""Simulation configuration: defaults with sources, presets, TOML reading/writing, validation.

A configuration is a two-level mapping ``{section: {key: value}}`` (the TOML file). Every key has
a default in :data:`DEFAULTS`; a user file or preset overrides some of them; unknown sections or
keys raise :class:`~nanosinter.errors.ConfigError` naming the key. :func:`resolve` returns the
full validated mapping, which :func:`dumps_toml` writes back as a re-runnable file.

Sources of the defaults (see docs/kmc.md for the discussion):

- ``geometry.lattice_constant_nm = 0.5818``: zinc-blende CdS (Madelung 2004; PHYSICS.md §4).
  The CdSe core is put on the same lattice (coherent core/shell, misfit strain ignored).
- ``geometry.radii_nm = 7.7`` (15.4 nm particles), ``core_radii_nm = 2.0`` (~4 nm CdSe core,
  so the 5.7 nm CdS shell is ~17 {111} monolayers of 0.336 nm, the paper's "~16 ML"),
  ``gap_nm = 1.5`` ("1-2 nm"): Tang et al. (2023).
- ``beam.beam_energy_keV = 300``: Tang et al. (2023). ``beam.dose_rate_e_per_A2_s = 20``:
  calibrated; the paper gives no dose rate, and 20 e/(Å² s) keeps the sputtered volume of the
  tang2023 dimer to about 1-2 % in 20 min, matching its "no significant change in total volume"
  (at 1000 e/(Å² s), a common HRTEM dose rate, this model sputters most surface Cd in minutes).
- ``beam.binding_dataset = "srim"``: SRIM surface binding energies (Ziegler 2010), because the
  paper's values match no standard table (PHYSICS.md §1).
- ``energy.*`` bond and saddle energies and ``support.adhesion_eV``: calibrated, the saddle energy
  (0.27 eV, the time unit) on the tang2023-dimer neck forming within ~2-4 min of contact and
  growing slowly over the 20 min of Tang et al. (2023) Figure 3f (see :mod:`nanosinter.kmc._rates`
  and docs/kmc.md).
- ``bridge.shell_nm = 1.0``, ``bridge.radius_nm = 0.8``: calibrated; the carbon shells the paper
  sees on the particles join where the particles are closest and give adatoms adhesion sites to
  cross the gap (only gaps below 2 shell_nm close) in a column of that radius around the line of
  centres, so the crystal neck starts narrow (the projected neck then grows as in Figure 3f).
- ``energy.attempt_frequency_Hz = 1e13``: order of a surface phonon frequency (Voter 2007).
- ``migration.*`` (off by default): whole-particle random walk with D(r) = D_ref (r/r_ref)^-4
  (Gruber 1967), ``prefactor_nm2_per_s`` calibrated; ``carbon.*`` (off by default): a carbon
  shell whose coverage lowers the hop rates (Asoro et al. 2014), growth time and mobility factor
  calibrated. Sources and calibration in :mod:`nanosinter.kmc._migration` and
  :mod:`nanosinter.kmc._carbon`.
- ``vapour`` (evaporation/condensation, :mod:`nanosinter.kmc._vapour`; off by default):
  ``evaporation_offset_eV = 0.48`` calibrated (the tang2023-anneal dimer nearly sublimes at
  553 K, Tang et al. 2023 Figure 4, within a few minutes of wall time; docs/kmc.md);
  ``sticking_coefficient = 1``, the Hertz-Knudsen maximum (Somorjai & Jepsen 1964 find less
  than 1 for CdS; it changes only the equilibrium vapour pressure, not the evaporation rate
  into vacuum); ``condensation = true``: the vapour stays in the box (closed cell); false:
  pumped away (TEM vacuum).

References
----------
.. [1] L. Tang et al., Nanomaterials 13, 3082 (2023). doi:10.3390/nano13243082
.. [2] O. Madelung, Semiconductors: Data Handbook, 3rd ed. (2004). doi:10.1007/978-3-642-18865-7
.. [3] J. F. Ziegler et al., Nucl. Instrum. Methods B 268, 1818 (2010).
   doi:10.1016/j.nimb.2010.02.091
.. [4] A. F. Voter, in Radiation Effects in Solids (2007), "Introduction to the kinetic Monte
   Carlo method". doi:10.1007/978-1-4020-5295-8_1
.. [5] G. A. Somorjai, D. W. Jepsen, J. Chem. Phys. 41, 1389 (1964). doi:10.1063/1.1726078
"""

from __future__ import annotations

import copy
import itertools
import math
import tomllib
from pathlib import Path
from typing import Any

from nanosinter.errors import ConfigError

DEFAULTS: dict[str, dict[str, Any]] = {
    "geometry": {
        "lattice_constant_nm": 0.5818,
        "radii_nm": [7.7, 7.7],
        "core_radii_nm": [2.0, 2.0],
        "centers_nm": [],
        "gap_nm": 1.5,
        "margin_nm": 1.5,
        "box_nm": [],
        "core_species": "Se",
        "shell_species": "S",
        "truncation_nm": 0.6,
    },
    "support": {
        "enabled": True,
        "adhesion_eV": 0.2,
    },
    "bridge": {
        "enabled": True,
        "shell_nm": 1.0,
        "radius_nm": 0.8,
    },
    "energy": {
        "bond_nn_eV": 0.1,
        "bond_nnn_eV": 0.05,
        "saddle_eV": 0.27,
        "attempt_frequency_Hz": 1e13,
    },
    "temperature": {
        "temperature_K": 300.0,
        "program_times_s": [],
        "program_temperatures_K": [],
        "step_s": 1.0,
    },
    "beam": {
        "enabled": True,
        "beam_energy_keV": 300.0,
        "dose_rate_e_per_A2_s": 20.0,
        "binding_dataset": "srim",
        "hop_fraction": 0.5,
        "sputtering": True,
        "model": "mckinley-feshbach",
    },
    "migration": {
        "enabled": False,
        "prefactor_nm2_per_s": 2.0,
        "reference_radius_nm": 1.0,
        "exponent": 4.0,
        "min_atoms": 100,
    },
    "carbon": {
        "enabled": False,
        "growth_time_s": 60.0,
        "thickness_nm": 1.0,
        "covered_mobility": 0.1,
        "step_s": 1.0,
    },
    "vapour": {
        "enabled": False,
        "evaporation_offset_eV": 0.48,
        "sticking_coefficient": 1.0,
        "condensation": True,
    },
    "run": {
        "until_s": 1200.0,
        "max_events": 0,
        "every_s": 10.0,
        "snapshot_every": 6,
        "checkpoint_every_events": 20_000_000,
    },
}

PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    # Tang et al. (2023) Figure 3: two 15.4 nm CdSe/CdS particles, 1.5 nm apart, 300 kV, 20 min.
    "tang2023-dimer": {},
    # The same physics (same energies, beam and temperature) on two 7 nm particles 0.7 nm
    # apart (sizes and gap scaled by 0.45). Surface-diffusion times scale as R^4 (Herring 1950),
    # so 5 min of it show contact, fast neck formation and slower growth, in a few seconds of
    # wall time, for the demo and the tests.
    "tang2023-demo": {
        "geometry": {"radii_nm": [3.5, 3.5], "core_radii_nm": [1.0, 1.0], "gap_nm": 0.7,
                     "margin_nm": 1.0, "truncation_nm": 0.4},
        "run": {"until_s": 300.0, "every_s": 2.0, "snapshot_every": 10,
                "checkpoint_every_events": 2_000_000},
    },
    # Migration and coalescence alone (issue 7): five particles of 3-4.5 nm radius, 2.5-3.5 nm
    # apart on the support, random-walking as rigid bodies (D ~ r^-4); no carbon bridge, so they
    # touch only by migrating, then sinter by the same surface diffusion as the dimer.
    "migration": {
        "geometry": {"radii_nm": [4.0, 3.5, 3.0, 4.5, 3.5], "core_radii_nm": [1.0] * 5,
                     "centers_nm": [[9.0, 9.0, 3.6], [19.0, 9.0, 3.1], [9.0, 18.5, 2.6],
                                    [20.0, 20.5, 4.1], [29.0, 13.0, 3.1]],
                     "box_nm": [34.0, 27.0, 10.0], "truncation_nm": 0.4},
        "bridge": {"enabled": False},
        "migration": {"enabled": True},
        "run": {"until_s": 300.0, "every_s": 2.0, "snapshot_every": 5,
                "checkpoint_every_events": 5_000_000},
    },
    # Tang et al. (2023) Figure 4: the sintered dimer heated to 280 C (553 K) sublimes. Two
    # touching 15.4 nm particles (they neck at once) under the beam: a hold at 300 K, a ramp,
    # then 553 K in vacuum (evaporated atoms are pumped away). With the effective (calibrated)
    # energies the 553 K clock is compressed: everything happens within milliseconds of
    # simulated time (docs/kmc.md, "Evaporation and condensation").
    "tang2023-anneal": {
        "geometry": {"gap_nm": 0.0},
        "temperature": {"program_times_s": [0.0, 2e-4, 3e-4],
                        "program_temperatures_K": [300.0, 300.0, 553.0], "step_s": 1e-5},
        "vapour": {"enabled": True, "condensation": False},
        "run": {"until_s": 2e-3, "every_s": 5e-5, "snapshot_every": 4,
                "checkpoint_every_events": 20_000_000},
    },
    # Ostwald ripening without contact: an 8 nm and a 15 nm particle 6 nm apart in a closed
    # box (the vapour stays and condenses back), no beam, no carbon bridge, at 553 K.
    "ostwald-8-15nm": {
        "geometry": {"radii_nm": [4.0, 7.5], "core_radii_nm": [0.0, 0.0], "gap_nm": 6.0,
                     "margin_nm": 1.5, "truncation_nm": 0.4},
        "bridge": {"enabled": False},
        "beam": {"enabled": False},
        "temperature": {"temperature_K": 553.0},
        "vapour": {"enabled": True, "condensation": True, "evaporation_offset_eV": 0.40},
        "run": {"until_s": 6e-4, "every_s": 1e-5, "snapshot_every": 6,
                "checkpoint_every_events": 20_000_000},
    },
}

_SPECIES = ("Cd", "Se", "S")


def merge(base: dict[str, dict[str, Any]], over: dict[str, Any], *, where: str = "config"
          ) -> dict[str, dict[str, Any]]:
    """Overlay *over* on *base* (both two-level); unknown sections/keys raise ConfigError."""
    out = copy.deepcopy(base)
    if not isinstance(over, dict):
        raise ConfigError(f"{where}: expected a table of sections, got {type(over).__name__}")
    for sec, vals in over.items():
        if sec not in DEFAULTS:
            raise ConfigError(f"unknown config section [{sec}] in {where} "
                              f"(known: {', '.join(DEFAULTS)})")
        if not isinstance(vals, dict):
            raise ConfigError(f"config section [{sec}] in {where} must be a table")
        for key, val in vals.items():
            if key not in DEFAULTS[sec]:
                raise ConfigError(f"unknown config key {sec}.{key} in {where} "
                                  f"(known: {', '.join(DEFAULTS[sec])})")
            out[sec][key] = copy.deepcopy(val)
    return out


def preset(name: str) -> dict[str, dict[str, Any]]:
    """The resolved configuration of a named preset (``tang2023-dimer``, ``tang2023-demo``,
    ``tang2023-anneal``, ``ostwald-8-15nm``)."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r} (known: {', '.join(PRESETS)})")
    return resolve(merge(DEFAULTS, PRESETS[name], where=f"preset {name}"))


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file into a dict (ConfigError on syntax errors or a missing file)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: {exc}") from None


def parse_override(item: str) -> dict[str, dict[str, Any]]:
    """``"SECTION.KEY=VALUE"`` (VALUE in TOML syntax) as a one-key overlay for :func:`merge`.

    >>> parse_override("carbon.enabled=true")
    {'carbon': {'enabled': True}}
    """
    key, eq, value = str(item).partition("=")
    sec, dot, k = key.strip().partition(".")
    if not eq or not dot or not sec or not k.strip() or not value.strip():
        raise ConfigError(f"override {item!r}: expected SECTION.KEY=VALUE, "
                          "e.g. carbon.enabled=true")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        raise ConfigError(f"override {item!r}: {value.strip()!r} is not a TOML value "
                          "(strings need quotes)") from None
    return {sec: {k.strip(): parsed}}


def _num(cfg, sec, key, *, low=None, high=None, strict_low=False, integer=False) -> float:
    v = cfg[sec][key]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ConfigError(f"{sec}.{key} must be a finite number, got {v!r}")
    if integer and int(v) != v:
        raise ConfigError(f"{sec}.{key} must be a whole number, got {v!r}")
    if low is not None and (v < low or (strict_low and v == low)):
        rel = ">" if strict_low else ">="
        raise ConfigError(f"{sec}.{key} must be {rel} {low}, got {v!r}")
    if high is not None and v > high:
        raise ConfigError(f"{sec}.{key} must be <= {high}, got {v!r}")
    return float(v)


def _list(cfg, sec, key, *, n=None, positive=False, allow_zero=True) -> list:
    v = cfg[sec][key]
    if not isinstance(v, list):
        v = [v]
    out = []
    for item in v:
        if isinstance(item, list):
            out.append([_as_num(sec, key, x, positive, allow_zero) for x in item])
        else:
            out.append(_as_num(sec, key, item, positive, allow_zero))
    if n is not None and len(out) != n:
        raise ConfigError(f"{sec}.{key} must have {n} entries, got {len(out)}")
    return out


def _as_num(sec, key, x, positive, allow_zero) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        raise ConfigError(f"{sec}.{key} entries must be finite numbers, got {x!r}")
    if positive and (x < 0 or (x == 0 and not allow_zero)):
        raise ConfigError(f"{sec}.{key} entries must be > 0, got {x!r}")
    return float(x)


def _bool(cfg, sec, key) -> bool:
    v = cfg[sec][key]
    if not isinstance(v, bool):
        raise ConfigError(f"{sec}.{key} must be true or false, got {v!r}")
    return v


def _choice(cfg, sec, key, choices) -> str:
    v = cfg[sec][key]
    if v not in choices:
        raise ConfigError(f"{sec}.{key} must be one of {', '.join(choices)}; got {v!r}")
    return v


def resolve(cfg: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Validate a full configuration and fill in derived geometry (centres, box).

    Raises
    ------
    ConfigError
        Naming the offending key: wrong type, out of range, overlapping particles, a particle
        outside the box, a non-positive temperature...
    """
    cfg = merge(DEFAULTS, cfg)
    g = cfg["geometry"]
    _num(cfg, "geometry", "lattice_constant_nm", low=0, strict_low=True)
    radii = _list(cfg, "geometry", "radii_nm", positive=True, allow_zero=False)
    if not radii:
        raise ConfigError("geometry.radii_nm must list at least one particle radius")
    n = len(radii)
    cores = _list(cfg, "geometry", "core_radii_nm", n=n, positive=True)
    for i, (r, c) in enumerate(zip(radii, cores, strict=True)):
        if c > r:
            raise ConfigError(f"geometry.core_radii_nm[{i}] = {c} exceeds radii_nm[{i}] = {r}")
    gap = _num(cfg, "geometry", "gap_nm", low=0)
    margin = _num(cfg, "geometry", "margin_nm", low=0)
    trunc = _num(cfg, "geometry", "truncation_nm", low=0)
    for i, r in enumerate(radii):
        if trunc >= r:
            raise ConfigError(f"geometry.truncation_nm = {trunc} must be below radii_nm[{i}] = {r}")
    _choice(cfg, "geometry", "core_species", _SPECIES[1:])
    _choice(cfg, "geometry", "shell_species", _SPECIES[1:])
    centers = _list(cfg, "geometry", "centers_nm")
    if centers:
        if len(centers) != n or any(not isinstance(c, list) or len(c) != 3 for c in centers):
            raise ConfigError(f"geometry.centers_nm must list {n} [x, y, z] triples")
    else:
        x = margin + radii[0]
        y = margin + max(radii)
        centers = []
        for i, r in enumerate(radii):
            if i > 0:
                x += radii[i - 1] + gap + r
            centers.append([x, y, r - trunc])
    box = _list(cfg, "geometry", "box_nm", positive=True, allow_zero=False)
    if not box:
        box = [max(c[0] + r for c, r in zip(centers, radii, strict=True)) + margin,
               2 * (margin + max(radii)),
               max(c[2] + r for c, r in zip(centers, radii, strict=True)) + margin]
    if len(box) != 3:
        raise ConfigError("geometry.box_nm must be [x, y, z] in nm")
    for i, (c, r) in enumerate(zip(centers, radii, strict=True)):
        lo = [c[0] - r, c[1] - r, c[2] - r]
        hi = [c[0] + r, c[1] + r, c[2] + r]
        if lo[0] < 0 or lo[1] < 0 or hi[0] > box[0] or hi[1] > box[1] or hi[2] > box[2]:
            raise ConfigError(f"geometry.centers_nm[{i}]: particle {i} (radius {r} nm at {c}) "
                              f"lies outside the box {box} nm")
        if c[2] <= 0:
            raise ConfigError(f"geometry.centers_nm[{i}]: centre must lie above the support "
                              f"(z > 0), got z = {c[2]}")
        for j in range(i):
            d = math.dist(c, centers[j])
            if d < r + radii[j] - 1e-9:
                raise ConfigError(f"geometry.centers_nm: particles {j} and {i} overlap "
                                  f"(centre distance {d:.3g} nm < {r + radii[j]:.3g} nm)")
    g["radii_nm"], g["core_radii_nm"], g["centers_nm"], g["box_nm"] = radii, cores, centers, box

    _bool(cfg, "support", "enabled")
    _bool(cfg, "bridge", "enabled")
    _num(cfg, "bridge", "shell_nm", low=0)
    _num(cfg, "bridge", "radius_nm", low=0)
    _num(cfg, "support", "adhesion_eV", low=0)
    for key in ("bond_nn_eV", "bond_nnn_eV", "saddle_eV"):
        _num(cfg, "energy", key, low=0)
    _num(cfg, "energy", "attempt_frequency_Hz", low=0, strict_low=True)

    _num(cfg, "temperature", "temperature_K", low=0, strict_low=True)
    _num(cfg, "temperature", "step_s", low=0, strict_low=True)
    times = _list(cfg, "temperature", "program_times_s", positive=True)
    temps = _list(cfg, "temperature", "program_temperatures_K", positive=True, allow_zero=False)
    if len(times) != len(temps):
        raise ConfigError("temperature.program_times_s and program_temperatures_K must have "
                          f"the same length, got {len(times)} and {len(temps)}")
    if any(b <= a for a, b in itertools.pairwise(times)):
        raise ConfigError("temperature.program_times_s must increase strictly")

    _bool(cfg, "vapour", "enabled")
    _num(cfg, "vapour", "evaporation_offset_eV", low=0)
    _num(cfg, "vapour", "sticking_coefficient", low=0, high=1, strict_low=True)
    _bool(cfg, "vapour", "condensation")

    _bool(cfg, "beam", "enabled")
    _num(cfg, "beam", "beam_energy_keV", low=0, strict_low=True)
    _num(cfg, "beam", "dose_rate_e_per_A2_s", low=0)
    _choice(cfg, "beam", "binding_dataset", ("srim", "crc", "tang2023"))
    _num(cfg, "beam", "hop_fraction", low=0, high=1, strict_low=True)
    _bool(cfg, "beam", "sputtering")
    _choice(cfg, "beam", "model", ("mckinley-feshbach", "rutherford"))

    _bool(cfg, "migration", "enabled")
    _num(cfg, "migration", "prefactor_nm2_per_s", low=0)
    _num(cfg, "migration", "reference_radius_nm", low=0, strict_low=True)
    _num(cfg, "migration", "exponent", low=0)
    _num(cfg, "migration", "min_atoms", low=1, integer=True)
    cfg["migration"]["min_atoms"] = int(cfg["migration"]["min_atoms"])
    _bool(cfg, "carbon", "enabled")
    _num(cfg, "carbon", "growth_time_s", low=0, strict_low=True)
    _num(cfg, "carbon", "thickness_nm", low=0)
    _num(cfg, "carbon", "covered_mobility", low=0, high=1)
    _num(cfg, "carbon", "step_s", low=0, strict_low=True)

    _num(cfg, "run", "until_s", low=0, strict_low=True)
    _num(cfg, "run", "max_events", low=0, integer=True)
    _num(cfg, "run", "every_s", low=0, strict_low=True)
    _num(cfg, "run", "snapshot_every", low=0, integer=True)
    _num(cfg, "run", "checkpoint_every_events", low=1, integer=True)
    for key in ("max_events", "snapshot_every", "checkpoint_every_events"):
        cfg["run"][key] = int(cfg["run"][key])
    return cfg


def temperature_at(cfg: dict[str, dict[str, Any]], time_s: float) -> float:
    """Temperature in K applied during the programme step that contains *time_s*.

    A programme (``program_times_s``, ``program_temperatures_K``) is piecewise linear and held
    constant outside its range; it is sampled at the start of each step of ``step_s`` so that the
    rates are piecewise constant (exact KMC within a step). Without a programme the temperature is
    ``temperature_K``.
    """
    t = cfg["temperature"]
    times, temps = t["program_times_s"], t["program_temperatures_K"]
    if not times:
        return float(t["temperature_K"])
    step = float(t["step_s"])
    # the tolerance keeps a clock stopped at k x step in step k (k x step / step can round
    # below k, e.g. 27 x 1e-5 / 1e-5 = 26.999...)
    ts = math.floor(time_s / step + 1e-9) * step
    if ts <= times[0]:
        return float(temps[0])
    for (t0, T0), (t1, T1) in zip(zip(times, temps, strict=True),
                                  zip(times[1:], temps[1:], strict=True), strict=False):
        if ts <= t1:
            return float(T0 + (T1 - T0) * (ts - t0) / (t1 - t0))
    return float(temps[-1])


def temperature_breaks(cfg: dict[str, dict[str, Any]], t_from: float, t_to: float) -> list[float]:
    """Step boundaries of the temperature programme in (t_from, t_to) (empty if constant)."""
    t = cfg["temperature"]
    if not t["program_times_s"]:
        return []
    step = float(t["step_s"])
    k = math.floor(t_from / step + 1e-9) + 1
    out = []
    while k * step < t_to:
        out.append(k * step)
        k += 1
    return out


def dumps_toml(cfg: dict[str, dict[str, Any]]) -> str:
    """Write a two-level configuration as TOML text (round-trips through :func:`load_toml`)."""
    lines = ["# nanosinter simulate: full resolved configuration (re-runnable)"]
    for sec, vals in cfg.items():
        lines.append("")
        lines.append(f"[{sec}]")
        for key, val in vals.items():
            lines.append(f"{key} = {_toml_value(val)}")
    return "\n".join(lines) + "\n"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise ConfigError(f"cannot write {v!r} to TOML")

"""Mechanism evidence from a dimer record, and the verdict that weighs it.

Each test asks one question a microscopist would ask of the movie; each answer is an
:class:`Evidence` row with a number, its interval and which mechanisms it favours. The verdict
combines the neck-growth law weights with these rows.

References
----------
.. [1] R. M. German, "Sintering: From Empirical Observations to Scientific Principles" (2014),
   ch. 7 (neck laws; densifying vs non-densifying transport). doi:10.1016/C2012-0-00717-X
.. [2] F. A. Nichols and W. W. Mullins, J. Appl. Phys. 36, 1826 (1965) (apparent n of surface
   diffusion 5.5-6.5 at 0.05 <= x/a <= 0.3). doi:10.1063/1.1714360
.. [3] R. L. Coble, "Initial sintering of alumina and hematite", J. Am. Ceram. Soc. 41, 55
   (1958) (two-sphere geometry: neck curvature radius rho = x^2/2a without centre approach,
   x^2/4a with it; shrinkage dL/L0 = (x/a)^2/4). doi:10.1111/j.1151-2916.1958.tb13519.x
.. [4] I. M. Lifshitz and V. V. Slyozov, J. Phys. Chem. Solids 19, 35 (1961);
   C. Wagner, Z. Elektrochem. 65, 581 (1961) (r^3 ~ t diffusion-limited, r^2 ~ t
   interface-limited ripening). doi:10.1016/0022-3697(61)90054-3
.. [5] H. Qian, M. P. Sheetz and E. L. Elson, "Single particle tracking", Biophys. J. 60, 910
   (1991) (MSD against lag: linear for diffusion, flat for localisation noise).
   doi:10.1016/S0006-3495(91)82125-7
.. [6] G. A. Somorjai and D. W. Jepsen, J. Chem. Phys. 41, 1389 (1964) (free evaporation of
   CdS; with the Kelvin pressure of PHYSICS.md §3 the smaller particle sublimes faster).
   doi:10.1063/1.1726078
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from nanosinter.kinetics._fit import NeckGrowthFit
from nanosinter.kinetics._laws import MECHANISM_BY_KEY, MECHANISMS
from nanosinter.kinetics._table import DimerTable

#: t-statistic a trend must exceed to count as real (about 3 sigma)
SIGNIFICANCE_T = 3.0
#: relative volume change above which the run is not volume-conserving
VOLUME_TOLERANCE = 0.05
#: relative shrinkage of one particle (in volume) that counts as ripening
OSTWALD_MIN_VOLUME_LOSS = 0.10
#: relative volume loss above which a run counts as subliming (twice VOLUME_TOLERANCE)
SUBLIMATION_MIN_VOLUME_LOSS = 0.10

DENSIFYING = tuple(m.key for m in MECHANISMS if m.densifying)
NON_DENSIFYING = tuple(m.key for m in MECHANISMS if not m.densifying)
OSTWALD = "ostwald_ripening"
MIGRATION = "migration_coalescence"
SUBLIMATION = "sublimation"
UNDETERMINED = "undetermined"
LABELS = {m.key: m.label for m in MECHANISMS} | {
    OSTWALD: "Ostwald ripening",
    MIGRATION: "migration–coalescence",
    SUBLIMATION: "sublimation / evaporation",
    UNDETERMINED: "undetermined",
}


@dataclass(frozen=True)
class Evidence:
    """One row of the mechanism evidence table.

    Attributes
    ----------
    key : str
        ``centre_motion``, ``ostwald``, ``densification``, ``volume``, ``sublimation``,
        ``neck_curvature`` or ``vapour_transport``.
    question : str
        What the row tests, in words.
    value : float
        The headline number (see *unit*); NaN when not available.
    interval : (float, float)
        Its approximate 95 % interval.
    unit : str
    finding : str
        One-line answer.
    outcome : str
        Machine-readable answer (e.g. ``"moving"``, ``"still"``, ``"densifying"``,
        ``"non-densifying"``, ``"inconclusive"``, ``"not available"``).
    supports : tuple of str
        Mechanism keys this row favours (empty when it favours none).
    details : dict
        Supporting numbers.
    """

    key: str
    question: str
    value: float
    interval: tuple[float, float]
    unit: str
    finding: str
    outcome: str
    supports: tuple[str, ...] = ()
    details: dict = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.outcome != "not available"

    def as_dict(self) -> dict:
        return {
            "key": self.key, "question": self.question, "value": self.value,
            "interval": list(self.interval), "unit": self.unit, "finding": self.finding,
            "outcome": self.outcome, "supports": list(self.supports),
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class Verdict:
    """The mechanism the evidence points to.

    Attributes
    ----------
    mechanism : str
        A key of :data:`MECHANISMS`, ``"ostwald_ripening"``, ``"migration_coalescence"``,
        ``"sublimation"`` or ``"undetermined"``.
    label : str
        Its name in words.
    confidence : float
        Probability of the chosen mechanism among the candidates after weighing the evidence
        (0-1). For ``"undetermined"`` the probability of the leading candidate.
    level : str
        ``"high"`` (>= 0.9), ``"moderate"`` (>= 0.7), ``"low"`` or ``"none"`` (undetermined).
    probabilities : dict of str to float
        The weight of each neck-growth mechanism after the evidence (empty without a neck).
    reasons : tuple of str
        The steps that led to the verdict, in order.
    """

    mechanism: str
    label: str
    confidence: float
    level: str
    probabilities: dict[str, float]
    reasons: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "mechanism": self.mechanism, "label": self.label, "confidence": self.confidence,
            "level": self.level, "probabilities": dict(self.probabilities),
            "reasons": list(self.reasons),
        }


def _na(key: str, question: str, why: str) -> Evidence:
    nan = float("nan")
    return Evidence(key, question, nan, (nan, nan), "", why, "not available")


def _linfit(t: np.ndarray, y: np.ndarray, err: np.ndarray | None = None):
    """Least-squares line: slope, intercept, standard error of the slope, residual scatter."""
    ok = np.isfinite(t) & np.isfinite(y)
    t, y = t[ok], y[ok]
    n = t.size
    if n < 3:
        return float("nan"), float("nan"), float("nan"), float("nan"), n
    tm = t.mean()
    sxx = float(np.sum((t - tm) ** 2))
    slope = float(np.sum((t - tm) * (y - y.mean())) / sxx)
    icpt = float(y.mean() - slope * tm)
    resid = y - icpt - slope * t
    scatter = float(np.sqrt(np.sum(resid**2) / max(n - 2, 1)))
    if err is not None:
        e = err[ok]
        e = e[np.isfinite(e)]
        if e.size:
            scatter = max(scatter, float(np.median(e)))
    se = scatter / math.sqrt(sxx) if sxx > 0 else float("inf")
    return slope, icpt, se, scatter, n


def _nonlinearity(t: np.ndarray, y: np.ndarray) -> float:
    """1 - R^2 of a straight-line fit: how far y(t) is from linear."""
    slope, icpt, _, _, _ = _linfit(t, y)
    ss = float(np.sum((y - y.mean()) ** 2))
    return float(np.sum((y - icpt - slope * t) ** 2) / ss) if ss > 0 else 1.0


def _pre_contact(table: DimerTable) -> np.ndarray:
    """Frames before the first contact (all frames when there is none)."""
    idx = np.flatnonzero(table.contact)
    pre = np.ones(len(table), dtype=bool)
    if idx.size:
        pre[idx[0]:] = False
    return pre


def centre_motion_evidence(
    table: DimerTable, *, particles: Mapping[str, np.ndarray] | None = None
) -> Evidence:
    """Did the particles translate towards each other before contact?

    Migration–coalescence needs the centres to move (a drift, or a random walk whose mean
    squared displacement grows with lag, MSD ~ lag for diffusion); sintering across a fixed
    gap closes the gap by surface growth while the centre distance stays put. The test fits a
    line to the centre distance before contact (approach = -slope x duration, interval
    +-2 SE) and computes the MSD of the centre distance at lags 1 to ~n/4 frames: its
    exponent alpha (MSD ~ lag^alpha: 0 for localisation noise, 1 for a random walk, 2 for a
    drift) and a z-score of ln(MSD(n/4) / MSD(1)) against still particles (details
    ``msd_exponent``, ``msd_z``; ``contact_follows`` says whether the record reaches contact).

    Parameters
    ----------
    table : DimerTable
        Needs ``center_distance_nm`` before contact (at least 4 frames).
    particles : mapping, optional, keyword-only
        Per-particle tracks (``particles.csv`` columns ``time_s, track_id, centroid_x_nm,
        centroid_y_nm``). When given, the 2-D relative displacement of the two longest tracks
        before contact is added to the details (relative motion cancels stage drift); its
        MSD growth counts as motion too (the centre distance misses motion across the axis).

    Returns
    -------
    Evidence
        value = approach of the centres before contact (nm, > 0 when they came closer).
        ``outcome`` is ``"moving"`` when the approach exceeds 3 SE and half the initial gap
        (or 0.5 nm when no gap is recorded), or the MSD grows >= 4x from lag 1 to lag n/4 with
        an RMS displacement > 0.5 nm; ``"still"`` otherwise.

    References
    ----------
    .. [1] H. Qian et al., Biophys. J. 60, 910 (1991). doi:10.1016/S0006-3495(91)82125-7
    """
    q = "Did the centres move towards each other before contact (migration)?"
    d = table.get("center_distance_nm")
    if d is None:
        return _na("centre_motion", q, "no center_distance_nm column")
    pre = _pre_contact(table) & np.isfinite(d)
    if pre.sum() < 4:
        return _na("centre_motion", q, f"only {int(pre.sum())} frames before contact")
    t, dd = table.time_s[pre], d[pre]
    err = table.error("center_distance_nm")
    slope, _, se, scatter, n = _linfit(t, dd, None if err is None else err[pre])
    span = float(t[-1] - t[0])
    approach = -slope * span
    approach_se = se * span
    gap = table.get("gap_nm")
    gap0 = float(np.nanmedian(gap[pre][:3])) if gap is not None and np.isfinite(gap[pre]).any() \
        else float("nan")
    threshold = 0.5 * gap0 if np.isfinite(gap0) and gap0 > 0 else 0.5
    lag_max = max(2, n // 4)
    lags = np.arange(1, lag_max + 1)
    msd = np.array([float(np.mean((dd[k:] - dd[:-k]) ** 2)) for k in lags])
    msd1, msdL = float(msd[0]), float(msd[-1])
    ratio = msdL / msd1 if msd1 > 0 else float("inf")
    # MSD ~ lag^alpha: 0 for localisation noise only, 1 for a random walk, 2 for a drift
    pos = msd > 0
    alpha = (float(np.polyfit(np.log(lags[pos]), np.log(msd[pos]), 1)[0])
             if pos.sum() >= 2 else float("nan"))
    # ln(MSD(L)/MSD(1)) is ~0 for still particles; its scatter from ~n - L and n - 1 squared
    # increments (variance 2/N each, times 1.5 for the overlap of neighbouring increments)
    z_wander = (math.log(ratio) / math.sqrt(3 / (n - lag_max) + 3 / (n - 1))
                if 0 < ratio < float("inf") else float("nan"))
    drifting = approach > SIGNIFICANCE_T * approach_se and approach > threshold
    wandering = ratio >= 4.0 and math.sqrt(msdL) > 0.5
    contact_follows = bool(table.has_contact)
    details = {
        "frames_before_contact": int(n), "duration_s": span, "approach_se_nm": approach_se,
        "initial_gap_nm": gap0, "scatter_nm": scatter, "msd_lag1_nm2": msd1,
        f"msd_lag{lag_max}_nm2": msdL, "msd_ratio": ratio, "msd_exponent": alpha,
        "msd_z": z_wander, "contact_follows": contact_follows,
    }
    if particles is not None:
        details |= _track_motion(particles, t_end_s=float(t[-1]))
        tr = details.get("relative_msd_ratio", float("nan"))
        if np.isfinite(tr) and tr >= 4.0 and details["relative_rms_nm"] > 0.5:
            wandering = True
            z_wander = max(np.nan_to_num(z_wander), details["relative_msd_z"])
            details["msd_z"] = z_wander
    if drifting or wandering:
        how = ("drifted" if drifting else
               f"wandered (MSD grows with lag, MSD ~ lag^{alpha:.2f})")
        finding = (f"centres {how}: approach {approach:.2f} ± {2 * approach_se:.2f} nm before "
                   f"contact (gap {gap0:.2f} nm)")
        return Evidence("centre_motion", q, approach, (approach - 2 * approach_se,
                        approach + 2 * approach_se), "nm", finding, "moving", (MIGRATION,),
                        details)
    finding = (f"centres still: approach {approach:.2f} ± {2 * approach_se:.2f} nm over "
               f"{span:.3g} s, MSD ratio {ratio:.1f}"
               + ("; the gap closed by surface growth" if contact_follows else
                  "; no contact in the record"))
    return Evidence("centre_motion", q, approach, (approach - 2 * approach_se,
                    approach + 2 * approach_se), "nm", finding, "still", (), details)


def _track_motion(particles: Mapping[str, np.ndarray], *, t_end_s: float,
                  pair: tuple[str, str] | None = None, before: bool = False) -> dict:
    """Relative 2-D motion of two tracks up to *t_end_s* (excluded when *before*).

    The two longest tracks unless *pair* names them (as strings of their ids)."""
    need = ("time_s", "track_id", "centroid_x_nm", "centroid_y_nm")
    if any(k not in particles for k in need):
        return {"tracks": "particles table lacks " + ", ".join(k for k in need
                                                               if k not in particles)}
    t = np.asarray(particles["time_s"], float)
    tid = np.asarray(particles["track_id"]).astype(str)
    x = np.asarray(particles["centroid_x_nm"], float)
    y = np.asarray(particles["centroid_y_nm"], float)
    keep = (t < t_end_s if before else t <= t_end_s) & np.isfinite(x) & np.isfinite(y)
    ids, counts = np.unique(tid[keep], return_counts=True)
    if pair is not None:
        a_id, b_id = str(pair[0]), str(pair[1])
        if a_id not in ids or b_id not in ids:
            return {"tracks": f"tracks {a_id} and {b_id} are not both in the table"}
    elif ids.size < 2:
        return {"tracks": "fewer than two tracks before contact"}
    else:
        a_id, b_id = ids[np.argsort(counts)[-2:]]
    ta, tb = t[keep & (tid == a_id)], t[keep & (tid == b_id)]
    common = np.intersect1d(ta, tb)
    if common.size < 4:
        return {"tracks": "the two longest tracks share fewer than 4 frames"}

    def at(i, arr):
        m = keep & (tid == i)
        order = np.argsort(t[m])
        return np.interp(common, t[m][order], arr[m][order])

    rel = np.stack([at(a_id, x) - at(b_id, x), at(a_id, y) - at(b_id, y)], axis=1)
    disp = rel - rel[0]
    n = common.size
    lag = max(1, n // 4)
    msd = float(np.mean(np.sum((rel[lag:] - rel[:-lag]) ** 2, axis=1)))
    msd1 = float(np.mean(np.sum(np.diff(rel, axis=0) ** 2, axis=1)))
    ratio = msd / msd1 if msd1 > 0 else float("nan")
    dt = float(np.median(np.diff(common))) * lag
    return {
        "tracks_used": [str(a_id), str(b_id)], "n_common": int(n),
        "relative_displacement_max_nm": float(np.max(np.linalg.norm(disp, axis=1))),
        # 2-D relative motion: MSD = 4 D_rel t, D_rel = D_a + D_b
        "relative_diffusivity_nm2_per_s": msd / (4 * dt) if dt > 0 else float("nan"),
        "relative_msd_ratio": ratio,
        "relative_rms_nm": math.sqrt(msd),
        # two axes: twice the increments of the 1-D test in centre_motion_evidence
        "relative_msd_z": (math.log(ratio) / math.sqrt(1.5 / (n - lag) + 1.5 / (n - 1))
                           if lag > 1 and ratio > 0 else float("nan")),
    }


def merge_events(particles: Mapping[str, np.ndarray]) -> list[tuple[float, tuple[str, str]]]:
    """Times and track pairs at which two tracked particles became one.

    Two sources, in this order:

    - merge events of the movie analysis (``events.csv``, attached by
      :func:`read_particles_table` as ``merge_time_s`` and ``merge_parent_ids``, the parent
      track ids separated by spaces): every pair of parents of one merge;
    - the KMC ``body`` column (``particles.csv`` of a migration run): tracks a and b merge at
      the first observation where they share a body after an observation where they did not.

    Returns
    -------
    list of (time_s, (id_a, id_b))
        Sorted by time; ids as strings. Empty when the table holds neither.
    """
    out: list[tuple[float, tuple[str, str]]] = []
    if "merge_time_s" in particles and "merge_parent_ids" in particles:
        for tm, parents in zip(np.asarray(particles["merge_time_s"], float),
                               particles["merge_parent_ids"], strict=True):
            ids = str(parents).split()
            out += [(float(tm), (ids[i], ids[j])) for i in range(len(ids))
                    for j in range(i + 1, len(ids))]
    elif "body" in particles and "track_id" in particles and "time_s" in particles:
        t = np.asarray(particles["time_s"], float)
        tid = np.asarray(particles["track_id"]).astype(str)
        body = np.asarray(particles["body"]).astype(str)
        prev: dict[str, str] = {}
        for tt in np.unique(t):
            m = t == tt
            now = dict(zip(tid[m], body[m], strict=True))
            keys = sorted(k for k in now if k in prev)
            for i, a in enumerate(keys):
                for b in keys[i + 1:]:
                    if now[a] == now[b] and prev[a] != prev[b]:
                        out.append((float(tt), (a, b)))
            prev = now
    return sorted(out)


def merge_motion_evidence(particles: Mapping[str, np.ndarray] | None) -> Evidence:
    """Did two particles random-walk or drift before they merged (migration–coalescence)?

    The per-particle table can see contacts that the two-particle dimer columns miss: with
    several particles, the pair that merges need not be the pair the dimer table follows
    (the KMC's r1/r2 follow particles 0 and 1), and a movie analysis records merges of any
    two tracks. For the merging pair with the longest common record before its merge
    (:func:`merge_events`; earliest first, pairs sharing a track with an earlier pair
    skipped, so that the pairs are independent), the relative 2-D displacement before the
    merge is tested as in :func:`centre_motion_evidence`: its MSD at lag L = n/4 against
    lag 1, z = ln(MSD(L)/MSD(1)) / sqrt(1.5/(n-L) + 1.5/(n-1)) (~0 for still particles
    measured with independent localisation noise, ln L / SE for a random walk), needing
    n >= 8 frames (L >= 2); the pairs' z are combined as sum(z) / sqrt(k) (Stouffer).

    Returns
    -------
    Evidence
        value = RMS relative displacement at lag L over the pairs (nm); ``outcome``
        ``"moving"`` when the combined z > 3 and the RMS displacement exceeds 0.5 nm,
        ``"still"`` otherwise, ``"no merge"`` when no two tracks merged, n/a when no merging
        pair shares 8 frames.

    References
    ----------
    .. [1] H. Qian et al., Biophys. J. 60, 910 (1991). doi:10.1016/S0006-3495(91)82125-7
    .. [2] S. A. Stouffer et al., The American Soldier, Vol. 1 (Princeton University Press,
       1949) (combined z = sum z / sqrt k).
    """
    q = "Did two particles move before they merged (migration)?"
    if particles is None:
        return _na("merge_motion", q, "no per-particle table")
    merges = merge_events(particles)
    if not merges:
        return Evidence("merge_motion", q, float("nan"), (float("nan"), float("nan")), "nm",
                        "no two tracked particles merged", "no merge", (),
                        {"n_merges": 0})
    pairs: list[dict] = []
    used: set[str] = set()
    for tm, pair in merges:
        if used & set(pair):  # pairs sharing a track are not independent
            continue
        d = _track_motion(particles, t_end_s=tm, pair=pair, before=True)
        if not np.isfinite(d.get("relative_msd_z", float("nan"))):
            continue
        used |= set(pair)
        d["merge_time_s"] = tm
        pairs.append(d)
    if not pairs:
        return _na("merge_motion", q, f"{len(merges)} merge(s), but no merging pair was "
                   "tracked over 8 or more frames before it merged")
    # Stouffer's combination of the independent pairs' z-scores
    z = float(sum(d["relative_msd_z"] for d in pairs) / math.sqrt(len(pairs)))
    rms = float(np.sqrt(np.mean([d["relative_rms_nm"] ** 2 for d in pairs])))
    details = {"n_merges": len(merges), "pairs": pairs, "relative_msd_z": z,
               "relative_rms_nm": rms}
    names = ", ".join(f"{d['tracks_used'][0]}+{d['tracks_used'][1]} "
                      f"(merged {d['merge_time_s']:.3g} s, {d['n_common']} frames, MSD ratio "
                      f"{d['relative_msd_ratio']:.1f}, z {d['relative_msd_z']:.1f})"
                      for d in pairs)
    iv = (float("nan"), float("nan"))
    if z > SIGNIFICANCE_T and rms > 0.5:
        finding = (f"merging tracks wandered before they merged: {names}; combined z = "
                   f"{z:.1f}, RMS {rms:.2f} nm")
        return Evidence("merge_motion", q, rms, iv, "nm", finding, "moving", (MIGRATION,),
                        details)
    finding = (f"no measurable motion before the merges: {names}; combined z = {z:.1f}, "
               f"RMS {rms:.2f} nm")
    return Evidence("merge_motion", q, rms, iv, "nm", finding, "still", (), details)


def _two_particle_sizes(particles: Mapping[str, np.ndarray] | None):
    """(t, r_small, r_large, source) from a per-particle table, or None when not usable.

    Usable when the table has a size column (``equivalent_diameter_nm`` of the analysis,
    ``body_radius_nm`` of the KMC) and never more than two particles in a frame; frames with
    exactly two particles before the first merge are used (sorted by size within a frame,
    so that track-id changes of the movie tracker do not matter). The frames where only one
    particle is left after two were seen are counted as ``frames_with_one_after``.
    """
    if particles is None or "time_s" not in particles:
        return None
    if "equivalent_diameter_nm" in particles:
        r, src = 0.5 * np.asarray(particles["equivalent_diameter_nm"], float), \
            "particles.csv (equivalent diameters)"
    elif "body_radius_nm" in particles:
        r, src = np.asarray(particles["body_radius_nm"], float), "particles.csv (body radii)"
    else:
        return None
    t = np.asarray(particles["time_s"], float)
    ok = np.isfinite(t) & np.isfinite(r)
    t, r = t[ok], r[ok]
    times, counts = np.unique(t, return_counts=True)
    if times.size == 0 or counts.max() > 2:
        return None
    merges = merge_events(particles)
    t_merge = merges[0][0] if merges else float("inf")
    two = times[(counts == 2) & (times < t_merge)]
    if two.size < 4:
        return None
    small = np.array([r[t == tt].min() for tt in two])
    large = np.array([r[t == tt].max() for tt in two])
    one_after = int(np.sum((counts == 1) & (times > two[0])))
    return two, small, large, src, one_after


def ostwald_evidence(table: DimerTable,
                     particles: Mapping[str, np.ndarray] | None = None) -> Evidence:
    """Did one particle shrink while the two were apart (Ostwald ripening)?

    Uses the frames before contact (all frames when there is none) of the dimer table, or,
    when a per-particle table with sizes and at most two particles per frame is given, the
    frames where it sees two particles before any merge (the sizes of each particle measured
    alone, independent of the dimer geometry and its contact decision; ``details["source"]``
    says which). Ripening shows as the smaller particle losing volume while the larger does
    not (if both shrink, it is
    sublimation); the LSW law r^3 - r0^3 = K t (diffusion-limited) is fitted to the shrinking
    particle and compared with r^2 ~ t (interface-limited).

    Returns
    -------
    Evidence
        value = fractional volume lost by the smaller particle over the non-contact frames;
        ``outcome`` ``"ripening"`` when that loss exceeds 10 % and 3 SE while the larger one
        does not shrink significantly; ``"both shrink"``, or ``"no ripening"``.

    References
    ----------
    .. [1] I. M. Lifshitz, V. V. Slyozov, J. Phys. Chem. Solids 19, 35 (1961).
       doi:10.1016/0022-3697(61)90054-3
    """
    q = "Did one particle shrink while they were apart (Ostwald ripening)?"
    sizes = _two_particle_sizes(particles)
    extra: dict = {"source": "dimer table, frames before contact"}
    if sizes is not None:
        t, r1, r2, src, one_after = sizes
        extra = {"source": src + ", frames with two particles before any merge",
                 "frames_with_one_particle_after": one_after}
    else:
        pre = _pre_contact(table)
        r1, r2 = table.r1_nm[pre], table.r2_nm[pre]
        t = table.time_s[pre]
        ok = np.isfinite(r1) & np.isfinite(r2)
        if ok.sum() < 4:
            return _na("ostwald", q,
                       f"only {int(ok.sum())} frames with both radii before contact")
        t, r1, r2 = t[ok], r1[ok], r2[ok]
    head = slice(0, max(2, t.size // 5))
    small, large = (r1, r2) if np.median(r1[head]) <= np.median(r2[head]) else (r2, r1)
    span = float(t[-1] - t[0])
    v0 = float(np.median(small[head]) ** 3)
    s_small, _, se_small, _, _ = _linfit(t, small**3)
    s_large, _, se_large, _, _ = _linfit(t, large**3)
    loss = -s_small * span / v0
    loss_se = se_small * span / v0
    large_shrinks = s_large < -SIGNIFICANCE_T * se_large
    sig = loss > SIGNIFICANCE_T * loss_se and loss > OSTWALD_MIN_VOLUME_LOSS
    # LSW exponent: compare straight-line fits of r^3 and r^2 of the shrinking particle
    sc3 = _nonlinearity(t, small**3)
    sc2 = _nonlinearity(t, small**2)
    details = {
        "frames": int(t.size), "duration_s": span,
        "lsw_K_nm3_per_s": -s_small, "lsw_K_se_nm3_per_s": se_small,
        "larger_volume_slope_nm3_per_s": s_large,
        "r3_unexplained_variance": sc3, "r2_unexplained_variance": sc2,
        "better_law": "r^3 ~ t (diffusion-limited)" if sc3 <= sc2 else
                      "r^2 ~ t (interface-limited)",
    } | extra
    iv = (loss - 2 * loss_se, loss + 2 * loss_se)
    if sig and not large_shrinks:
        finding = (f"the smaller particle lost {100 * loss:.0f} ± {200 * loss_se:.0f} % of its "
                   f"volume without contact; LSW K = {-s_small:.3g} nm³/s")
        return Evidence("ostwald", q, loss, iv, "fraction", finding, "ripening", (OSTWALD,),
                        details)
    if sig and large_shrinks:
        finding = "both particles shrank without contact: sublimation, not ripening"
        return Evidence("ostwald", q, loss, iv, "fraction", finding, "both shrink", (), details)
    finding = (f"no ripening: smaller particle volume change {-100 * loss:+.1f} ± "
               f"{200 * loss_se:.1f} % before contact")
    return Evidence("ostwald", q, loss, iv, "fraction", finding, "no ripening", (), details)


def densification_evidence(table: DimerTable, *, particle_radius_nm: float | None = None,
                           until_s: float | None = None) -> Evidence:
    """Did the centres approach after contact (densifying transport)?

    Viscous flow, volume and grain-boundary diffusion take mass from the contact plane: in the
    two-sphere geometry each centre moves in by h = x^2/4a, so the centre distance falls by
    u = x^2/2a as the neck grows. Surface diffusion and evaporation–condensation leave the
    centre distance unchanged. The test regresses the centre distance on u,
    L = L0 - beta u, and reads beta: 1 for densifying, 0 for non-densifying transport.

    Only frames up to *until_s* (the end of the initial stage, see
    :func:`initial_stage_end_s`) are used: later, two coalescing particles approach whatever
    the mechanism.

    Returns
    -------
    Evidence
        value = beta with a +-2 SE interval; ``outcome`` ``"densifying"`` when the interval
        lies above 0.5, ``"non-densifying"`` when it lies below 0.5, ``"inconclusive"``
        otherwise. ``details`` also gives the relative approach dL/L0 over the run.

    References
    ----------
    .. [1] R. L. Coble, J. Am. Ceram. Soc. 41, 55 (1958).
       doi:10.1111/j.1151-2916.1958.tb13519.x
    """
    q = "Did the centres approach after contact (densifying)?"
    d = table.get("center_distance_nm")
    if d is None:
        return _na("densification", q, "no center_distance_nm column")
    x = table.neck_radius_nm
    post = table.contact & np.isfinite(d) & np.isfinite(x) & _until(table, until_s)
    if post.sum() < 4:
        return _na("densification", q,
                   f"only {int(post.sum())} initial-stage frames after contact")
    a = particle_radius_nm or float(np.nanmedian(0.5 * (table.r1_nm + table.r2_nm)))
    u = x[post] ** 2 / (2 * a)
    dd = d[post]
    err = table.error("center_distance_nm")
    slope, _, se, _, _ = _linfit(u, dd, None if err is None else err[post])
    beta, beta_se = -slope, se
    k = max(2, dd.size // 5)
    l0 = float(np.mean(dd[:k]))
    shrink = (l0 - float(np.mean(dd[-k:]))) / l0
    lo, hi = beta - 2 * beta_se, beta + 2 * beta_se
    expected = float(np.mean(u[-k:]) - np.mean(u[:k])) / l0
    details = {"frames": int(post.sum()), "initial_distance_nm": l0, "relative_approach": shrink,
               "expected_relative_approach_if_densifying": expected,
               "final_x_over_a": float(np.mean(x[post][-k:]) / a)}
    if not np.isfinite(beta) or float(np.ptp(u)) <= 0:
        return Evidence("densification", q, float("nan"), (lo, hi), "beta",
                        "the neck did not change enough to test", "inconclusive", (), details)
    if lo > 0.5:
        outcome, supports = "densifying", DENSIFYING
        finding = (f"centres approached as the neck grew: beta = {beta:.2f} ± {2 * beta_se:.2f}"
                   f" (1 = densifying), dL/L0 = {100 * shrink:.2f} %")
    elif hi < 0.5:
        outcome, supports = "non-densifying", NON_DENSIFYING
        finding = (f"centre distance unchanged: beta = {beta:.2f} ± {2 * beta_se:.2f} "
                   f"(0 = non-densifying), dL/L0 = {100 * shrink:+.2f} % vs "
                   f"{100 * expected:.2f} % if densifying")
    else:
        outcome, supports = "inconclusive", ()
        finding = (f"centre motion cannot tell: beta = {beta:.2f} ± {2 * beta_se:.2f} "
                   f"(0 non-densifying, 1 densifying)")
    return Evidence("densification", q, beta, (lo, hi), "beta", finding, outcome, supports,
                    details)


def volume_evidence(table: DimerTable) -> Evidence:
    """Was the total volume conserved over the run?

    Uses ``volume_nm3`` when present, else ``n_atoms`` (KMC: volume proportional to the atom
    count); otherwise spheres 4/3 pi (r1^3 + r2^3) on frames before
    contact only (after contact the overlapping lobes and the neck make the sphere sum wrong).
    A net loss means material leaves (sublimation, sputtering); sintering by any of the
    classical mechanisms conserves volume.

    Returns
    -------
    Evidence
        value = relative volume change over the run from a straight-line fit;
        ``outcome`` ``"conserved"``, ``"loss"``, ``"gain"`` or ``"inconclusive"``
        (tolerance 5 %).
    """
    q = "Was the total volume conserved?"
    v = table.get("volume_nm3")
    src = "volume_nm3"
    sel = np.ones(len(table), dtype=bool)
    if v is None or not np.isfinite(v).any():
        # the KMC counts atoms: the volume is proportional to their number
        v, src = table.get("n_atoms"), "n_atoms"
    if v is None or not np.isfinite(v).any():
        v = 4 / 3 * np.pi * (table.r1_nm**3 + table.r2_nm**3)
        sel = _pre_contact(table)
        src = "spheres from r1, r2 before contact"
    sel = sel & np.isfinite(v)
    if sel.sum() < 4:
        return _na("volume", q, f"only {int(sel.sum())} frames with a volume ({src})")
    t, vv = table.time_s[sel], v[sel]
    err = table.error("volume_nm3") if src == "volume_nm3" else None
    slope, icpt, se, _, _ = _linfit(t, vv, None if err is None else err[sel])
    span = float(t[-1] - t[0])
    v0 = icpt + slope * t[0]
    ch, ch_se = slope * span / v0, se * span / v0
    lo, hi = ch - 2 * ch_se, ch + 2 * ch_se
    if -VOLUME_TOLERANCE <= lo and hi <= VOLUME_TOLERANCE:
        outcome = "conserved"
    elif hi < -VOLUME_TOLERANCE:
        outcome = "loss"
    elif lo > VOLUME_TOLERANCE:
        outcome = "gain"
    else:
        outcome = "inconclusive"
    finding = f"volume change {100 * ch:+.1f} ± {200 * ch_se:.1f} % over {span:.3g} s ({outcome})"
    return Evidence("volume", q, ch, (lo, hi), "fraction", finding, outcome, (),
                    {"source": src, "initial_volume_nm3": v0, "duration_s": span})


def sublimation_evidence(table: DimerTable) -> Evidence:
    """Did both particles shrink while the volume fell, the smaller one faster (sublimation)?

    Free evaporation (Hertz–Knudsen with the Kelvin pressure, PHYSICS.md §3) makes every
    particle lose radius at

        dr/dt = -Omega alpha p_inf exp(lambda / r) / sqrt(2 pi m k T),
        lambda = 2 gamma Omega / kT,

    so both particles shrink, whether or not they touch, and the smaller one shrinks faster:
    the ratio of the rates is exp(lambda (1/r_small - 1/r_large)) >= 1. Ostwald ripening
    differs in that the larger particle grows (the mass stays in the system), sintering in
    that the volume is conserved. The test fits straight lines to r1(t) and r2(t) over every
    frame with both radii, and reads the volume change from ``volume_nm3``, ``n_atoms`` or
    (before contact) the sphere volumes. With distinct radii it also returns the Kelvin length
    lambda = ln(rate_small / rate_large) / (1/r_small - 1/r_large) implied by the two average
    rates at the run-mean radii (approximate: the rates change as the radii fall).

    Returns
    -------
    Evidence
        value = relative volume lost over the run (> 0 for a loss), with a +-2 SE interval.
        ``outcome`` ``"sublimation"`` when the loss exceeds 10 % and 3 SE, both radii fall by
        more than 3 SE, and the smaller particle does not shrink significantly slower than the
        larger (rate difference > -2 SE); ``"not Kelvin-like"`` when both shrink but the larger
        one clearly faster; ``"no sublimation"`` otherwise.

    References
    ----------
    .. [1] H. Hertz, Ann. Phys. 253, 177 (1882); M. Knudsen, Ann. Phys. 352, 697 (1915)
       (evaporation flux). doi:10.1002/andp.18822531002
    .. [2] W. Thomson (Lord Kelvin), Phil. Mag. 42, 448 (1871) (vapour pressure over a curved
       surface). doi:10.1080/14786447108640606
    .. [3] G. A. Somorjai and D. W. Jepsen, J. Chem. Phys. 41, 1389 (1964) (free evaporation
       of CdS). doi:10.1063/1.1726078
    """
    q = "Did both particles shrink as the volume fell, the smaller faster (sublimation)?"
    r1, r2, t = table.r1_nm, table.r2_nm, table.time_s
    ok = np.isfinite(r1) & np.isfinite(r2)
    if ok.sum() < 4:
        return _na("sublimation", q, f"only {int(ok.sum())} frames with both radii")
    vol = volume_evidence(table)
    if not vol.available:
        return _na("sublimation", q, "no volume: " + vol.finding)
    loss = -vol.value
    loss_se = 0.25 * (vol.interval[1] - vol.interval[0])
    tt, a, b = t[ok], r1[ok], r2[ok]
    head = slice(0, max(2, tt.size // 5))
    if np.median(a[head]) > np.median(b[head]):
        a, b = b, a
    s_small, _, se_small, _, _ = _linfit(tt, a)
    s_large, _, se_large, _, _ = _linfit(tt, b)
    r_small, r_large = float(np.median(a[head])), float(np.median(b[head]))
    faster = -s_small - (-s_large)  # > 0 when the smaller shrinks faster
    faster_se = math.hypot(se_small, se_large)
    both = s_small < -SIGNIFICANCE_T * se_small and s_large < -SIGNIFICANCE_T * se_large
    lost = loss > SUBLIMATION_MIN_VOLUME_LOSS and loss > SIGNIFICANCE_T * loss_se
    kelvin_len = float("nan")
    # the straight-line rates are run averages: compare them at the run-mean radii
    inv = 1 / float(np.mean(a)) - 1 / float(np.mean(b))
    if both and inv > 0.01:
        kelvin_len = math.log(s_small / s_large) / inv
    details = {
        "frames": int(ok.sum()), "volume_source": vol.details.get("source"),
        "small_radius_nm": r_small, "large_radius_nm": r_large,
        "small_rate_nm_per_s": s_small, "small_rate_se_nm_per_s": se_small,
        "large_rate_nm_per_s": s_large, "large_rate_se_nm_per_s": se_large,
        "kelvin_length_nm": kelvin_len,
    }
    temp = table.get("temperature_K")
    if temp is not None and np.isfinite(temp).any():
        details["temperature_range_K"] = [float(np.nanmin(temp)), float(np.nanmax(temp))]
    iv = (loss - 2 * loss_se, loss + 2 * loss_se)
    if both and lost and faster > -2 * faster_se:
        finding = (f"both particles shrank ({s_small:.3g} and {s_large:.3g} nm/s, the smaller "
                   f"at least as fast) and {100 * loss:.0f} ± {200 * loss_se:.0f} % of the "
                   "volume left: sublimation")
        return Evidence("sublimation", q, loss, iv, "fraction", finding, "sublimation",
                        (SUBLIMATION,), details)
    if both and lost:
        finding = (f"both particles shrank, but the larger faster ({s_large:.3g} vs "
                   f"{s_small:.3g} nm/s): not the Kelvin order of free evaporation")
        return Evidence("sublimation", q, loss, iv, "fraction", finding, "not Kelvin-like", (),
                        details)
    finding = (f"no sublimation: volume change {-100 * loss:+.1f} ± {200 * loss_se:.1f} %, "
               f"radius rates {s_small:.3g} and {s_large:.3g} nm/s")
    return Evidence("sublimation", q, loss, iv, "fraction", finding, "no sublimation", (),
                    details)


def neck_curvature_evidence(
    table: DimerTable, *, particle_radius_nm: float | None = None,
    until_s: float | None = None, rng: np.random.Generator | int | None = None,
) -> Evidence:
    """Does the neck curvature radius follow rho = x^2/2a or x^2/4a?

    In the two-sphere model the neck profile radius is rho ~ x^2/2a when the centres stay put
    (surface diffusion, evaporation–condensation) and ~ x^2/4a when they approach. The ratio
    q = rho a / x^2 (0.5 vs 0.25) is summarised by its median with a bootstrap interval; the
    row favours the side whose value is nearer on a log scale when the interval excludes the
    geometric midpoint (0.354). Approximate: the relations hold for x/a << 1, so only frames
    up to *until_s* (the end of the initial stage) are used.

    Returns
    -------
    Evidence
        value = median of rho a / x^2 after contact.

    References
    ----------
    .. [1] R. L. Coble, J. Am. Ceram. Soc. 41, 55 (1958).
       doi:10.1111/j.1151-2916.1958.tb13519.x
    """
    q = "Neck curvature: rho ≈ x²/2a (non-densifying) or x²/4a (densifying)?"
    rho = table.get("neck_curvature_radius_nm")
    if rho is None:
        return _na("neck_curvature", q, "no neck_curvature_radius_nm column")
    radii = 0.5 * (table.r1_nm + table.r2_nm)
    if particle_radius_nm is None and not np.isfinite(radii).any():
        return _na("neck_curvature", q, "no frame with both particle radii")
    a = particle_radius_nm or float(np.nanmedian(radii))
    x = table.neck_radius_nm
    ok = (table.contact & np.isfinite(rho) & np.isfinite(x) & (x > 0) & (rho > 0)
          & _until(table, until_s))
    if ok.sum() < 4:
        return _na("neck_curvature", q, f"only {int(ok.sum())} frames with x and rho")
    ratio = rho[ok] * a / x[ok] ** 2
    g = np.random.default_rng(rng)
    boots = np.median(ratio[g.integers(0, ratio.size, (400, ratio.size))], axis=1)
    med = float(np.median(ratio))
    lo, hi = (float(v) for v in np.percentile(boots, [2.5, 97.5]))
    mid = math.sqrt(0.5 * 0.25)
    if lo > mid:
        outcome, supports = "non-densifying", NON_DENSIFYING
    elif hi < mid:
        outcome, supports = "densifying", DENSIFYING
    else:
        outcome, supports = "inconclusive", ()
    finding = f"rho·a/x² = {med:.2f} [{lo:.2f}, {hi:.2f}] (0.5 non-densifying, 0.25 densifying)"
    return Evidence("neck_curvature", q, med, (lo, hi), "rho a / x^2", finding, outcome,
                    supports, {"frames": int(ok.sum())})


#: sublimation enthalpy of CdS, 76.4 kcal/mol (Nishimura 1991) in eV per formula unit
CDS_SUBLIMATION_ENTHALPY_eV = 76.4 * 4184.0 / 96485.33212
#: Tang et al. (2023) saw the dimer sublime during annealing at 280 °C
SUBLIMATION_REFERENCE_K = 553.15
#: time to sublime a particle at the reference temperature, taken deliberately short (the paper
#: gives no duration; real sublimation took far longer): makes the bound generous to vapour
#: transport
SUBLIMATION_REFERENCE_TIME_S = 1.0
#: vapour transport is excluded when it is slower than the observed growth by this factor
VAPOUR_EXCLUSION_FACTOR = 100.0


def vapour_transport_evidence(
    *,
    temperature_K: float,
    growth_time_s: float,
    final_x_over_a: float,
    sublimation_enthalpy_eV: float = CDS_SUBLIMATION_ENTHALPY_eV,
    reference_temperature_K: float = SUBLIMATION_REFERENCE_K,
    reference_sublimation_time_s: float = SUBLIMATION_REFERENCE_TIME_S,
) -> Evidence:
    """Could vapour transport (evaporation–condensation) be fast enough to grow this neck?

    Evaporation–condensation cannot move mass faster than free sublimation (Hertz–Knudsen
    flux with sticking coefficient <= 1), whose rate scales with the equilibrium vapour pressure,
    p_eq ~ exp(-dH_sub / kT). Anchoring the sublimation time of a particle at a reference
    temperature, the least time vapour transport needs to fill the neck (volume about
    3/8 (x/a)^4 of a particle, from the two-sphere neck of profile radius x^2/2a) is

        t_EC >= t_ref * exp(dH_sub/k (1/T - 1/T_ref)) * 3/8 (x/a)^4.

    The Kelvin enhancement of p_eq at these radii (2 gamma Omega / r kT ~ 1) and the
    T^-1/2 prefactor change this by less than a factor 10; the test needs a factor 100.

    Parameters
    ----------
    temperature_K : float, keyword-only
        Temperature of the sample during neck growth.
    growth_time_s : float, keyword-only
        Observed neck-growth time (s).
    final_x_over_a : float, keyword-only
        Neck ratio reached.
    sublimation_enthalpy_eV : float, keyword-only
        Default CdS, 76.4 kcal/mol = 3.31 eV (Nishimura 1991).
    reference_temperature_K, reference_sublimation_time_s : float, keyword-only
        Anchor: Tang et al. saw the dimer sublime at 280 °C; the time is taken as 1 s, far
        shorter than observed, so that the bound favours vapour transport.

    Returns
    -------
    Evidence
        value = t_EC / growth time; ``outcome`` ``"too slow"`` (> 100), ``"possible"``
        (< 1) or ``"inconclusive"``.

    References
    ----------
    .. [1] Y. Nishimura et al., Jpn. J. Appl. Phys. 30, 537 (1991) (CdS sublimation enthalpy
       76.4 kcal/mol; PHYSICS.md §3). doi:10.1143/JJAP.30.537
    .. [2] G. A. Somorjai and D. W. Jepsen, "Evaporation mechanism of CdS single crystals",
       J. Chem. Phys. 41, 1389 (1964) (free evaporation coefficient < 1).
       doi:10.1063/1.1726078
    .. [3] L. Tang et al., Nanomaterials 13, 3082 (2023), Fig. 4. doi:10.3390/nano13243082
    """
    from nanosinter._validation import check_positive
    from nanosinter.units import BOLTZMANN_eV_per_K

    q = "Is vapour transport fast enough (evaporation–condensation)?"
    T = float(check_positive("temperature_K", temperature_K))
    dh = float(check_positive("sublimation_enthalpy_eV", sublimation_enthalpy_eV))
    t_ref = float(check_positive("reference_sublimation_time_s", reference_sublimation_time_s))
    T_ref = float(check_positive("reference_temperature_K", reference_temperature_K))
    growth = float(check_positive("growth_time_s", growth_time_s))
    frac = 3 / 8 * float(final_x_over_a) ** 4
    log10_t = (math.log10(t_ref) + dh / BOLTZMANN_eV_per_K * (1 / T - 1 / T_ref) / math.log(10)
               + math.log10(max(frac, 1e-300)))
    log10_ratio = log10_t - math.log10(growth)
    ratio = 10.0**log10_ratio if log10_ratio < 300 else float("inf")
    details = {"temperature_K": T, "sublimation_enthalpy_eV": dh,
               "log10_min_vapour_time_s": log10_t, "log10_ratio": log10_ratio,
               "neck_volume_fraction": frac}
    if ratio > VAPOUR_EXCLUSION_FACTOR:
        outcome, supports = "too slow", ()
        finding = (f"vapour transport at {T:.0f} K needs >= 10^{log10_t:.0f} s to fill the neck,"
                   f" 10^{log10_ratio:.0f} x the observed {growth:.3g} s: evaporation–"
                   "condensation excluded")
    elif ratio < 1:
        outcome, supports = "possible", ("evaporation_condensation",)
        finding = f"vapour transport at {T:.0f} K could fill the neck in the observed time"
    else:
        outcome, supports = "inconclusive", ()
        finding = f"vapour transport at {T:.0f} K is marginal (10^{log10_ratio:.1f} x)"
    return Evidence("vapour_transport", q, ratio, (ratio, ratio), "t_EC / t_growth", finding,
                    outcome, supports, details)


def mechanism_evidence(
    table: DimerTable, *, particles: Mapping[str, np.ndarray] | None = None,
    particle_radius_nm: float | None = None, until_s: float | None = None,
    fit: NeckGrowthFit | None = None, temperature_K: float | None = None,
    sublimation_enthalpy_eV: float | None = CDS_SUBLIMATION_ENTHALPY_eV,
    rng: np.random.Generator | int | None = None,
) -> tuple[Evidence, ...]:
    """All evidence rows for one dimer record (see the individual functions).

    *until_s* is the end of the initial stage for the rows that read the neck geometry. The
    vapour-transport row needs the neck-growth *fit* and a temperature: the table's
    ``temperature_K`` column (median over the growth) when present, else *temperature_K*;
    pass ``sublimation_enthalpy_eV=None`` to leave it out (materials other than CdS).
    """
    rows = [
        centre_motion_evidence(table, particles=particles),
        merge_motion_evidence(particles),
        ostwald_evidence(table, particles),
        densification_evidence(table, particle_radius_nm=particle_radius_nm, until_s=until_s),
        volume_evidence(table),
        sublimation_evidence(table),
        neck_curvature_evidence(table, particle_radius_nm=particle_radius_nm, until_s=until_s,
                                rng=rng),
    ]
    if fit is not None and sublimation_enthalpy_eV is not None:
        col = table.get("temperature_K")
        T = temperature_K
        if col is not None and np.isfinite(col[table.contact]).any():
            T = float(np.nanmedian(col[table.contact]))
        if T is not None:
            rows.append(vapour_transport_evidence(
                temperature_K=T, growth_time_s=float(fit.time_s.max()),
                final_x_over_a=float(fit.x_over_a.max()),
                sublimation_enthalpy_eV=sublimation_enthalpy_eV))
    return tuple(rows)


def _until(table: DimerTable, until_s: float | None) -> np.ndarray:
    if until_s is None or not np.isfinite(until_s):
        return np.ones(len(table), dtype=bool)
    return table.time_s <= until_s


#: likelihood of the observation for a mechanism the neck-curvature row argues against: the
#: rho relation is approximate (x/a << 1, Coble 1958), so it only halves the weight
_CURVATURE_AGAINST = 0.5
#: smallest likelihood ratio the densification row may give (it rests on sphere fits to
#: faceted lobes, whose centres can jitter by a fraction of a lattice constant)
_DENSIFICATION_FLOOR = 0.01
#: share of the mechanism weight that does not come from the neck-growth exponent.
#: *Calibrated* on the KMC ground truth (surface diffusion only): the classical exponents are
#: continuum initial-stage results, and few-nm faceted particles show other apparent
#: exponents (n ~ 5 with the time-offset fit on the faceted KMC dimer, ~2 on the bridged
#: demo), so the exponent alone must not veto a mechanism that the direct tests (centre
#: distance, vapour transport) leave as the only one possible.
LAW_EVIDENCE_FLOOR = 0.2
#: weight left to evaporation–condensation when vapour transport is too slow by > 100x
_VAPOUR_TOO_SLOW = 1e-3


def densification_likelihood_ratio(evidence: Evidence) -> float:
    """Likelihood ratio densifying : non-densifying of a densification row.

    beta is measured with standard error se (a quarter of the 2-SE interval); a densifying
    mechanism predicts beta = 1, a non-densifying one beta = 0, so with Gaussian errors

        L(densifying) / L(non-densifying) = exp((2 beta - 1) / (2 se^2)).

    NaN beta gives 1 (no information).
    """
    beta = evidence.value
    se = 0.25 * (evidence.interval[1] - evidence.interval[0])
    if not (np.isfinite(beta) and np.isfinite(se)) or se <= 0:
        return 1.0
    return float(math.exp(min(700.0, max(-700.0, (2 * beta - 1) / (2 * se**2)))))


def decide_mechanism(
    evidence: tuple[Evidence, ...], fit: NeckGrowthFit | None, *, min_confidence: float = 0.5
) -> Verdict:
    """Weigh the evidence and the neck-growth fit into one verdict.

    Rules, in order:

    1. Direct evidence of a process other than sintering by a neck-growth law:
       ripening (one particle shrinks without contact while the other does not) -> Ostwald
       ripening; centres that drifted or random-walked before a contact that followed, or
       two tracks that random-walked before they merged (``merge_motion`` row, any pair of
       the per-particle table) -> migration–coalescence; both particles shrinking, the
       smaller at least as fast, while more than 10 % of the volume leaves -> sublimation /
       evaporation. When more than one of these fires, the evidence conflicts ->
       undetermined. Confidence: 1 - p of the row's signal (two-sided normal p of the
       volume loss, the approach or the MSD growth).
    2. No contact, or no neck growth detected (the constant model wins or the free exponent is
       consistent with zero) -> undetermined.
    3. Otherwise the five neck-growth mechanisms are weighed: the bootstrap support of each
       law (the fraction of resamples in which it fits best, time offset refitted each time;
       the point-estimate law weights when there is no bootstrap), mixed with a uniform share
       :data:`LAW_EVIDENCE_FLOOR` -- surface diffusion takes the larger of its own and the
       grain-boundary value, because Nichols & Mullins show surface-diffusion necks give an
       apparent n of 5.5-6.5 at 0.05 <= x/a <= 0.3 --, multiplied by the densification
       likelihood ratio (:func:`densification_likelihood_ratio`, against the losing class,
       floored at 0.01), by 0.5 against the class the neck-curvature row argues against, by
       1e-3 for evaporation–condensation when vapour transport is too slow, and normalised.
       The leading mechanism is the verdict when its probability reaches *min_confidence*;
       otherwise undetermined.

    Parameters
    ----------
    evidence : tuple of Evidence
        From :func:`mechanism_evidence`.
    fit : NeckGrowthFit or None
        Neck-growth fit (None when the particles never touched).
    min_confidence : float, keyword-only
        Probability below which the verdict is "undetermined".

    Returns
    -------
    Verdict

    References
    ----------
    .. [1] F. A. Nichols and W. W. Mullins, J. Appl. Phys. 36, 1826 (1965).
       doi:10.1063/1.1714360
    .. [2] R. L. Coble, J. Am. Ceram. Soc. 41, 55 (1958).
       doi:10.1111/j.1151-2916.1958.tb13519.x
    """
    ev = {e.key: e for e in evidence}
    reasons: list[str] = []

    def level(p: float) -> str:
        return "high" if p >= 0.9 else "moderate" if p >= 0.7 else "low"

    def half_se(e: Evidence) -> float:
        return 0.25 * (e.interval[1] - e.interval[0])

    direct: list[tuple[str, float, str]] = []
    ost = ev.get("ostwald")
    if ost is not None and ost.outcome == "ripening":
        direct.append((OSTWALD, _confidence_from_t(ost.value, half_se(ost)), ost.finding))
    mov = ev.get("centre_motion")
    if mov is not None and mov.outcome == "moving" and mov.details.get("contact_follows"):
        p_drift = _confidence_from_t(mov.value, half_se(mov))
        z = mov.details.get("msd_z", float("nan"))
        p_walk = _confidence_from_t(z, 1.0) if np.isfinite(z) else 0.0
        direct.append((MIGRATION, max(p_drift, p_walk),
                       mov.finding + "; then they touched"))
    mrg = ev.get("merge_motion")
    if mrg is not None and mrg.outcome == "moving":
        p_merge = _confidence_from_t(mrg.details["relative_msd_z"], 1.0)
        if direct and direct[-1][0] == MIGRATION:
            key, p_old, f_old = direct.pop()
            direct.append((MIGRATION, max(p_old, p_merge), f_old + "; " + mrg.finding))
        else:
            direct.append((MIGRATION, p_merge, mrg.finding))
    sub = ev.get("sublimation")
    if sub is not None and sub.outcome == "sublimation":
        direct.append((SUBLIMATION, _confidence_from_t(sub.value, half_se(sub)), sub.finding))
    if len(direct) > 1:
        reasons += [f for _, _, f in direct]
        names = " and ".join(LABELS[k] for k, _, _ in direct)
        reasons.append(f"the evidence conflicts ({names} at once)")
        p = max(c for _, c, _ in direct) / len(direct)
        return Verdict(UNDETERMINED, LABELS[UNDETERMINED], p, "none", {}, tuple(reasons))
    if direct:
        key, p, finding = direct[0]
        reasons.append(finding)
        if key == MIGRATION and fit is not None:
            reasons.append(f"after contact the neck grew (best law: {LABELS[fit.best_law]})")
        if p < min_confidence:
            reasons.append(f"{LABELS[key]} has only p = {p:.2f}")
            return Verdict(UNDETERMINED, LABELS[UNDETERMINED], p, "none", {}, tuple(reasons))
        return Verdict(key, LABELS[key], p, level(p), {}, tuple(reasons))
    if fit is None:
        reasons.append("no neck-growth fit (no contact, or no initial-stage frames after it) "
                       "and no ripening, migration or sublimation")
        if mov is not None and mov.outcome == "moving":
            reasons.append(mov.finding + " (but no contact yet)")
        return Verdict(UNDETERMINED, LABELS[UNDETERMINED], 0.0, "none", {}, tuple(reasons))
    if not fit.growth_detected:
        lo, hi = fit.model("power_law").intervals.get("exponent", (float("nan"),) * 2)
        reasons.append(f"no neck growth detected (best model {fit.best}; 1/n interval "
                       f"[{lo:.3g}, {hi:.3g}])")
        return Verdict(UNDETERMINED, LABELS[UNDETERMINED], 0.0, "none", {}, tuple(reasons))
    support = dict(fit.law_support)
    use_support = all(np.isfinite(v) for v in support.values())
    w = support if use_support else dict(fit.law_weights)
    law = dict(w)
    law["surface_diffusion"] = max(w["surface_diffusion"], w["grain_boundary_diffusion"])
    law = {k: (1 - LAW_EVIDENCE_FLOOR) * v + LAW_EVIDENCE_FLOOR / len(law)
           for k, v in law.items()}
    pl = fit.model("power_law")
    n_free = pl.params["n"]
    n_lo, n_hi = pl.intervals.get("n", (float("nan"),) * 2)
    reasons.append(
        f"neck grows; free exponent n = {n_free:.2f} [{n_lo:.2f}, {n_hi:.2f}] with time offset "
        f"t0 = {pl.params.get('t0_s', float('nan')):.3g} s; law "
        + ("bootstrap support " if use_support else "weights ")
        + ", ".join(f"{k.split('_')[0]} {v:.2f}" for k, v in w.items()))
    score = dict(law)
    den = ev.get("densification")
    if den is not None and den.available and np.isfinite(den.value):
        lr = densification_likelihood_ratio(den)
        for k in DENSIFYING:
            score[k] *= max(_DENSIFICATION_FLOOR, min(1.0, lr))
        for k in NON_DENSIFYING:
            score[k] *= max(_DENSIFICATION_FLOOR, min(1.0, 1.0 / lr))
        reasons.append(den.finding + f" (likelihood ratio densifying : not = {lr:.3g})")
    cur = ev.get("neck_curvature")
    if cur is not None and cur.outcome in ("densifying", "non-densifying"):
        against = NON_DENSIFYING if cur.outcome == "densifying" else DENSIFYING
        for k in against:
            score[k] *= _CURVATURE_AGAINST
        reasons.append(cur.finding)
    vap = ev.get("vapour_transport")
    if vap is not None and vap.outcome == "too slow":
        score["evaporation_condensation"] *= _VAPOUR_TOO_SLOW
        reasons.append(vap.finding)
    total = sum(score.values())
    probs = {k: float(v / total) if total > 0 else 0.0 for k, v in score.items()}
    best = max(probs, key=probs.__getitem__)
    p = float(probs[best])
    vol = ev.get("volume")
    if vol is not None and vol.outcome == "loss":
        reasons.append(vol.finding + ": material leaves the dimer (sublimation or sputtering)")
    if p < min_confidence:
        reasons.append(f"leading candidate {LABELS[best]} has only p = {p:.2f}")
        return Verdict(UNDETERMINED, LABELS[UNDETERMINED], p, "none", probs, tuple(reasons))
    reasons.append(f"{LABELS[best]}: p = {p:.2f} (law n = {MECHANISM_BY_KEY[best].n})")
    return Verdict(best, LABELS[best], p, level(p), probs, tuple(reasons))


def _confidence_from_t(value: float, se: float) -> float:
    """Map a signal-to-noise ratio to a probability-like confidence (1 - two-sided p)."""
    if not np.isfinite(se) or se <= 0:
        return 0.99
    from scipy.stats import norm

    return float(min(0.999, 1 - 2 * norm.sf(abs(value) / se)))

"""Fit neck-growth laws to x/a against time since contact and choose among them.

All models are fitted to y = ln(x/a) against time by weighted least squares with an unknown
noise scale, so that every model is judged on the same data with the same likelihood:

- ``constant``: x/a does not change (the null model, 1 parameter);
- one model per classical law (X/D)^n = B (t + t0) / D^m with n, m fixed (B, and t0 when
  fitted);
- ``power_law``: x/a = k (t + t0)^(1/n) with n free;
- ``two_stage``: x/a = A (1 - exp(-(t + t0)/tau)) + g (t + t0), a fast initial stage that
  saturates over tau, then linear growth at rate g, as Tang et al. (2023) describe their neck.

Finite initial neck. The classical laws integrate a rate equation of the form
d(x^n)/dt = const (Kuczynski 1949; German 2014, ch. 7): a neck that is already x0 wide when
the record starts, as when lattice spheres touch along a facet or the first frame in contact
shows a resolved neck, therefore obeys x^n - x0^n = B t / D^m -- the same curve as the law
anchored at a time t0 = x0^n D^m / B before contact, (X/D)^n = B (t + t0) / D^m. Fitting t0
(rather than x0) keeps every model in the same form f(t + t0) with f(0) = 0, so one grid of
t0 serves all of them, and a contact time that is only known to within a frame is absorbed by
the same parameter. Anchoring the laws at contact when the neck starts finite reads the flat
start as slow growth: on the KMC facet contact the free exponent came out n = 13.7 instead of
~6 (docs/kinetics.md). The offset costs one parameter, so it is used -- for every growth model
at once -- only when it improves the criterion by more than :data:`OFFSET_EVIDENCE`
(``time_offset="auto"``); ``"fit"`` and ``"none"`` force the choice. The fit reports t0 and the
implied x0/a = (K t0)^(1/n) with bootstrap intervals.

Models are compared by AIC and BIC and their Akaike/Schwarz weights; intervals come from a
pairs (case-resampling) bootstrap with a seeded generator, each resample refitting t0.

References
----------
.. [1] G. C. Kuczynski, "Self-diffusion in sintering of metallic particles", Trans. AIME 185,
   169 (1949) (pre-DOI).
.. [2] R. M. German, "Sintering: From Empirical Observations to Scientific Principles",
   Butterworth-Heinemann (2014), ch. 7. doi:10.1016/C2012-0-00717-X
.. [3] F. A. Nichols and W. W. Mullins, J. Appl. Phys. 36, 1826 (1965) (neck growth by
   surface diffusion computed from a finite initial neck). doi:10.1063/1.1714360
.. [4] R. E. Kass and A. E. Raftery, "Bayes factors", J. Am. Stat. Assoc. 90, 773 (1995).
   doi:10.1080/01621459.1995.10476572
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from nanosinter._validation import as_float_array, check_choice, check_positive, check_range
from nanosinter.errors import AnalysisError, InputError
from nanosinter.kinetics._laws import MECHANISMS, neck_ratio
from nanosinter.kinetics._table import DimerTable, contact_time_s

_CRITERIA = ("bic", "aic")
#: default end of the initial stage (x/a); see :func:`fit_dimer_neck_growth`
DEFAULT_MAX_X_OVER_A = 0.5
#: smallest relative error used for a weight, so one point cannot dominate the fit
_MIN_REL_ERR = 1e-3
#: improvement of the criterion (BIC or AIC units) a time offset must bring before the growth
#: models are fitted with one: 6, "strong" evidence on the scale of Kass & Raftery (1995),
#: doi:10.1080/01621459.1995.10476572 -- the classical laws anchored at contact stay the
#: default, and half a frame of contact-time uncertainty alone rarely clears the bar
OFFSET_EVIDENCE = 6.0


@dataclass(frozen=True)
class ModelFit:
    """One fitted neck-growth model.

    Attributes
    ----------
    key, label : str
        Identifier (a mechanism key, ``constant``, ``power_law`` or ``two_stage``) and name.
    n_params : int
        Number of fitted parameters of the curve (the noise scale is counted on top in AIC/BIC).
    params : dict of str to float
        Fitted values. Laws: ``B`` (nm^m/s), ``K_per_s`` = B/D^m (1/s), ``n``, ``m``,
        ``x0_nm``; power law: ``n``, ``exponent`` (= 1/n), ``prefactor`` (x/a at
        t + t0 = 1 s); two-stage: ``A`` (x/a of the fast stage), ``tau_s``, ``rate_per_s``
        (linear growth of x/a); every growth model: ``t0_s`` (time offset, 0 when not fitted)
        and ``x0_over_a`` (the model's x/a at t = 0, the initial neck); constant:
        ``x_over_a``.
    intervals : dict of str to (float, float)
        Bootstrap percentile intervals of the same parameters at the fit's confidence level.
    log_likelihood, aic, bic : float
        Gaussian log-likelihood of ln(x/a) residuals with the noise scale at its maximum, and
        the information criteria (k = n_params + 1).
    aic_weight, bic_weight : float
        Akaike and Schwarz weights among all models fitted together.
    rms_log : float
        Weighted root-mean-square residual in ln(x/a).
    """

    key: str
    label: str
    n_params: int
    params: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    log_likelihood: float
    aic: float
    bic: float
    aic_weight: float = float("nan")
    bic_weight: float = float("nan")
    rms_log: float = float("nan")

    def predict(self, time_s: np.ndarray | float) -> np.ndarray:
        """x/a of this model at *time_s* (s since contact)."""
        p = self.params
        t = np.asarray(time_s, dtype=float) + p.get("t0_s", 0.0)
        if self.key == "constant":
            return np.full_like(t, p["x_over_a"])
        if self.key == "power_law":
            # A fitted negative exponent (a shrinking neck) makes t + t0 = 0 infinite, as it is.
            with np.errstate(divide="ignore"):
                return p["prefactor"] * np.power(np.clip(t, 0, None), p["exponent"])
        if self.key == "two_stage":
            return _two_stage(np.clip(t, 0, None), p["A"], p["tau_s"], p["rate_per_s"])
        return neck_ratio(t, B=p["B"], n=p["n"], m=p["m"], particle_diameter_nm=p["D_nm"])

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "n_params": self.n_params,
            "params": dict(self.params),
            "intervals": {k: list(v) for k, v in self.intervals.items()},
            "log_likelihood": self.log_likelihood,
            "aic": self.aic,
            "bic": self.bic,
            "aic_weight": self.aic_weight,
            "bic_weight": self.bic_weight,
            "rms_log": self.rms_log,
        }


@dataclass(frozen=True)
class NeckGrowthFit:
    """All neck-growth models fitted to one record, with the model choice.

    Attributes
    ----------
    models : tuple of ModelFit
        Constant, the five classical laws, the free power law and (optionally) the two-stage
        model, in that order.
    criterion : str
        ``"bic"`` or ``"aic"``: the criterion used for :attr:`best`.
    best : str
        Key of the model with the lowest criterion.
    law_weights : dict of str to float
        Weights of the five classical laws among themselves (equal parameter counts, so AIC and
        BIC weights coincide): how strongly the data prefer each exponent pair, at the given
        time zero.
    law_support : dict of str to float
        Fraction of bootstrap resamples (each refitting the time offset, or drawing time zero
        across its uncertainty when no offset is fitted) in which each law fits best: the
        law preference with the sampling and time-zero uncertainty included. NaN without
        bootstrap.
    bootstrap_support : dict of str to float
        Fraction of bootstrap resamples in which each model had the lowest criterion.
    growth_detected : bool
        True when the free-exponent fit shows x/a increasing with time (the lower bound of the
        interval of 1/n above 0) and the constant model is not preferred.
    time_s, x_over_a, weights : ndarray
        The points used: time since contact (s), x/a and relative weights (mean 1).
    particle_radius_nm : float
        a used for x/a (nm).
    contact_time_s : float
        Time zero of the growth, in the record's clock (NaN when arrays were passed directly).
    initial_stage_end_s : float
        Last time (record clock) of the initial stage used by the fit (NaN when arrays were
        passed directly).
    confidence : float
        Level of the bootstrap intervals.
    n_boot : int
        Number of bootstrap resamples.
    notes : tuple of str
    time_offset_fitted : bool
        True when the growth models carry a fitted time offset t0 (finite initial neck).
    """

    models: tuple[ModelFit, ...]
    criterion: str
    best: str
    law_weights: dict[str, float]
    law_support: dict[str, float]
    bootstrap_support: dict[str, float]
    growth_detected: bool
    time_s: np.ndarray
    x_over_a: np.ndarray
    weights: np.ndarray
    particle_radius_nm: float
    contact_time_s: float = float("nan")
    initial_stage_end_s: float = float("nan")
    confidence: float = 0.95
    n_boot: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    time_offset_fitted: bool = False

    def model(self, key: str) -> ModelFit:
        """The fitted model with identifier *key*."""
        for m in self.models:
            if m.key == key:
                return m
        keys = ", ".join(m.key for m in self.models)
        raise InputError(f"model must be one of {keys}; got {key!r}")

    @property
    def best_law(self) -> str:
        """Key of the classical law with the highest weight among the five laws."""
        return max(self.law_weights, key=self.law_weights.__getitem__)

    def as_dict(self) -> dict:
        return {
            "criterion": self.criterion,
            "best": self.best,
            "best_law": self.best_law,
            "law_weights": dict(self.law_weights),
            "law_support": dict(self.law_support),
            "bootstrap_support": dict(self.bootstrap_support),
            "growth_detected": self.growth_detected,
            "particle_radius_nm": self.particle_radius_nm,
            "contact_time_s": self.contact_time_s,
            "initial_stage_end_s": self.initial_stage_end_s,
            "n_points": int(self.time_s.size),
            "time_range_s": [float(self.time_s.min()), float(self.time_s.max())],
            "x_over_a_range": [float(self.x_over_a.min()), float(self.x_over_a.max())],
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "time_offset_fitted": self.time_offset_fitted,
            "notes": list(self.notes),
            "models": [m.as_dict() for m in self.models],
        }


def fit_neck_growth(
    time_s: np.ndarray,
    neck_radius_nm: np.ndarray,
    *,
    particle_radius_nm: float,
    neck_radius_err_nm: np.ndarray | None = None,
    criterion: str = "bic",
    n_boot: int = 500,
    confidence: float = 0.95,
    two_stage: bool = True,
    time_zero_range_s: tuple[float, float] | None = None,
    time_offset: str = "auto",
    rng: np.random.Generator | int | None = None,
) -> NeckGrowthFit:
    """Fit every neck-growth model to x/a against time since contact.

    Parameters
    ----------
    time_s : array_like, shape (n,)
        Time since contact (s). Points with t <= 0 are left out (ln t undefined).
    neck_radius_nm : array_like, shape (n,)
        Neck radius x (nm). Points with x <= 0 or NaN are left out.
    particle_radius_nm : float, keyword-only
        Particle radius a (nm) that scales the neck (D = 2a in the laws).
    neck_radius_err_nm : array_like, optional, keyword-only
        One-sigma errors of x; points are weighted by (x / err)^2 (relative errors, since the
        fit is in ln x). Missing values take the median error. Without errors all points weigh
        the same.
    criterion : {"bic", "aic"}, keyword-only
        Criterion for the best model.
    n_boot : int, keyword-only
        Bootstrap resamples for the intervals (0 disables them; intervals are then NaN).
    confidence : float, keyword-only
        Level of the percentile intervals, in (0, 1).
    two_stage : bool, keyword-only
        Also fit the three-parameter fast-then-linear model (slower: it is a non-linear fit,
        bootstrapped with at most 200 resamples).
    time_zero_range_s : (float, float), optional, keyword-only
        How far the true time zero may lie from the one used, (earliest, latest) shift in s
        (earliest <= 0 <= latest). With a fitted time offset, t0 may then go down to -latest
        (growth that began after the time zero used; at most 0.9 of the first time). Without
        one, each bootstrap resample draws its time zero uniformly in that range, so the
        intervals and :attr:`NeckGrowthFit.law_support` include the uncertainty of the contact
        time -- which dominates the exponent when the first frames after contact are few.
    time_offset : {"auto", "fit", "none"}, keyword-only
        Whether the growth models get a fitted time offset t0 (a finite initial neck, see the
        module notes): ``"auto"`` fits it when the best power law with it beats the best
        without it by more than :data:`OFFSET_EVIDENCE` in the criterion; ``"fit"`` always,
        ``"none"`` never (the laws anchored at t = 0).
    rng : numpy.random.Generator or int, optional, keyword-only
        Source of the bootstrap resamples (an int is a seed).

    Returns
    -------
    NeckGrowthFit

    Raises
    ------
    InputError
        On mismatched lengths or bad options.
    AnalysisError
        If fewer than 5 usable points remain.

    References
    ----------
    .. [1] H. Akaike, "A new look at the statistical model identification", IEEE Trans. Autom.
       Control 19, 716 (1974). doi:10.1109/TAC.1974.1100705
    .. [2] G. Schwarz, "Estimating the dimension of a model", Ann. Stat. 6, 461 (1978).
       doi:10.1214/aos/1176344136
    .. [3] K. P. Burnham and D. R. Anderson, "Model Selection and Multimodel Inference",
       2nd ed., Springer (2002), §2.9 (Akaike weights). doi:10.1007/b97636
    .. [4] B. Efron, "Bootstrap methods: another look at the jackknife", Ann. Stat. 7, 1 (1979).
       doi:10.1214/aos/1176344552
    .. [5] L. Tang et al., "In situ sintering of CdSe/CdS nanocrystals under electron beam
       irradiation", Nanomaterials 13, 3082 (2023). doi:10.3390/nano13243082
    """
    check_choice("criterion", criterion, _CRITERIA)
    check_choice("time_offset", time_offset, ("auto", "fit", "none"))
    check_range("confidence", confidence, 0.5, 0.999)
    if not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise InputError(f"n_boot must be a non-negative integer, got {n_boot!r}")
    a = float(check_positive("particle_radius_nm", particle_radius_nm))
    t = as_float_array("time_s", time_s).ravel()
    x = as_float_array("neck_radius_nm", neck_radius_nm).ravel()
    if t.size != x.size:
        raise InputError(f"time_s has {t.size} values but neck_radius_nm has {x.size}")
    err = None
    if neck_radius_err_nm is not None:
        err = as_float_array("neck_radius_err_nm", neck_radius_err_nm).ravel()
        if err.size != x.size:
            raise InputError(f"neck_radius_err_nm has {err.size} values, neck_radius_nm {x.size}")
    ok = np.isfinite(t) & np.isfinite(x) & (t > 0) & (x > 0)
    if ok.sum() < 5:
        raise AnalysisError(
            f"neck growth needs at least 5 points with t > 0 after contact and a neck radius > 0;"
            f" {int(ok.sum())} usable"
        )
    t, x = t[ok], x[ok]
    w = _weights(x, None if err is None else err[ok])
    y = np.log(x / a)
    d_nm = 2.0 * a
    gen = np.random.default_rng(rng)
    t0_min, lo_sh, hi_sh = 0.0, 0.0, 0.0
    if time_zero_range_s is not None:
        lo_sh, hi_sh = (float(v) for v in time_zero_range_s)
        if not (np.isfinite(lo_sh) and np.isfinite(hi_sh) and lo_sh <= 0 <= hi_sh):
            raise InputError(f"time_zero_range_s must be (earliest <= 0, latest >= 0), got "
                             f"{time_zero_range_s!r}")
        # a growth that began after the time zero used is a negative offset; keep t + t0 > 0
        t0_min = -min(hi_sh, 0.9 * float(t.min()))
    grid = _t0_grid(float(t.min()), float(t.max()), t0_min)
    anchored = np.zeros(1)
    if time_offset == "auto":
        # one choice for all models: the offset is fitted when the best power law (a law or
        # the free one) with it beats the best without it by more than OFFSET_EVIDENCE in the
        # criterion (which already charges for t0); the slow two-stage fit takes no part
        c_free = min(getattr(m, criterion) for m in
                     _fit_all(t, y, w, d_nm, two_stage=False, grid=grid, a_nm=a)
                     if m.key != "constant")
        c_anch = min(getattr(m, criterion) for m in
                     _fit_all(t, y, w, d_nm, two_stage=False, grid=anchored, a_nm=a)
                     if m.key != "constant")
        offset = c_anch - c_free > OFFSET_EVIDENCE
    else:
        offset = time_offset == "fit"
    use = grid if offset else anchored
    models = _fit_all(t, y, w, d_nm, two_stage=two_stage, grid=use, a_nm=a)
    idx = gen.integers(0, t.size, size=(n_boot, t.size)) if n_boot else None
    shifts = None
    if not offset and time_zero_range_s is not None and n_boot:
        shifts = gen.uniform(lo_sh, min(hi_sh, 0.99 * float(t.min())), size=n_boot)
    intervals, support_by, law_support = _bootstrap(
        t, y, w, d_nm, a, idx, shifts, use, confidence, two_stage, models)
    support = support_by[criterion]
    models = _with_weights(models, intervals)
    crit = {m.key: getattr(m, criterion) for m in models}
    best = min(crit, key=crit.__getitem__)
    law_ll = np.array([m.log_likelihood for m in models if m.key in _LAW_KEYS])
    lw = np.exp(law_ll - law_ll.max())
    law_weights = dict(zip(_LAW_KEYS, lw / lw.sum(), strict=True))
    p_lo = intervals["power_law"].get("exponent", (float("nan"),) * 2)[0]
    by_key = {m.key: m for m in models}
    growth = bool(
        best != "constant"
        and by_key["power_law"].params["exponent"] > 0
        and (not np.isfinite(p_lo) or p_lo > 0)
        and getattr(by_key["constant"], f"{criterion}_weight") < 0.5
    )
    notes = []
    r = x / a
    if r.min() < 0.05 or r.max() > 0.3:
        notes.append(
            f"x/a spans {r.min():.3g}-{r.max():.3g}; the apparent exponents of Nichols & Mullins"
            " (surface diffusion n = 5.5-6.5) hold for 0.05 <= x/a <= 0.3"
        )
    if offset:
        pl = next(m for m in models if m.key == "power_law")
        notes.append(
            f"finite initial neck: every growth model has a fitted time offset t0 (free law "
            f"t0 = {pl.params['t0_s']:.3g} s, x0/a = {pl.params['x0_over_a']:.3g})"
            + (" chosen by " + criterion.upper() if time_offset == "auto" else ""))
    return NeckGrowthFit(
        models=tuple(models),
        criterion=criterion,
        best=best,
        law_weights=law_weights,
        law_support=law_support,
        bootstrap_support=support,
        growth_detected=growth,
        time_s=t,
        x_over_a=r,
        weights=w,
        particle_radius_nm=a,
        confidence=float(confidence),
        n_boot=int(n_boot),
        notes=tuple(notes),
        time_offset_fitted=bool(offset),
    )


def fit_dimer_neck_growth(
    table: DimerTable,
    *,
    contact_time_s: float | None = None,
    time_offset_s: float = 0.0,
    particle_radius_nm: float | None = None,
    max_x_over_a: float | None = DEFAULT_MAX_X_OVER_A,
    **options,
) -> NeckGrowthFit:
    """Fit the neck-growth models to a dimer table.

    Time zero of the growth is the contact time: by default the midpoint between the last frame
    without contact and the first with contact (:func:`contact_time_s`), moved by
    *time_offset_s*; growth time is ``time_s - (t_contact + time_offset_s)``. When the contact
    time is estimated, its frame interval is passed as ``time_zero_range_s`` to
    :func:`fit_neck_growth`: a fitted time offset may then move time zero up to the first
    frame in contact, and growth anchored at contact draws time zero across the interval in
    the bootstrap, so the intervals carry its uncertainty either way. The particle
    radius a is the median of (r1 + r2)/2 over the frames before contact (the particles as they
    were before sintering changed them), or over all frames when the record starts in contact.

    Parameters
    ----------
    table : DimerTable
    contact_time_s : float, optional, keyword-only
        Known contact time in the record's clock (s); estimated when None.
    time_offset_s : float, keyword-only
        Shift added to the contact time (s), e.g. to test how sensitive n is to time zero.
    particle_radius_nm : float, optional, keyword-only
        Overrides the radius a taken from the table.
    max_x_over_a : float or None, keyword-only
        End of the initial stage: the fit uses the frames after contact up to the first time
        the running median (5 frames) of x/a exceeds this value. The classical laws and the
        two-sphere geometry are initial-stage results -- German (2014) ends that stage near
        x/a = 0.3 and Nichols & Mullins find the apparent exponent of surface diffusion rising
        beyond it -- and past x/a ~ 0.5 two particles coalesce (the centres approach for every
        mechanism). Default 0.5, so that short records keep enough points; None uses all.
    **options
        Passed to :func:`fit_neck_growth` (``criterion``, ``n_boot``, ``rng`` ...).

    Returns
    -------
    NeckGrowthFit

    Raises
    ------
    AnalysisError
        If the particles never touch, or too few points follow contact.
    """
    t0 = contact_time_s_of(table) if contact_time_s is None else float(contact_time_s)
    if not np.isfinite(t0):
        raise AnalysisError(f"{table.source}: the particles never touch; no neck to fit")
    t0 += float(check_finite_scalar("time_offset_s", time_offset_s))
    window = None
    first = int(np.flatnonzero(table.contact)[0])
    if contact_time_s is None and first > 0 and "time_zero_range_s" not in options:
        # contact happened between the last frame apart and the first frame in contact
        window = (min(float(table.time_s[first - 1]) - t0, 0.0),
                  max(float(table.time_s[first]) - t0, 0.0))
    if particle_radius_nm is None:
        mean_r = 0.5 * (table.r1_nm + table.r2_nm)
        pre = ~table.contact & np.isfinite(mean_r)
        pool = mean_r[pre] if pre.sum() >= 1 else mean_r[np.isfinite(mean_r)]
        if pool.size == 0:
            raise AnalysisError(f"{table.source}: r1_nm and r2_nm are empty; cannot scale x by a")
        particle_radius_nm = float(np.median(pool))
    sel = table.contact.copy()
    t_end = float(table.time_s[sel][-1]) if sel.any() else float("nan")
    if max_x_over_a is not None:
        lim = float(check_positive("max_x_over_a", max_x_over_a))
        t_end = initial_stage_end_s(table, particle_radius_nm=particle_radius_nm,
                                    max_x_over_a=lim)
        sel &= table.time_s <= t_end
    if sel.sum() < 5:
        raise AnalysisError(
            f"{table.source}: only {int(sel.sum())} frames of initial-stage neck growth "
            f"(x/a <= {max_x_over_a}) after contact; sample the first moments after contact "
            "more finely, or raise max_x_over_a"
        )
    fit = fit_neck_growth(
        table.time_s[sel] - t0,
        table.neck_radius_nm[sel],
        particle_radius_nm=particle_radius_nm,
        neck_radius_err_nm=(
            None if table.error("neck_radius_nm") is None else table.error("neck_radius_nm")[sel]
        ),
        **({"time_zero_range_s": window} if window is not None else {}),
        **options,
    )
    return _replace(fit, contact_time_s=t0, initial_stage_end_s=t_end)


def initial_stage_end_s(
    table: DimerTable, *, particle_radius_nm: float, max_x_over_a: float = 0.5
) -> float:
    """Last time of the initial stage: before the 5-frame running median of x/a passes the limit.

    Parameters
    ----------
    table : DimerTable
    particle_radius_nm : float, keyword-only
        a (nm).
    max_x_over_a : float, keyword-only
        Limit of x/a.

    Returns
    -------
    float
        Time in the record's clock (s); the last contact time when the limit is never passed,
        NaN without contact.
    """
    from scipy.ndimage import median_filter

    idx = np.flatnonzero(table.contact)
    if idx.size == 0:
        return float("nan")
    r = table.neck_radius_nm[idx] / particle_radius_nm
    r = np.where(np.isfinite(r), r, 0.0)
    smooth = median_filter(r, size=5, mode="nearest")
    over = np.flatnonzero(smooth > max_x_over_a)
    if over.size == 0:
        return float(table.time_s[idx[-1]])
    if over[0] == 0:
        return float(table.time_s[idx[0]]) - 1.0  # before the first contact frame: none
    return float(table.time_s[idx[over[0] - 1]])


contact_time_s_of = contact_time_s


def check_finite_scalar(name: str, value: float) -> float:
    arr = as_float_array(name, value)
    if arr.ndim != 0 or not np.isfinite(arr):
        raise InputError(f"{name} must be one finite number, got {value!r}")
    return float(arr)


def _replace(fit: NeckGrowthFit, **changes) -> NeckGrowthFit:
    from dataclasses import replace

    return replace(fit, **changes)


# ---------------------------------------------------------------------------------------------
# model fitting on (t, y = ln x/a, w), every growth model in tau = t + t0

_LAW_KEYS = tuple(m.key for m in MECHANISMS)
#: points of the time-offset grid per decade of t0 (the optimum is then refined)
_GRID_PER_DECADE = 12
#: largest time offset, in units of the last time: beyond it every growth model is a straight
#: line in t over the data (the curvature (t_max / t0)^2 is < 1e-4) and t0 no longer matters
_T0_MAX_FACTOR = 100.0


def _weights(x: np.ndarray, err: np.ndarray | None) -> np.ndarray:
    if err is None:
        return np.ones_like(x)
    rel = err / x
    good = np.isfinite(rel) & (rel > 0)
    fill = np.median(rel[good]) if good.any() else 1.0
    rel = np.where(good, rel, fill)
    rel = np.maximum(rel, _MIN_REL_ERR)
    w = 1.0 / rel**2
    return w / w.mean()


def _loglik(wrss, n: int, sum_log_w):
    """Gaussian log-likelihood with the noise scale at its maximum (array-friendly)."""
    var = np.maximum(np.asarray(wrss, dtype=float) / n, 1e-300)
    return -0.5 * (n * np.log(2 * np.pi * var) + n - sum_log_w)


def _criteria(ll: float, k: int, n: int) -> tuple[float, float]:
    kk = k + 1  # the noise scale
    return 2 * kk - 2 * ll, kk * math.log(n) - 2 * ll


def _make(key, label, k, params, y, w, pred) -> ModelFit:
    n = y.size
    wrss = float(np.sum(w * (y - pred) ** 2))
    ll = float(_loglik(wrss, n, float(np.sum(np.log(w)))))
    aic, bic = _criteria(ll, k, n)
    return ModelFit(key, label, k, params, {}, ll, aic, bic, rms_log=math.sqrt(wrss / n))


def _t0_grid(t_min: float, t_max: float, t0_min: float) -> np.ndarray:
    """Candidate time offsets: [t0_min, 0] linearly when t0_min < 0, then 0 and a log grid
    from 1e-3 t_min to 100 t_max."""
    decades = math.log10(_T0_MAX_FACTOR * t_max / (1e-3 * t_min))
    pos = np.geomspace(1e-3 * t_min, _T0_MAX_FACTOR * t_max,
                       max(8, math.ceil(decades * _GRID_PER_DECADE)))
    neg = np.linspace(t0_min, 0.0, 9)[:-1] if t0_min < 0 else np.empty(0)
    return np.concatenate([neg, [0.0], pos])


def _line_at(S, Y, W, slope):
    """Weighted least-squares intercept (and slope when *slope* is None) of Y on S, row-wise,
    and the weighted residual sum of squares."""
    sw = W.sum(axis=-1)
    sm = np.sum(W * S, axis=-1) / sw
    ym = np.sum(W * Y, axis=-1) / sw
    if slope is None:
        sxx = np.sum(W * (S - sm[..., None]) ** 2, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(sxx > 0, np.sum(W * (S - sm[..., None]) * (Y - ym[..., None]),
                                         axis=-1) / sxx, 0.0)
    else:
        p = np.full(sw.shape, float(slope))
    c = ym - p * sm
    wrss = np.sum(W * (Y - c[..., None] - p[..., None] * S) ** 2, axis=-1)
    return c, p, wrss


def _profile_offset(T, Y, W, grid, slope):
    """Fit ln(x/a) = c + p ln(t + t0) row-wise, t0 by profile likelihood on *grid*.

    For each row of T, Y, W (shape (nb, n)) the residual sum of squares is minimised over t0
    on the grid (the intercept c, and the slope p when *slope* is None, are linear), then the
    minimum is refined by a parabola through the three grid points around it. Returns arrays
    t0, c, p, wrss of shape (nb,).
    """
    nb = T.shape[0]
    best = np.full(nb, np.inf)
    ibest = np.zeros(nb, dtype=int)
    curve = np.empty((grid.size, nb))
    for i, t0 in enumerate(grid):
        _, _, wrss = _line_at(np.log(T + t0), Y, W, slope)
        curve[i] = wrss
        better = wrss < best
        best[better], ibest[better] = wrss[better], i
    # parabolic refinement in grid-index coordinates
    lo = np.clip(ibest - 1, 0, grid.size - 1)
    hi = np.clip(ibest + 1, 0, grid.size - 1)
    rows = np.arange(nb)
    f0, fl, fh = curve[ibest, rows], curve[lo, rows], curve[hi, rows]
    den = fl - 2 * f0 + fh
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where((lo < ibest) & (hi > ibest) & (den > 0), 0.5 * (fl - fh) / den, 0.0)
    step = np.clip(step, -0.5, 0.5)
    t0 = np.where(step >= 0, grid[ibest] + step * (grid[hi] - grid[ibest]),
                  grid[ibest] + step * (grid[ibest] - grid[lo]))
    c, p, wrss = _line_at(np.log(T + t0[:, None]), Y, W, slope)
    keep = wrss > best  # the refinement must not be worse than the grid point
    t0 = np.where(keep, grid[ibest], t0)
    c2, p2, w2 = _line_at(np.log(T + t0[:, None]), Y, W, slope)
    return t0, np.where(keep, c2, c), np.where(keep, p2, p), np.where(keep, w2, wrss)


def _refine_point(t, y, w, grid, slope, t0_start):
    """Point estimate: polish the grid optimum of :func:`_profile_offset` with a bounded
    scalar search between the neighbouring grid points."""
    from scipy.optimize import minimize_scalar

    i = int(np.searchsorted(grid, t0_start))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]

    def f(t0):
        return float(_line_at(np.log(t + t0)[None], y[None], w[None], slope)[2][0])

    t0 = float(t0_start)
    if hi > lo:
        res = minimize_scalar(f, bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-6 * max(abs(hi), abs(lo), t.min())})
        if res.success and res.fun <= f(t0):
            t0 = float(res.x)
    c, p, _ = _line_at(np.log(t + t0)[None], y[None], w[None], slope)
    return t0, float(c[0]), float(p[0])


def _law_params(c, t0, mech, d_nm, a_nm):
    """Parameters of the law (X/D)^n = B (t + t0) / D^m from ln(x/a) = c + ln(t + t0)/n."""
    B = np.exp(mech.n * c + mech.m * math.log(d_nm))
    K = B / d_nm**mech.m
    x0 = np.power(K * np.maximum(t0, 0.0), 1.0 / mech.n)
    return {"B": B, "K_per_s": K, "t0_s": t0, "x0_over_a": x0, "x0_nm": a_nm * x0}


def _fit_all(t, y, w, d_nm, *, two_stage, grid, a_nm) -> list[ModelFit]:
    """Every model on (t, ln x/a); *grid* of time offsets, [0] for growth anchored at t = 0."""
    off = int(grid.size > 1)  # the offset counts as a parameter only when it is fitted
    out = []
    c = float(np.sum(w * y) / np.sum(w))
    out.append(_make("constant", "no growth", 1, {"x_over_a": math.exp(c)}, y, w,
                     np.full_like(y, c)))
    T, Y, W = t[None], y[None], w[None]
    for mech in MECHANISMS:
        t0g, _, _, _ = _profile_offset(T, Y, W, grid, 1.0 / mech.n)
        t0, c, _ = _refine_point(t, y, w, grid, 1.0 / mech.n, float(t0g[0]))
        params = {k: float(v) for k, v in _law_params(c, t0, mech, d_nm, a_nm).items()}
        params |= {"n": float(mech.n), "m": float(mech.m), "D_nm": d_nm}
        out.append(_make(mech.key, mech.label, 1 + off, params, y, w,
                         c + np.log(t + t0) / mech.n))
    t0g, _, _, _ = _profile_offset(T, Y, W, grid, None)
    t0, c, p = _refine_point(t, y, w, grid, None, float(t0g[0]))
    params = {"n": 1.0 / p if p != 0 else float("inf"), "exponent": p,
              "prefactor": math.exp(c), "t0_s": t0,
              "x0_over_a": math.exp(c) * max(t0, 0.0) ** p if p > 0 else float("nan")}
    out.append(_make("power_law", "power law, free n", 2 + off, params, y, w,
                     c + p * np.log(t + t0)))
    if two_stage:
        theta = _fit_two_stage(t, y, w, t0_min=float(grid[0]), t0_max=float(grid[-1]))
        if theta is not None:
            A, tau, g, t0 = theta
            pred = np.log(_two_stage(t + t0, A, tau, g))
            out.append(_make("two_stage", "fast initial stage then linear", 3 + off,
                             {"A": A, "tau_s": tau, "rate_per_s": g, "t0_s": t0,
                              "x0_over_a": float(_two_stage(max(t0, 0.0), A, tau, g))},
                             y, w, pred))
    return out


def _two_stage(tau_t, A, tau, g):
    tt = np.asarray(tau_t, dtype=float)
    return A * -np.expm1(-tt / tau) + g * tt


def _fit_two_stage(t, y, w, *, t0_min, t0_max, start=None):
    from scipy.optimize import least_squares

    sw = np.sqrt(w)
    tmin, tmax = float(t.min()), float(t.max())

    def resid(th):
        A, ltau, g, t0 = th
        f = _two_stage(t + t0, A, math.exp(ltau), g)
        return sw * (np.log(np.maximum(f, 1e-12)) - y)

    r_end = float(np.exp(y[np.argmax(t)]))
    fixed = t0_max <= t0_min  # anchored at t = 0: three parameters
    if fixed:
        resid4 = resid

        def resid(th):
            return resid4((*th, 0.0))

    starts = [start] if start is not None else [
        (0.5 * r_end, math.log(tau0), 0.5 * r_end / tmax, t0)
        for tau0 in np.geomspace(tmin, tmax, 5) for t0 in (max(t0_min, 0.0), tmin)
    ]
    if fixed:
        starts = list(dict.fromkeys(tuple(th[:3]) for th in starts))
    best = None
    lo = [0.0, math.log(tmin / 100), 0.0, t0_min][:3 if fixed else 4]
    hi = [np.inf, math.log(tmax * 100), np.inf, t0_max][:3 if fixed else 4]
    for th0 in starts:
        th0 = np.clip(np.asarray(th0, dtype=float), np.add(lo, 1e-12), np.subtract(hi, 1e-9))
        try:
            # bootstrap refits start at the optimum: a capped budget keeps pathological
            # records (a neck that does not follow the model at all) from taking minutes
            res = least_squares(resid, th0, bounds=(lo, hi), method="trf", x_scale="jac",
                                max_nfev=40 if start is not None else 400)
        except ValueError:
            continue
        if best is None or res.cost < best.cost:
            best = res
    if best is None or not np.all(np.isfinite(best.x)):
        return None
    A, ltau, g, t0 = (*best.x, 0.0) if fixed else best.x
    return float(A), float(math.exp(ltau)), float(g), float(t0)


def _bootstrap(t, y, w, d_nm, a_nm, idx, shifts, grid, confidence, two_stage, models):
    """Percentile intervals of each model's parameters, model-choice and law support.

    Every resample refits every model, the time offset t0 included when it is fitted (*grid*
    longer than one point), so the intervals carry the uncertainty of time zero; growth
    anchored at t = 0 instead draws time zero across its uncertainty (*shifts*).
    """
    off = int(grid.size > 1)
    keys = [m.key for m in models]
    nan2 = (float("nan"), float("nan"))
    intervals: dict[str, dict[str, tuple[float, float]]] = {k: {} for k in keys}
    if idx is None or idx.shape[0] < 10:
        for m in models:
            intervals[m.key] = {p: nan2 for p in m.params}
        nan_support = {k: float("nan") for k in keys}
        return (intervals, {"bic": nan_support, "aic": dict(nan_support)},
                {k: float("nan") for k in _LAW_KEYS})
    q = (0.5 * (1 - confidence) * 100, (0.5 + 0.5 * confidence) * 100)
    T = t[idx] if shifts is None else t[idx] - shifts[:, None]
    Y, W = y[idx], w[idx]
    nb, n = T.shape
    slw = np.sum(np.log(W), axis=1)
    crit_rows = {}

    def pct(v):
        v = np.asarray(v, dtype=float)
        v = v[np.isfinite(v)]
        if v.size < 10:
            return nan2
        lo, hi = np.percentile(v, q)
        return float(lo), float(hi)

    def crit(wrss, k):
        ll = _loglik(wrss, n, slw)
        return (k + 1) * math.log(n) - 2 * ll, 2 * (k + 1) - 2 * ll

    c, _, wrss = _line_at(np.zeros_like(Y), Y, W, 0.0)
    intervals["constant"] = {"x_over_a": pct(np.exp(c))}
    crit_rows["constant"] = crit(wrss, 1)
    for mech in MECHANISMS:
        t0, c, _, wrss = _profile_offset(T, Y, W, grid, 1.0 / mech.n)
        lp = _law_params(c, t0, mech, d_nm, a_nm)
        intervals[mech.key] = {k: pct(v) for k, v in lp.items()} | {
            "n": (float(mech.n),) * 2, "m": (float(mech.m),) * 2, "D_nm": (d_nm, d_nm)}
        crit_rows[mech.key] = crit(wrss, 1 + off)
    t0, c, p, wrss = _profile_offset(T, Y, W, grid, None)
    plo, phi = pct(p)
    if plo * phi > 0:  # 1/n of one sign (a shrinking neck too): n between the inverses
        n_int = (1.0 / phi, 1.0 / plo)
    else:  # 1/n may be 0: n unbounded above
        n_int = (1.0 / phi if phi > 0 else float("nan"), float("inf"))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x0 = np.where(p > 0, np.exp(c) * np.maximum(t0, 0.0) ** p, np.nan)
    intervals["power_law"] = {"exponent": (plo, phi), "n": n_int, "prefactor": pct(np.exp(c)),
                              "t0_s": pct(t0), "x0_over_a": pct(x0)}
    crit_rows["power_law"] = crit(wrss, 2 + off)
    n_nl = nb
    if two_stage and "two_stage" in keys:
        ts = next(m for m in models if m.key == "two_stage")
        n_nl = min(nb, 200)
        th = np.full((n_nl, 5), np.nan)
        wr = np.full(n_nl, np.inf)
        p0 = ts.params
        start = (p0["A"], math.log(p0["tau_s"]), p0["rate_per_s"], p0["t0_s"])
        for i in range(n_nl):
            r = _fit_two_stage(T[i], Y[i], W[i], t0_min=float(grid[0]),
                               t0_max=float(grid[-1]), start=start)
            if r is None:
                continue
            th[i, :4] = r
            th[i, 4] = _two_stage(max(r[3], 0.0), r[0], r[1], r[2])
            pred = np.log(np.maximum(_two_stage(T[i] + r[3], *r[:3]), 1e-12))
            wr[i] = np.sum(W[i] * (Y[i] - pred) ** 2)
        intervals["two_stage"] = {k: pct(th[:, j]) for j, k in
                                  enumerate(("A", "tau_s", "rate_per_s", "t0_s", "x0_over_a"))}
        ll = np.where(np.isfinite(wr), _loglik(np.where(np.isfinite(wr), wr, 1.0), n,
                                               slw[:n_nl]), -np.inf)
        kk = 4 + off  # three or four curve parameters and the noise scale
        crit_rows["two_stage"] = (kk * math.log(n) - 2 * ll, 2 * kk - 2 * ll)
    law_mat = np.vstack([crit_rows[k][0] for k in _LAW_KEYS])  # equal k: BIC order = ll order
    law_win = np.argmin(law_mat, axis=0)
    law_support = {k: float(np.mean(law_win == i)) for i, k in enumerate(_LAW_KEYS)}
    k_use = [k for k in keys if k in crit_rows]
    support = {}
    for which_name, which in (("bic", 0), ("aic", 1)):
        mat = np.vstack([crit_rows[k][which][:n_nl] for k in k_use])
        win = np.argmin(mat, axis=0)
        support[which_name] = {k: float(np.mean(win == i)) for i, k in enumerate(k_use)}
    return intervals, support, law_support


def _with_weights(models, intervals):
    aic = np.array([m.aic for m in models])
    bic = np.array([m.bic for m in models])
    wa = np.exp(-0.5 * (aic - aic.min()))
    wb = np.exp(-0.5 * (bic - bic.min()))
    wa, wb = wa / wa.sum(), wb / wb.sum()
    from dataclasses import replace

    return [
        replace(m, intervals=intervals.get(m.key, {}), aic_weight=float(a), bic_weight=float(b))
        for m, a, b in zip(models, wa, wb, strict=True)
    ]

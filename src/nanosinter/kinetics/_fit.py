"""Fit neck-growth laws to x/a against time since contact and choose among them.

All models are fitted to y = ln(x/a) against s = ln t by weighted least squares with an unknown
noise scale, so that every model is judged on the same data with the same likelihood:

- ``constant``: x/a does not change (the null model, 1 parameter);
- one model per classical law (X/D)^n = B t / D^m with n, m fixed (1 parameter, B);
- ``power_law``: x/a = k t^(1/n) with n free (2 parameters);
- ``two_stage``: x/a = A (1 - exp(-t/tau)) + g t, a fast initial stage that saturates over tau,
  then linear growth at rate g, as Tang et al. (2023) describe their neck (3 parameters).

Models are compared by AIC and BIC and their Akaike/Schwarz weights; intervals come from a
pairs (case-resampling) bootstrap with a seeded generator.
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
        Fitted values. Laws: ``B`` (nm^m/s), ``K_per_s`` = B/D^m (1/s), ``n``, ``m``;
        power law: ``n``, ``exponent`` (= 1/n), ``prefactor`` (x/a at t = 1 s);
        two-stage: ``A`` (x/a of the fast stage), ``tau_s``, ``rate_per_s`` (linear growth of
        x/a); constant: ``x_over_a``.
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
        t = np.asarray(time_s, dtype=float)
        p = self.params
        if self.key == "constant":
            return np.full_like(t, p["x_over_a"])
        if self.key == "power_law":
            # A fitted negative exponent (a shrinking neck) makes t = 0 infinite, as it is.
            with np.errstate(divide="ignore"):
                return p["prefactor"] * np.power(np.clip(t, 0, None), p["exponent"])
        if self.key == "two_stage":
            return _two_stage(t, p["A"], p["tau_s"], p["rate_per_s"])
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
        Fraction of bootstrap resamples (with time zero drawn across its uncertainty, when
        one is given) in which each law fits best: the law preference with the sampling and
        time-zero uncertainty included. NaN without bootstrap.
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
        (earliest <= 0 <= latest). Each bootstrap resample then draws its time zero uniformly
        in that range, so the intervals and :attr:`NeckGrowthFit.law_support` include the
        uncertainty of the contact time -- which dominates the exponent when the first frames
        after contact are few.
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
    s, y = np.log(t), np.log(x / a)
    d_nm = 2.0 * a
    gen = np.random.default_rng(rng)

    models = _fit_all(s, y, w, d_nm, two_stage=two_stage)
    idx = gen.integers(0, s.size, size=(n_boot, s.size)) if n_boot else None
    shifts = None
    if time_zero_range_s is not None and n_boot:
        lo_sh, hi_sh = (float(v) for v in time_zero_range_s)
        if not (np.isfinite(lo_sh) and np.isfinite(hi_sh) and lo_sh <= 0 <= hi_sh):
            raise InputError(f"time_zero_range_s must be (earliest <= 0, latest >= 0), got "
                             f"{time_zero_range_s!r}")
        hi_sh = min(hi_sh, 0.99 * float(t.min()))  # keep every time after time zero
        shifts = gen.uniform(lo_sh, hi_sh, size=n_boot)
    intervals, support_by, law_support = _bootstrap(
        t, y, w, d_nm, idx, shifts, confidence, two_stage, models)
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
    time is estimated, the bootstrap draws time zero across that frame interval
    (``time_zero_range_s`` of :func:`fit_neck_growth`), so the intervals carry its
    uncertainty. The particle
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
# model fitting on (s = ln t, y = ln x/a, w)

_LAW_KEYS = tuple(m.key for m in MECHANISMS)


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


def _loglik(resid: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Gaussian log-likelihood with the noise scale at its maximum; also the weighted RMS."""
    n = resid.size
    wrss = float(np.sum(w * resid**2))
    var = max(wrss / n, 1e-300)
    ll = -0.5 * (n * math.log(2 * math.pi * var) + n - float(np.sum(np.log(w))))
    return ll, math.sqrt(var)


def _criteria(ll: float, k: int, n: int) -> tuple[float, float]:
    kk = k + 1  # the noise scale
    return 2 * kk - 2 * ll, kk * math.log(n) - 2 * ll


def _make(key, label, k, params, s, y, w, pred) -> ModelFit:
    ll, rms = _loglik(y - pred, w)
    aic, bic = _criteria(ll, k, s.size)
    return ModelFit(key, label, k, params, {}, ll, aic, bic, rms_log=rms)


def _fit_all(s, y, w, d_nm, *, two_stage) -> list[ModelFit]:
    out = []
    c = float(np.sum(w * y) / np.sum(w))
    out.append(_make("constant", "no growth", 1, {"x_over_a": math.exp(c)}, s, y, w,
                     np.full_like(y, c)))
    for mech in MECHANISMS:
        base = s / mech.n
        c = float(np.sum(w * (y - base)) / np.sum(w))
        B = math.exp(mech.n * c + mech.m * math.log(d_nm))
        params = {"B": B, "K_per_s": B / d_nm**mech.m, "n": float(mech.n), "m": float(mech.m),
                  "D_nm": d_nm}
        out.append(_make(mech.key, mech.label, 1, params, s, y, w, base + c))
    c, p = _wls_line(s, y, w)
    params = {"n": 1.0 / p if p != 0 else float("inf"), "exponent": p, "prefactor": math.exp(c)}
    out.append(_make("power_law", "power law, free n", 2, params, s, y, w, c + p * s))
    if two_stage:
        theta = _fit_two_stage(s, y, w)
        if theta is not None:
            A, tau, g = theta
            pred = np.log(_two_stage(np.exp(s), A, tau, g))
            out.append(_make("two_stage", "fast initial stage then linear", 3,
                             {"A": A, "tau_s": tau, "rate_per_s": g}, s, y, w, pred))
    return out


def _wls_line(s, y, w):
    sw = np.sum(w)
    sm, ym = np.sum(w * s) / sw, np.sum(w * y) / sw
    sxx = np.sum(w * (s - sm) ** 2)
    p = float(np.sum(w * (s - sm) * (y - ym)) / sxx) if sxx > 0 else 0.0
    return float(ym - p * sm), p


def _two_stage(t, A, tau, g):
    return A * -np.expm1(-np.asarray(t, dtype=float) / tau) + g * t


def _fit_two_stage(s, y, w, start=None):
    from scipy.optimize import least_squares

    t = np.exp(s)
    sw = np.sqrt(w)
    tmin, tmax = float(t.min()), float(t.max())

    def resid(th):
        A, ltau, g = th
        f = _two_stage(t, A, math.exp(ltau), g)
        return sw * (np.log(np.maximum(f, 1e-12)) - y)

    r_end = float(np.exp(y[np.argmax(t)]))
    starts = [start] if start is not None else [
        (0.5 * r_end, math.log(tau0), 0.5 * r_end / tmax)
        for tau0 in np.geomspace(tmin, tmax, 6)
    ]
    best = None
    lo = [0.0, math.log(tmin / 100), 0.0]
    hi = [np.inf, math.log(tmax * 100), np.inf]
    for th0 in starts:
        th0 = np.clip(np.asarray(th0, dtype=float), np.add(lo, 1e-12), np.subtract(hi, 1e-9))
        try:
            res = least_squares(resid, th0, bounds=(lo, hi), method="trf", x_scale="jac")
        except ValueError:
            continue
        if best is None or res.cost < best.cost:
            best = res
    if best is None or not np.all(np.isfinite(best.x)):
        return None
    A, ltau, g = best.x
    return float(A), float(math.exp(ltau)), float(g)


def _bootstrap(t, y, w, d_nm, idx, shifts, confidence, two_stage, models):
    """Percentile intervals of each model's parameters, model-choice and law support."""
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
    S, Y, W = np.log(T), y[idx], w[idx]
    nb, n = S.shape
    sw = W.sum(axis=1)
    crit_rows = {}

    def pct(v):
        v = v[np.isfinite(v)]
        if v.size < 10:
            return nan2
        lo, hi = np.percentile(v, q)
        return float(lo), float(hi)

    def ll_of(resid):
        wrss = np.sum(W * resid**2, axis=1)
        var = np.maximum(wrss / n, 1e-300)
        return -0.5 * (n * np.log(2 * np.pi * var) + n - np.sum(np.log(W), axis=1))

    def crit(ll, k):
        return (k + 1) * math.log(n) - 2 * ll, 2 * (k + 1) - 2 * ll

    c = np.sum(W * Y, axis=1) / sw
    intervals["constant"] = {"x_over_a": pct(np.exp(c))}
    crit_rows["constant"] = crit(ll_of(Y - c[:, None]), 1)
    for mech in MECHANISMS:
        base = S / mech.n
        c = np.sum(W * (Y - base), axis=1) / sw
        B = np.exp(mech.n * c + mech.m * math.log(d_nm))
        intervals[mech.key] = {"B": pct(B), "K_per_s": pct(B / d_nm**mech.m),
                               "n": (float(mech.n),) * 2, "m": (float(mech.m),) * 2,
                               "D_nm": (d_nm, d_nm)}
        crit_rows[mech.key] = crit(ll_of(Y - base - c[:, None]), 1)
    sm = np.sum(W * S, axis=1) / sw
    ym = np.sum(W * Y, axis=1) / sw
    sxx = np.sum(W * (S - sm[:, None]) ** 2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.sum(W * (S - sm[:, None]) * (Y - ym[:, None]), axis=1) / sxx
    c = ym - p * sm
    plo, phi = pct(p)
    n_int = (1.0 / phi if phi > 0 else float("nan"), 1.0 / plo if plo > 0 else float("inf"))
    intervals["power_law"] = {"exponent": (plo, phi), "n": n_int, "prefactor": pct(np.exp(c))}
    crit_rows["power_law"] = crit(ll_of(Y - c[:, None] - p[:, None] * S), 2)
    n_nl = nb
    if two_stage and "two_stage" in keys:
        ts = next(m for m in models if m.key == "two_stage")
        n_nl = min(nb, 200)
        th = np.full((n_nl, 3), np.nan)
        ll = np.full(n_nl, -np.inf)
        start = (ts.params["A"], math.log(ts.params["tau_s"]), ts.params["rate_per_s"])
        for i in range(n_nl):
            r = _fit_two_stage(S[i], Y[i], W[i], start=start)
            if r is None:
                continue
            th[i] = r
            pred = np.log(np.maximum(_two_stage(np.exp(S[i]), *r), 1e-12))
            wrss = np.sum(W[i] * (Y[i] - pred) ** 2)
            ll[i] = -0.5 * (n * math.log(2 * math.pi * max(wrss / n, 1e-300)) + n
                            - np.sum(np.log(W[i])))
        intervals["two_stage"] = {"A": pct(th[:, 0]), "tau_s": pct(th[:, 1]),
                                  "rate_per_s": pct(th[:, 2])}
        crit_rows["two_stage"] = crit(ll, 3)
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

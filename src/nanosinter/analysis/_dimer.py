"""Dimer geometry per frame: outline measurement, then a fit of the revolved-dimer model."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from nanosinter.analysis._dimer_fit import fit_dimer_image, half_width, neck_arc
from nanosinter.analysis._segment import Segmentation
from nanosinter.errors import AnalysisError
from nanosinter.geometry import DimerGeometry, measure_dimer_mask

#: Columns of ``dimer.csv`` (docs/architecture.md "Dimer table"), then extras for overlays.
DIMER_COLUMNS = (
    "time_s", "frame", "r1_nm", "r2_nm", "neck_radius_nm", "neck_curvature_radius_nm",
    "center_distance_nm", "gap_nm", "contact", "volume_nm3",
    "r1_nm_err", "r2_nm_err", "neck_radius_nm_err", "neck_curvature_radius_nm_err",
    "center_distance_nm_err", "gap_nm_err", "volume_nm3_err",
    "x1_nm", "y1_nm", "x2_nm", "y2_nm", "gap_in_window", "method", "flag",
)


@dataclass(frozen=True)
class DimerOptions:
    """How the dimer is measured.

    Attributes
    ----------
    method : {"model", "outline"}
        "model" (default): fit the projected thickness of the revolved Figure-3g dimer to the
        contrast image (sub-pixel, ~0.1-0.3 nm, slower); "outline": measure the outline at the
        segmentation level with :func:`nanosinter.geometry.measure_dimer_mask` (fast, but a
        rounded particle's outline at a detection level lies inside its silhouette by
        ``~level_thickness^2 / (8 r)``, 0.5-1 nm at low dose).
    margin_nm : float
        Margin of the crop around the dimer.
    bin_factor : int
        Binning of the crop for the model fit.
    max_nfev : int
        Function evaluations of the fit (warm-started from the previous frame).
    contact_sigma : float
        Contact is declared when the lobes overlap or the fitted neck radius exceeds this many
        standard errors (and 0.2 nm).
    gap_window_nm : (float, float)
        The sintering window of gaps flagged in ``gap_in_window`` (1-2 nm: Tang et al. 2023,
        doi:10.3390/nano13243082, only particles this close sintered).
    """

    method: str = "model"
    margin_nm: float = 3.0
    bin_factor: int = 2
    max_nfev: int = 60
    contact_sigma: float = 3.0
    gap_window_nm: tuple[float, float] = (1.0, 2.0)


class DimerAnalyzer:
    """Follows one dimer through a movie (stateful: warm starts and lobe identities).

    The dimer is chosen in the first frame with particles as the two bodies with the
    smallest surface-to-surface distance (or the largest body if there is only one); later
    frames take the bodies under the previous lobe centres (drift-corrected).
    """

    def __init__(self, pixel_size_nm: float, options: DimerOptions | None = None,
                 *, denoise_sigma_px: float = 1.5) -> None:
        self.ps = float(pixel_size_nm)
        self.opt = options or DimerOptions()
        self.corr_px = max(denoise_sigma_px, 1.0) * 2.0
        self._lobes_nm: tuple[tuple[float, float], tuple[float, float]] | None = None
        self._params: np.ndarray | None = None

    # ------------------------------------------------------------------ selection
    def _choose_bodies(self, seg: Segmentation, particles: list[dict], drift_px) -> list[int]:
        if not particles:
            return []
        dx, dy = drift_px
        if self._lobes_nm is not None:
            chosen = []
            for (x, y) in self._lobes_nm:
                col = int(round(x / self.ps + dx))
                row = int(round(y / self.ps + dy))
                lab = 0
                if 0 <= row < seg.labels.shape[0] and 0 <= col < seg.labels.shape[1]:
                    lab = int(seg.labels[row, col])
                if lab == 0:
                    best = min(particles, key=lambda p: math.hypot(p["x_nm"] - x, p["y_nm"] - y))
                    if math.hypot(best["x_nm"] - x, best["y_nm"] - y) < 10 * self.ps + 5.0:
                        lab = best["label"]
                if lab and lab not in chosen:
                    chosen.append(lab)
            if chosen:
                return chosen
        if len(particles) == 1:
            return [particles[0]["label"]]
        # Closest pair by circle-estimated surface distance.
        best, pair = math.inf, None
        for i, a in enumerate(particles):
            ra = a["equivalent_diameter_nm"] / 2
            for b in particles[i + 1 :]:
                rb = b["equivalent_diameter_nm"] / 2
                g = math.hypot(a["x_nm"] - b["x_nm"], a["y_nm"] - b["y_nm"]) - ra - rb
                if g < best:
                    best, pair = g, (a["label"], b["label"])
        return list(pair) if pair else [max(particles, key=lambda p: p["area_nm2"])["label"]]

    # ------------------------------------------------------------------ per frame
    def measure(self, seg: Segmentation, particles: list[dict],
                drift_px: tuple[float, float]) -> tuple[DimerGeometry | None, str, str]:
        """Geometry of the dimer in this frame (positions drift-corrected), method, flag."""
        bodies = self._choose_bodies(seg, particles, drift_px)
        if not bodies:
            return None, "", "no particle in frame"
        ps = self.ps
        sel = np.isin(seg.labels, bodies)
        rows, cols = np.nonzero(sel)
        m = int(math.ceil(self.opt.margin_nm / ps))
        r0, r1 = max(rows.min() - m, 0), min(rows.max() + m + 1, seg.labels.shape[0])
        c0, c1 = max(cols.min() - m, 0), min(cols.max() + m + 1, seg.labels.shape[1])
        crop = seg.contrast[r0:r1, c0:c1].astype(np.float64)
        own = sel[r0:r1, c0:c1]
        others = (seg.labels[r0:r1, c0:c1] > 0) & ~own
        level = seg.level
        cov = np.clip(0.5 + (crop - level) / (2 * level), 0.0, 1.0) * ndi.binary_dilation(own, iterations=2)
        cov[others] = 0.0
        dx, dy = drift_px
        # Hints in crop pixel-nm coordinates.
        hints = None
        if self._lobes_nm is not None:
            hints = tuple(((x / ps + dx - c0) * ps, (y / ps + dy - r0) * ps)
                          for (x, y) in self._lobes_nm)
        try:
            g0 = measure_dimer_mask(cov, ps, smooth_sigma_px=0.0, lobe_hints_nm=hints,
                                    min_area_px=4)
        except AnalysisError as exc:
            return None, "", f"dimer outline: {exc}"
        flag = g0.flag
        geom, method = g0, "outline"
        if self.opt.method == "model" and (np.isfinite(g0.r2_nm) or self._params is not None):
            fitted = self._fit(crop, others, g0, (c0, r0), drift_px)
            if fitted is not None:
                geom, method, flag = fitted, "model", fitted.flag
            else:
                flag = "; ".join(f for f in (flag, "model fit failed, outline used") if f)
        # Crop -> frame -> drift-corrected coordinates.
        def to_nm(xy):
            return ((xy[0] / ps + c0 - dx) * ps, (xy[1] / ps + r0 - dy) * ps)

        l1, l2 = to_nm(geom.lobe1_xy_nm), to_nm(geom.lobe2_xy_nm)
        geom = geom.replace(lobe1_xy_nm=l1, lobe2_xy_nm=l2,
                            neck_xy_nm=to_nm(geom.neck_xy_nm), flag=flag)
        if np.isfinite(l2[0]):
            self._lobes_nm = (l1, l2)
        elif np.isfinite(l1[0]):
            self._lobes_nm = (l1, l1)
        return geom, method, flag

    def _fit(self, crop, others, g0: DimerGeometry, origin, drift_px) -> DimerGeometry | None:
        ps = self.ps
        (x1, y1), (x2, y2) = g0.lobe1_xy_nm, g0.lobe2_xy_nm
        if self._params is not None:
            # Name the lobes after the previous frame's model, not this frame's outline.
            prev = self._params
            c_prev = np.array([math.cos(prev[2]), math.sin(prev[2])])
            x1, y1 = ((np.array(prev[:2]) - prev[5] / 2 * c_prev) / ps
                      + np.array(drift_px) - np.array(origin)) * ps
            p0 = self._params.copy()
            # Previous parameters are drift-corrected; move them into this crop.
            p0[0] = (p0[0] / ps + drift_px[0] - origin[0]) * ps
            p0[1] = (p0[1] / ps + drift_px[1] - origin[1]) * ps
        else:
            k0 = float(np.percentile(crop, 99)) / max(2 * max(g0.r1_nm, g0.r2_nm), 1e-3)
            neck0 = g0.neck_radius_nm + 0.5 if g0.contact else 0.0
            p0 = np.array([(x1 + x2) / 2, (y1 + y2) / 2, math.atan2(y2 - y1, x2 - x1),
                           g0.r1_nm + 0.5, g0.r2_nm + 0.5, math.hypot(x2 - x1, y2 - y1),
                           neck0, max(k0, 1e-4), 0.0, 0.15])
        weight = ~ndi.binary_dilation(others, iterations=3)
        try:
            fit = fit_dimer_image(crop, ps, p0, bin_factor=self.opt.bin_factor,
                                  weight_mask=weight, correlation_px=self.corr_px,
                                  max_nfev=self.opt.max_nfev)
        except (ValueError, np.linalg.LinAlgError):
            return None
        p, e = fit.params, fit.errors
        if not np.all(np.isfinite(p)) or p[3] <= 0 or p[4] <= 0:
            return None
        x0, y0, th, r1, r2, d, rn, k = (float(v) for v in p[:8])
        # Keep lobe 1 / lobe 2 as the outline measurement named them.
        c = np.array([math.cos(th), math.sin(th)])
        c1 = np.array([x0, y0]) - d / 2 * c
        c2 = np.array([x0, y0]) + d / 2 * c
        if np.hypot(*(c1 - (x1, y1))) > np.hypot(*(c2 - (x1, y1))):
            # The fit's lobe 1 is the outline's lobe 2: swap the names (and the parameters).
            c1, c2 = c2, c1
            r1, r2 = r2, r1
            e = e.copy()
            e[3], e[4] = e[4], e[3]
            th += math.pi
            p = p.copy()
            p[2], p[3], p[4] = th, r1, r2
        r1e, r2e, de, rne = (float(v) for v in (e[3], e[4], e[5], e[6]))
        overlap = d < r1 + r2
        arc = neck_arc(r1, r2, d, min(rn, 0.999 * min(r1, r2)))
        contact = overlap or (arc is not None and rn > max(self.opt.contact_sigma * rne, 0.2))
        s = np.linspace(-r1, d + r2, 2000)
        rho = half_width(s, r1, r2, d, rn if contact else 0.0)
        vol = float(np.pi * np.trapezoid(rho * rho, s))
        vol_err = float(np.hypot(4 * np.pi * r1 * r1 * r1e, 4 * np.pi * r2 * r2 * r2e))
        if contact:
            if arc is not None and rn > 0:
                neck, neck_err = rn, rne
                big_r = arc[0]
                # Propagate the neck-radius error to R numerically (dominant term).
                arc_hi = neck_arc(r1, r2, d, min(rn + rne, 0.999 * min(r1, r2)))
                big_r_err = abs(arc_hi[0] - big_r) if arc_hi else math.nan
            else:  # overlapping lobes with a sharp cusp
                xi = (d * d + r1 * r1 - r2 * r2) / (2 * d)
                neck, neck_err = math.sqrt(max(r1 * r1 - xi * xi, 0.0)), math.hypot(r1e, de)
                big_r, big_r_err = 0.0, ps
            gap, gap_err = 0.0, 0.0
        else:
            neck = neck_err = big_r = big_r_err = math.nan
            gap, gap_err = d - r1 - r2, math.sqrt(de * de + r1e * r1e + r2e * r2e)
        self._params = p.copy()
        self._params[0] = (p[0] / ps + origin[0] - drift_px[0]) * ps
        self._params[1] = (p[1] / ps + origin[1] - drift_px[1]) * ps
        fl = "" if fit.success else f"model fit: {fit.message}"
        v = np.array([-c[1], c[0]])
        neck_xy = c1 + (arc[1] if (contact and arc) else d / 2) * (c2 - c1) / max(d, 1e-12)
        del v
        return DimerGeometry(
            r1_nm=r1, r2_nm=r2, neck_radius_nm=neck, neck_curvature_radius_nm=big_r,
            center_distance_nm=d, gap_nm=gap, contact=bool(contact), volume_nm3=vol,
            r1_nm_err=r1e, r2_nm_err=r2e, neck_radius_nm_err=neck_err,
            neck_curvature_radius_nm_err=big_r_err, center_distance_nm_err=de,
            gap_nm_err=gap_err, volume_nm3_err=vol_err, n_bodies=1 if contact else 2,
            lobe1_xy_nm=(float(c1[0]), float(c1[1])), lobe2_xy_nm=(float(c2[0]), float(c2[1])),
            neck_xy_nm=(float(neck_xy[0]), float(neck_xy[1])), flag=fl,
        )

    def row(self, frame: int, time_s: float, geom: DimerGeometry | None, method: str,
            flag: str) -> dict:
        """One ``dimer.csv`` row (NaN where undefined)."""
        out = {c: math.nan for c in DIMER_COLUMNS}
        out.update(time_s=time_s, frame=frame, method=method, flag=flag, contact=0,
                   gap_in_window=0)
        if geom is None:
            out["contact"] = math.nan
            return out
        out.update(geom.as_dict())
        out.update(x1_nm=geom.lobe1_xy_nm[0], y1_nm=geom.lobe1_xy_nm[1],
                   x2_nm=geom.lobe2_xy_nm[0], y2_nm=geom.lobe2_xy_nm[1])
        lo, hi = self.opt.gap_window_nm
        out["gap_in_window"] = int(bool(np.isfinite(geom.gap_nm) and not geom.contact
                                        and lo <= geom.gap_nm <= hi))
        return out

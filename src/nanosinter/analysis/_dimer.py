"""Dimer geometry per frame: outline measurement, then a fit of the revolved-dimer model."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import ndimage as ndi

from nanosinter._validation import check_choice, check_positive
from nanosinter.analysis._dimer_fit import fit_dimer_image, half_width, neck_arc
from nanosinter.analysis._profile import (
    blurred_chord,
    far_side_bins,
    fit_dimer_whitened,
    fit_far_side_rim,
    fit_lobe,
    fit_neck,
    fit_neck_image,
    fit_neck_rim_image,
    fit_two_lobes,
    fit_two_lobes_whitened,
    noise_correlation_area,
)
from nanosinter.analysis._segment import Segmentation, dilate4
from nanosinter.analysis._texture import TextureMap
from nanosinter.analysis._uncert import (
    mean_variance,
    sandwich_covariance,
    support_autocovariance,
)
from nanosinter.errors import AnalysisError, InputError
from nanosinter.geometry import DimerGeometry, measure_dimer_mask

#: Columns of ``dimer.csv`` (docs/architecture.md "Dimer table"), then extras for overlays.
DIMER_COLUMNS = (
    "time_s", "frame", "r1_nm", "r2_nm", "neck_radius_nm", "neck_curvature_radius_nm",
    "center_distance_nm", "gap_nm", "contact", "volume_nm3",
    "r1_nm_err", "r2_nm_err", "neck_radius_nm_err", "neck_curvature_radius_nm_err",
    "center_distance_nm_err", "gap_nm_err", "volume_nm3_err",
    "x1_nm", "y1_nm", "x2_nm", "y2_nm", "gap_in_window", "method", "flag",
)


class _Warm(NamedTuple):
    """What a frame's profile fit hands to the next frame of its chain
    (:meth:`DimerAnalyzer.get_state`)."""

    #: Contrast per nm, blur (nm) and background of the lobe fits (their warm start).
    k: float
    sigma: float
    b: float
    #: The far-side shell fit's ``k``, ``sigma`` and ``amp`` where it saw the shell, else None.
    rim: dict | None
    #: Pooled far-side bins (:func:`far_side_bins`, ``rim_pool_decay``), or None.
    bins: np.ndarray | None
    #: The whole-dimer test's last neck fit (``gls_bridge_dchi2``): its offsets from the
    #: picked lobes (``x1 y1 r1 x2 y2 r2``) and its ``rn``, ``k``, ``sigma``, ``amp``; or None.
    glrt: dict | None = None


@dataclass(frozen=True)
class DimerOptions:
    """How the dimer is measured.

    Attributes
    ----------
    method : {"profile", "outline", "model"}
        "profile" (default): the outline at the detection level gives the topology, lobe
        centres, neck position and the concave neck arcs; then r1, r2 (and centres) are fitted
        to the blurred projected-thickness profile of every pixel of each lobe away from the
        neck, and the neck radius to the contrast across the line of centres at the neck
        (:mod:`nanosinter.analysis._profile`), which removes the ~0.2-1 nm inward bias of a
        thresholded outline; R is the outline's concave-arc radius scaled by the same
        correction as the neck (see :meth:`DimerAnalyzer.measure`). "outline": the outline at
        the detection level only (:func:`nanosinter.geometry.measure_dimer_mask`; fast,
        biased inward). "model": a 2-D least-squares fit of the whole revolved Figure-3g dimer
        (:func:`fit_dimer_image`; slow).
    margin_nm : float
        Margin of the crop around the dimer.
    denoise_sigma_px : float
        Gaussian denoising of the full-resolution crop for the outline (pixels).
    bin_factor : int
        Binning of the crop for the profile and model fits.
    max_nfev : int
        Function evaluations of the "model" fit.
    contact_sigma : float
        Contact is declared when the fitted lobes overlap or the neck radius fitted across the
        gap exceeds this many standard errors and ``min_neck_nm``.
    max_contact_gap_nm : float
        Lobes whose fitted gap (``d - r1 - r2``) exceeds this (and 3 standard errors) are
        not in contact whatever the contrast between them (0.5 nm: the carbon rims of two
        particles closer than 2 x 1 nm fill the gap with a faint contrast; calibrated on the
        synthetic movies of the tests).
    min_neck_nm : float
        Smallest neck radius that counts as contact (0.3 nm = 3 pixels at 0.1 nm/px, about the
        resolution of the default renderer; calibrated on the synthetic movies of the tests).
    rejoin_gap_nm : float
        After a frame in which the dimer was one particle (on a clean support the carbon rims
        can join two particles at the detection level across a 2-3 nm gap), a segmented
        neighbour whose surface gap to it (equivalent circles) is below this becomes its
        second lobe again. 5 nm: the range of ``pairs.csv`` (``AnalysisOptions.max_pair_gap_nm``);
        0: off (the one particle is followed alone, as before 2026-12-02).
    max_bridge_gap_nm : float
        Lobes whose fitted gap is wider than ``max_contact_gap_nm`` but below this are tested
        for a bridging neck (a 3-D neck thinner than the lobes, faint in projection, across
        a gap of the lobes' circle fits: the KMC necks of the tang2023 demo). 2.5 nm: the
        upper end of the sintering window of Tang et al. 2023 (doi:10.3390/nano13243082,
        particles 1-2 nm apart sintered) plus the 0.3-0.6 nm by which the fitted gap exceeds
        the true one before contact (the lobe fits absorb part of the carbon rims). With 3 nm
        (before 2026-12-01) seeds 21 and 38 of the test movies were found "bridged" at frames
        0-3 (true gap 2.5-1.6 nm, no neck; contact frame 0 instead of 8); nothing else on
        seeds 1-40 changed. The demo's bridges are at fitted gaps of 1.35-2.06 nm.
    max_bridge_frac : float
        A bridging neck across a gap of the lobe fits counts only when its fitted radius is
        below this fraction of the smaller lobe's radius: a bridge that thick would fill the
        gap and show in the outline and the lobe fits; such fits are the neck model filling a
        texture blob (seed 4 of the test movies, frames 1-2: r = 5.5 and 6.5 nm, +-1-1.6 nm,
        across a 2.2 nm gap, which set its contact at frame 1). 0.6: calibrated on the test
        movies (seeds 1-8: seed 4's contact 1 -> 8, no other seed changed); the demo's
        bridges reach 0.44 (3.3 of 7.5 nm) and the bridge-neck test's 0.43.
    bridge_neck_scale_max : float
        A bridging neck is reported from the rim-free neck image (the model its contact
        thresholds were set with) unless that fit needs its contrast scaled by more than this
        factor relative to the lobes' contrast per nm: then the neck is darker than a neck of
        the fitted radius could be, the sign that the lobe fit's blur, which that model
        reuses, has absorbed more than the carbon rim (facets of faceted particles: 0.9 nm on
        the demo's KMC particles), and the neck is reported from the carbon-shell model with
        the lobes' far-side contrast and blur instead (with a usable far-side fit). 1.5:
        the rim-free fit's scale is 0.66-1.18 on the spherical bridge analogue of the tests
        (10^2-10^4 e/A^2), 0.37-0.92 (10-90 %) on the demo at 100 e/A^2, 1.3-2.4 on the demo's
        particles re-rendered at 10^3 e/A^2 without texture, where the neck came out half
        the true one (1.0 for 2.7 nm at 10^4 e/A^2; 2.5 nm with the shell model). Chosen
        between those ranges, not fitted.
    bridge_sigma : float
        The gap's contrast in excess of the lobes' own far-side profile (blur tail + carbon
        rim, :func:`bridge_excess`) must exceed this many standard errors for a bridging
        neck (4: rims alone gave up to 3.8 on the test movies' approach frames, the demo's
        necks >= 2.3 nm 4-6; calibrated, not derived, thin margin); after a contact frame
        ``contact_sigma`` (hysteresis).
    gap_window_nm : (float, float)
        The sintering window of gaps flagged in ``gap_in_window`` (1-2 nm: Tang et al. 2023,
        doi:10.3390/nano13243082, only particles this close sintered).
    rim_nm : float
        Thickness of a carbon shell (carbonised ligands) around the particles in the neck
        fit of touching lobes (:func:`fit_neck_rim_image`; the shell's contrast and the
        physical blur are measured on the lobes' far sides); 0: no shell in the neck model,
        which then absorbs the rim in a wider fitted blur. 1 nm (default; calibrated: estimated
        by eye from the faint rim in Tang et al. 2023, Fig. 3b, doi:10.3390/nano13243082, the
        renderer's default too). The shell is half the neck error where the support texture
        does not dominate (texture-free test movies: pooled neck 0.26 -> 0.11 nm); with the
        renderer's 4 % texture it helps only together with ``subtract_texture`` (seeds 1-8
        pooled: neck 0.43 nm with neither, 0.42 with the shell alone, 0.34 with the texture
        subtraction alone, 0.27 with both; docs/analysis.md "Accuracy").
    rim_pool_decay : float
        The far-side shell fit (``rim_nm``) pools the far sides' radial profiles of the
        frames before this one in its chain (``dimer_warm_lag``), each earlier frame's
        weight multiplied by this factor per frame: the shell's contrast and the blur are
        the movie's, and one frame at 100 e/A^2 with 4 % texture often hides the shell
        (amplitude below 3 errors; then the rim-free neck model is used). 0: this frame
        only (the behaviour before 2026-12-01, latest). 0.8 (chosen, not fitted: a memory of
        ~5 frames of the chain, 20 frames of the movie, short against the carbon shell's
        growth under the beam).
    overlap_contact_nm : float
        Lobes whose fitted circles overlap by more than this and 3 standard errors
        (``r1 + r2 - d``) are in contact even when the detection-level outline shows two
        bodies and the neck across the gap stays below ``contact_sigma``: particles lying on
        a flat support cannot overlap in projection without touching. 0.2 nm (calibrated on
        the test movies, seeds 1-8, ``benchmarks/analysis_accuracy.py``): seeds 5 and 7 are
        found in contact at frame 10 instead of 12 and 13 (truth 8), the other seeds'
        contact frames are unchanged (0.3 nm: seed 5 at 11). 0: off (the outline must join).
    subtract_texture : bool
        Estimate the support texture (fixed to the specimen, the same in every frame) in the
        gap between the lobes from the approach frames and subtract it from the contrast image
        before the neck fits and the bridge test (:meth:`_texture_step`,
        :class:`nanosinter.analysis._texture.TextureMap`). Default on. Approach frames are the
        frames before the fitted gap first falls to ``texture_min_gap_nm`` or the lobes touch;
        a movie whose particles start closer has none, and then nothing is subtracted (the
        result is that of ``subtract_texture=False``). Measured on the test movies (4 %
        texture, seeds 1-8, ``benchmarks/analysis_accuracy.py``, with ``rim_nm`` = 1): pooled
        neck error 0.42 -> 0.27 nm, R 31 -> 16 %, every seed's contact frame within 2 frames.
        On the tang2023 demo (lobes 1.3 nm apart from frame 0, neck from frame 1) nothing is
        subtracted; before the estimate was closed at the sintering window it took the demo's
        undetected neck for texture (contact frame 45 -> 62, neck error 0.57 -> 2.05 nm,
        docs/analysis.md). Without texture in the frames (the approach frames' residual is
        then shot noise) the defaults give a pooled neck error of 0.14 nm. The estimate
        travels in the state from frame to frame, so a frame ``dimer_warm_lag`` after another
        sees the approach frames of its chain only.
    texture_highpass_nm : float
        The residual ``tau - lobe model`` is high-passed by subtracting its Gaussian
        smoothing of this sigma (removes the smooth carbon rims and lobe misfit; the
        texture's grain is 0.4 nm). 1 nm: of 0.6, 1 and 2 nm the lowest pooled neck and R
        error that did not break a seed (2 nm: 0.33 nm but seed 2 0.28 -> 0.59 nm);
        calibrated on the test movies (with the earlier whole-frame registration).
    texture_smooth_nm : float
        Gaussian smoothing of the accumulated estimate before use (removes shot noise; 0.2
        nm is half the texture's grain; 0.35 nm measured no better). Calibrated.
    texture_min_gap_nm : float
        The texture estimate takes frames until the first frame whose fitted gap is at most
        this or whose lobes touch, then it is closed for the rest of the movie: from there on
        a neck may bridge the gap before it is detected, and it would be taken for texture and
        subtracted later. 2 nm: the upper end of the sintering window of Tang et al. 2023
        (doi:10.3390/nano13243082: particles 1-2 nm apart sintered). The fitted gap of the
        test movies' approach frames runs 0.3-0.6 nm above the truth (the lobe fits absorb
        the carbon rim), so in true gap the rule closes at ~1.5 nm; lower it only where the
        frames before contact are known to have no neck.
    texture_refine : bool
        Refine the registration of the estimate by matching this frame's gap residual to
        it within +-1 px. Off: measured with the earlier whole-frame registration it gained
        little (pooled neck 0.341 -> 0.336 nm) for 26 ms per frame.
    contact_backfill_nm : float
        After the movie, frames just before the first contact frame whose fitted gap
        ``d - r1 - r2`` is within this of the touching lobes' own gap level (the median over
        the first ``contact_run`` contact frames; only when that level is below
        ``max_contact_gap_nm``, i.e. for touching lobes, not bridging necks) are marked in
        contact too, without a neck (:func:`nanosinter.analysis._pipeline.backfill_contact`).
        The lobe fits of one movie carry one constant bias from its fixed support texture,
        so the gap of touching lobes settles at a level of its own (0.3-0.4 nm on seed 14 of
        the test movies, whose lobes are fitted 0.1-0.2 nm small); when the lobes already sit
        at that level but the neck (1.0-1.5 nm, 1-2 sigma of the Cramér-Rao bound in one
        frame) is still below the neck test, the gap, not the neck, tells the contact. 0.15
        nm: half the test movies' approach step (0.29 nm per frame). On seeds 1-40
        (truth 8) it moves seed 14 from 11 to 8 and seeds 36 and 37 from 9 to 8, no other
        seed and none earlier than the truth: all 40 within 2 frames (39 without); 0.08 and
        0.3 nm do the same but for seed 14 at 9 and seed 39 at 8 (calibrated on the test
        movies, not derived; benchmarks/analysis_accuracy.py --dimer-opt
        contact_backfill_nm=T). 0: off.
    bridge_texture_error : bool
        Give the bridge test's excess (:func:`bridge_excess`) the standard error of a mean of
        pixels under the support's measured autocovariance (texture grain + shot noise,
        :func:`nanosinter.analysis._uncert.mean_variance`) instead of the far-side spread
        times ``sqrt(correlation area / n)``, which on the test movies understates it ~1.6x
        (false bridges in the approach frames of held-out seeds 42 and 69: ~0.6 % of
        approach frames at "4 sigma"). Off by default: with the honest error the thresholds
        ``bridge_sigma`` (4) and ``contact_sigma`` (3) find no false bridge on seeds 1-80 and
        the same contact frames on seeds 1-40, but the tang2023 demo's bridges, at 2-3
        honest standard errors (its ideal-observer d' with the texture unknown stays below
        3.2), are no longer detected (contact in 0 of 120 frames; 9 with ``bridge_sigma``
        3). Which operating point to ship is open (docs/analysis.md).
    touch_hysteresis : bool
        After a contact frame, lobes that still touch (fitted gap below ``max_contact_gap_nm``
        or 3 sigma) stay in contact when this frame's neck test fails (sintering necks do
        not come apart; the bridge test has the same hysteresis). Off by default: on the
        held-out seeds 41-80 it turns the one-frame drop-outs of seeds 51 and 68 (contact
        11 -> 8, truth 8; 35 of 40 within 2 frames instead of 33), but on seed 8, whose lobe
        fits overlap from frame 4 (texture), one early contact frame then sticks (6 -> 4;
        39 of 40 instead of 40 on seeds 1-40). With ``bridge_texture_error`` too: 36 of 40
        and 39 of 40 (docs/analysis.md).
    lobe_max_blur_nm : float
        Largest blur the two-lobe profile fit may take (at least 3 pixels). The fitted blur
        absorbs the instrument's resolution and the carbon rim: 0.48-0.76 nm on the test
        movies (0.3 nm resolution, 1 nm rim), ~0.9 nm on the demo's faceted particles. With
        the earlier bound of 1.5 nm one texture draw (held-out seed 54) put the fit at the
        bound with a background 7 % below the support (blur, background and radius trade
        off), lobes 0.5-0.9 nm too large and a false contact at frame 3. 1.0 nm (2026-12-01;
        chosen on seeds 41-80 and the demo, ``benchmarks/analysis_accuracy.py --dimer-opt
        lobe_max_blur_nm=B``): seeds 1-40 unchanged (no fit reaches it), seeds 41-80 neck
        misses 17 -> 16 and seed 54's false contact 2 -> 4 (truth 8), the demo's neck error
        0.57 -> 0.43 nm, R 43 -> 40 %, 65 instead of 63 frames in contact. 0.8 nm helps the
        demo more (neck 0.35 nm, R 31 %) but moves held-out seed 73's contact 7 -> 12.
    noise_lag_nm : float
        Largest lag of the support's noise autocovariance used for the reported errors of
        r1, r2, the centre distance and the neck radius (:mod:`nanosinter.analysis._uncert`):
        2 nm, five grain sizes of amorphous-carbon texture (~0.4 nm; the renderer's
        ``texture_correlation_nm``), beyond which it is zero within its noise.
    gls_gap : bool
        Decide whether the lobes touch from a second two-lobe fit, to the whole region
        around both lobes with the gap between them included, by generalised least squares
        under the support's measured noise autocovariance, with the carbon shell
        (``rim_nm``) in the model
        (:func:`nanosinter.analysis._profile.fit_two_lobes_whitened`), instead of the
        reported gap ``d - r1 - r2`` of the pixel-picked lobe fit, which leaves the gap out.
        The static support texture biases a movie's lobe fits by one constant amount: on the
        test movies the pixel-picked gap of the approach frames is off by 0.2 nm rms from
        movie to movie (up to 0.8 nm), which put 12 of 80 held-out movies (seeds 41-120)
        more than 2 frames off the true contact frame; the whitened gap halves the offsets
        of most movies (not all: the carbon shell and the atoms' edge are not exactly the
        model's). The reported lobes are the pixel-picked fit's (moved by the whitened fit's
        offsets only with ``gls_report``); their errors, which include the texture, are
        the picked fit's (the whitened fit's own errors understate its scatter ~2x).
    gls_gap_min_nm, gls_gap_max_nm : float
        The whitened fit runs only where it can decide anything: pixel-picked gap between
        -0.6 and 1.5 nm (the picked gap's texture offsets stay within ~0.8 nm on the test
        movies: below -0.6 nm the lobes overlap whatever the offset, above 1.5 nm they do
        not touch), and not after a frame in contact with a neck of ``gls_skip_neck_nm``
        (2 nm; sintering necks do not come apart; carried in the dimer state, so the same
        for any number of workers).
    gls_skip_neck_nm : float
        See ``gls_gap_max_nm``: once a frame's lobes touch (by the contact test's gap) with
        a neck this wide, later frames skip the whitened fit (a bridge across a gap does not
        count: on held-out seed 42 a texture patch passed the bridge test in frame 0).
    gls_refit_nm : (float, float)
        Where an earlier frame's whitened fit is known (carried in the dimer state), its
        offset from the picked gap (the texture's, the same in every frame: 0.04-0.1 nm
        frame to frame) gives this frame's whitened gap without a fit, unless that estimate
        falls within (-0.5, 0.8) nm, which holds every threshold of the contact tests (0.2,
        0.5, -0.2 nm) with a margin of several frame-to-frame scatters: there it is refitted.
    gls_pixel_nm : float
        Pixel of the whitened fit: the binned crop binned again to ~0.4 nm. Its information
        lies below ~1.2 cycles/nm (the texture's grain above, the blur below), which a
        0.4 nm grid keeps; ~13 ms per fitted frame instead of ~50 on the 0.2 nm grid, with
        the same contact frames on the movies checked.
    touch_gap_nm : float
        Lobes whose whitened gap is below this are in contact without a neck test: touching
        spheres are in contact, and a 1.0-1.5 nm neck is at 1-2 sigma of the Cramér-Rao
        bound in one frame. 0.2 nm (calibrated on seeds 1-120 of the test movies, not
        derived): with ``gls_gap`` and this rule 0 of seeds 1-40 and 5 of 41-120 miss the
        contact frame by more than 2 frames (0 and 12 without either); dimers parked 0.7 nm
        apart without a neck get a false contact in 1 of 30 movies (6 without), 1.0 nm apart
        in 3 (4; two of them false bridges of the bridge test), 0.4 nm apart in 19 (19;
        within the texture's reach; ``benchmarks/parked_dimers.py``). On fresh seeds
        121-200, run after all of this was fixed: 4 of 80 miss (9 without; 3 with
        ``gls_bridge_gap_nm``, added later).
        ``benchmarks/contact_ideal_observer.py`` gives what the images allow.
    gls_bridge_gap_nm : float
        A bridge across a gap (the bridge test) counts only where the whitened gap is below
        this. The whitened gap is fitted for this check where the frame's picked gap was
        outside the contact gap's window (only in frames where the bridge test would
        otherwise pass; not carried to later frames). 2.5 nm, calibrated, not derived: the
        upper edge of the paper's 1-2 nm sintering window (Tang et al. 2023) plus the
        whitened gap's excess on the demo's faceted particles (2.0-2.5 nm where the picked
        gap reads 1.3 nm; at 2.0 the demo lost 19 of its 65 contact frames). The bridge
        test's own limit (``max_bridge_gap_nm``) is on the picked gap, which can run ~0.8 nm
        short: on held-out seed 178 a dark texture patch between lobes 2.5 nm apart (picked
        1.79 nm, whitened 2.58 nm) passed the bridge test in frame 0.
    gls_report : bool
        Report r1, r2 and the lobe centres (so the centre distance, the gap and the volume)
        moved by the whitened fit's offsets from the pixel-picked fit (``gls_gap``'s fit: the
        latest one's, carried in the dimer state; the fit also runs in a chain's first
        frame, at any gap, to have offsets from the start, and no more after a 2-nm neck).
        The neck radius, R and every contact decision stay those of the picked lobes, and
        so do the reported errors. Off by default: on the rendered
        spherical test movies it halves the movies' texture offsets of the centre distance
        (fresh seeds 201-280: movies missing 0.2 nm 25 -> 8 of 80), but on the demo's
        faceted KMC particles the offsets are no better than the picked fit's and the
        picked fit's own error drifts as the particles reshape, so the centre distance got
        worse (0.105 -> 0.232 nm): whether it helps depends on how round the particles are
        (docs/analysis.md, "Reported lobes from the whitened fit").
    gls_bridge_dchi2 : float
        With a value > 0, a bridge across a gap is decided by the generalised likelihood
        ratio test of the whole dimer instead of the bridge test's thresholds: both lobes, a
        neck of the Figure 3g outline and the carbon shell fitted to the whole region by
        generalised least squares under the support's measured noise
        (:func:`nanosinter.analysis._profile.fit_dimer_whitened`), with and without the
        neck; a bridge where the whitened sum of squares drops by more than this many
        noise variances (following a bridge of the previous frame: ``contact_sigma``
        squared), the fitted neck is above ``min_neck_nm`` and below ``max_bridge_frac`` of
        the smaller lobe and the fit's gap is below ``gls_bridge_gap_nm``. The reported neck
        stays the neck-image fit's. The test runs only where the bridge test's excess is
        above ``bridge_screen_sigma`` of its errors. 0 (default): the bridge test. 20 is the
        calibrated value (CLI ``--bridge-dchi2 20``), not derived: above the largest
        statistic of 191 neck-free approach frames of seeds 201-240 (17.5) and below most of
        the demo's bridged frames from frame ~50 on (25-43 from frame 60;
        ``benchmarks/bridge_glrt.py``). Measured with it
        (``benchmarks/analysis_accuracy.py``, seeds 1-280): contact frame more than 2 frames
        off on 7 of 280 movies (10 with the bridge test), every pooled median within 0.003
        nm / 0.3 %; the demo's contact frame 48 (45), 72 of 120 frames in contact (65),
        neck 0.39 nm (0.43), R 30 % (40 %). Off by default: the statistic's tail on
        neck-free frames is the support texture's (31 on seed 2, an isolated false bridge
        in its frames 3-4), so it trades which movies get false bridges rather than
        removing them, and it costs ~0.15 s per tested frame (the demo's analysis 18 -> 5
        frames/s). docs/analysis.md, "The whole dimer's likelihood-ratio test".
    bridge_screen_sigma : float
        The bridge test's excess (in its own standard errors) above which the whole-dimer
        test of ``gls_bridge_dchi2`` is run (a cheap screen: the test takes ~0.15 s).
    """

    method: str = "profile"
    margin_nm: float = 3.0
    denoise_sigma_px: float = 3.0
    bin_factor: int = 2
    max_nfev: int = 60
    contact_sigma: float = 3.0
    max_contact_gap_nm: float = 0.5
    min_neck_nm: float = 0.3
    max_bridge_gap_nm: float = 2.5
    bridge_sigma: float = 4.0
    gap_window_nm: tuple[float, float] = (1.0, 2.0)
    rim_nm: float = 1.0
    rim_pool_decay: float = 0.8
    noise_lag_nm: float = 2.0
    subtract_texture: bool = True
    texture_highpass_nm: float = 1.0
    texture_smooth_nm: float = 0.2
    texture_min_gap_nm: float = 2.0
    texture_refine: bool = False
    max_bridge_frac: float = 0.6
    overlap_contact_nm: float = 0.2
    bridge_neck_scale_max: float = 1.5
    contact_backfill_nm: float = 0.15
    bridge_texture_error: bool = False
    touch_hysteresis: bool = False
    lobe_max_blur_nm: float = 1.0
    gls_gap: bool = True
    gls_gap_min_nm: float = -0.6
    gls_gap_max_nm: float = 1.5
    touch_gap_nm: float = 0.2
    gls_pixel_nm: float = 0.4
    gls_refit_nm: tuple[float, float] = (-0.5, 0.8)
    gls_skip_neck_nm: float = 2.0
    gls_bridge_gap_nm: float = 2.5
    gls_report: bool = False
    gls_bridge_dchi2: float = 0.0
    bridge_screen_sigma: float = 2.0
    rejoin_gap_nm: float = 5.0

    def __post_init__(self) -> None:
        check_choice("method", self.method, ("profile", "outline", "model"))
        check_positive("margin_nm", self.margin_nm)
        check_positive("denoise_sigma_px", self.denoise_sigma_px, allow_zero=True)
        check_positive("contact_sigma", self.contact_sigma)
        check_positive("rim_nm", self.rim_nm, allow_zero=True)
        check_positive("rim_pool_decay", self.rim_pool_decay, allow_zero=True)
        if self.rim_pool_decay >= 1:
            raise InputError(f"rim_pool_decay must be below 1, got {self.rim_pool_decay}")
        check_positive("noise_lag_nm", self.noise_lag_nm)
        check_positive("texture_highpass_nm", self.texture_highpass_nm, allow_zero=True)
        check_positive("texture_smooth_nm", self.texture_smooth_nm, allow_zero=True)
        check_positive("overlap_contact_nm", self.overlap_contact_nm, allow_zero=True)
        check_positive("texture_min_gap_nm", self.texture_min_gap_nm, allow_zero=True)
        check_positive("max_bridge_frac", self.max_bridge_frac)
        check_positive("bridge_neck_scale_max", self.bridge_neck_scale_max)
        check_positive("contact_backfill_nm", self.contact_backfill_nm, allow_zero=True)
        check_positive("lobe_max_blur_nm", self.lobe_max_blur_nm)
        check_positive("gls_gap_max_nm", self.gls_gap_max_nm, allow_zero=True)
        check_positive("gls_pixel_nm", self.gls_pixel_nm)
        check_positive("gls_skip_neck_nm", self.gls_skip_neck_nm)
        check_positive("gls_bridge_gap_nm", self.gls_bridge_gap_nm)
        check_positive("gls_bridge_dchi2", self.gls_bridge_dchi2, allow_zero=True)
        check_positive("rejoin_gap_nm", self.rejoin_gap_nm, allow_zero=True)
        check_positive("bridge_screen_sigma", self.bridge_screen_sigma, allow_zero=True)
        check_positive("touch_gap_nm", self.touch_gap_nm, allow_zero=True)
        if int(self.bin_factor) != self.bin_factor or self.bin_factor < 1:
            raise InputError(f"bin_factor must be a positive integer, got {self.bin_factor!r}")


def bridge_excess(tau, ps, others, c1, c2, r1, r2, *, half_width_nm=1.0, corr_area_px=1.0,
                  noise_kernel=None):
    """Contrast in the gap between two fitted lobes in excess of what the lobes and their
    carbon rims give without a neck (crop coordinates, nm).

    The no-neck contrast at a pixel outside both lobe circles is taken from the lobes' own
    far sides (more than 37 degrees from the line of centres): the median contrast as a
    function of the distance from the nearer fitted circle (blur tail + carbon rim + texture,
    measured, not modelled). The excess over it in the gap within ``half_width_nm`` of the
    line of centres is a neck (material bridging the gap); carbon rims and blur alone give
    none. Returns (mean excess, its standard error, number of pixels); NaN when undefined.

    The standard error is that of a mean of correlated pixels: with ``noise_kernel`` (the
    support's autocovariance, :func:`nanosinter.analysis._uncert.support_autocovariance`)
    exactly for the gap's pixel pattern (:func:`nanosinter.analysis._uncert.mean_variance`),
    else the far-side residuals' spread times ``sqrt(corr_area_px / n)``.
    """
    ny, nx = tau.shape
    xx, yy = np.meshgrid(np.arange(nx) * ps, np.arange(ny) * ps)
    d = float(np.hypot(*(c2 - c1)))
    u = (c2 - c1) / max(d, 1e-12)
    rel = [(xx - c[0], yy - c[1]) for c in (c1, c2)]
    rho = [np.hypot(*r) for r in rel]
    e = [rho[0] - r1, rho[1] - r2]
    edges = np.arange(-0.5, 3.01, 0.1)
    prof = []
    for i, sgn in ((0, 1.0), (1, -1.0)):
        cosang = sgn * (rel[i][0] * u[0] + rel[i][1] * u[1]) / np.maximum(rho[i], 1e-9)
        far = (cosang < 0.8) & ~others & (e[i] > edges[0]) & (e[i] < edges[-1])
        idx = np.digitize(e[i][far], edges) - 1
        vals = tau[far]
        # Median per distance bin from one sort (bins with >= 10 pixels).
        order = np.lexsort((vals, idx))
        vs, ids = vals[order], idx[order]
        counts = np.bincount(ids, minlength=edges.size - 1)[: edges.size - 1]
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        p = np.full(edges.size - 1, np.nan)
        ok_bins = counts >= 10
        lo_i = starts + (counts - 1) // 2
        hi_i = starts + counts // 2
        p[ok_bins] = 0.5 * (vs[lo_i[ok_bins]] + vs[hi_i[ok_bins]])
        prof.append(p)
    near = np.minimum(e[0], e[1])
    which = np.where(e[0] <= e[1], 0, 1)
    t = -(xx - c1[0]) * u[1] + (yy - c1[1]) * u[0]
    gap_px = (e[0] > 0.1) & (e[1] > 0.1) & (np.abs(t) <= half_width_nm) & ~others
    j = np.clip(np.digitize(near, edges) - 1, 0, edges.size - 2)
    pred = np.where(which == 0, prof[0][j], prof[1][j])
    ok = gap_px & np.isfinite(pred)
    n = int(np.count_nonzero(ok))
    if n < 10:
        return math.nan, math.nan, n
    exc = tau[ok] - pred[ok]
    if noise_kernel is not None:
        var = mean_variance(ok, noise_kernel)
        if np.isfinite(var) and var > 0:
            return float(np.mean(exc)), math.sqrt(var), n
    # Noise from the far-side residuals at the same distances (outside the circles).
    ref = []
    for i in (0, 1):
        far = ~others & (e[i] > 0.1) & (e[i] < 1.5) & (e[1 - i] > 3.0)
        jj = np.clip(np.digitize(e[i][far], edges) - 1, 0, edges.size - 2)
        ref.append(tau[far] - prof[i][jj])
    ref = np.concatenate(ref)
    ref = ref[np.isfinite(ref)]
    sd = float(np.std(ref)) if ref.size > 10 else float(np.std(exc))
    return float(np.mean(exc)), sd * math.sqrt(max(corr_area_px, 1.0) / n), n


def _waist_split(body: np.ndarray, max_waist: float = 0.7) -> np.ndarray | None:
    """Labels 1, 2 of the two halves of the largest body of the mask ``body`` where it has a
    waist, else None.

    The markers are the two highest maxima of the (lightly smoothed) distance transform at
    least a third of the body's largest inscribed radius apart; the halves are their watershed
    regions (Vincent & Soille 1991, doi:10.1109/34.87344). A waist: each half holds at least
    a fifth of the body, and the line where they meet is shorter than ``max_waist`` times the
    smaller half's equivalent diameter (a sphere cut in two meets along its full diameter;
    two touching spheres along their neck).
    """
    from skimage.feature import peak_local_max
    from skimage.segmentation import watershed

    lab, n = ndi.label(body, structure=np.ones((3, 3), bool))
    if n == 0:
        return None
    if n > 1:
        lab = (lab == 1 + int(np.argmax(np.bincount(lab.ravel())[1:]))).astype(np.int32)
    mask = lab > 0
    dist = ndi.gaussian_filter(ndi.distance_transform_edt(mask), 0.7)
    peaks = peak_local_max(dist, min_distance=max(2, round(dist.max() / 3)), labels=mask,
                           num_peaks=2, exclude_border=False)
    if len(peaks) < 2:
        return None
    markers = np.zeros(mask.shape, np.int32)
    markers[tuple(peaks.T)] = (1, 2)
    halves = watershed(-dist, markers, mask=mask)
    areas = np.bincount(halves.ravel(), minlength=3)[1:3]
    if areas.min() < 0.2 * areas.sum():
        return None
    # Pixels of half 1 with a 4-neighbour in half 2: the length of the line where they meet.
    h1, h2 = halves == 1, halves == 2
    meet = np.zeros(mask.shape, bool)
    meet[:-1, :] |= h1[:-1, :] & h2[1:, :]
    meet[1:, :] |= h1[1:, :] & h2[:-1, :]
    meet[:, :-1] |= h1[:, :-1] & h2[:, 1:]
    meet[:, 1:] |= h1[:, 1:] & h2[:, :-1]
    waist = float(meet.sum())
    if waist >= max_waist * 2.0 * math.sqrt(areas.min() / math.pi):
        return None
    return halves.astype(np.int32)


def _split_coverage(cov: np.ndarray, lab: np.ndarray, bodies: list[int],
                    bin_factor: int = 1) -> np.ndarray:
    """``cov`` with a cut along the line where two segmented bodies are equidistant.

    Each pixel goes to the body (labels ``bodies[0]``, ``bodies[1]`` in ``lab``) whose
    nearest pixel is closer (Euclidean distance transform); pixels with a neighbour of the
    other body's cell are set to 0, widened by ``bin_factor`` pixels so that the cut survives
    the ``bin_factor`` x ``bin_factor`` block means the outline is traced on (which are
    returned: the same shape as the binned coverage).
    """
    which = np.zeros(lab.shape, np.int8)
    which[lab == bodies[0]] = 1
    which[lab == bodies[1]] = 2
    _, (iy, ix) = ndi.distance_transform_edt(which == 0, return_indices=True)
    near = which[iy, ix]
    cut = np.zeros(lab.shape, bool)
    cut[:-1, :] |= near[:-1, :] != near[1:, :]
    cut[:, :-1] |= near[:, :-1] != near[:, 1:]
    cut = ndi.binary_dilation(cut, iterations=max(int(bin_factor), 1))
    out = np.where(cut, 0.0, cov)
    if bin_factor > 1:
        out = _block_mean(out, int(bin_factor))
        # A binned pixel that holds any cut pixel is cut too.
        out[_block_mean(cut, int(bin_factor)) > 0] = 0.0
    return out


def _block_mean(a: np.ndarray, b: int) -> np.ndarray:
    """Means of ``b`` x ``b`` blocks of ``a`` (cropped to a multiple of ``b``), float64."""
    h, w = a.shape[0] // b * b, a.shape[1] // b * b
    return a[:h, :w].reshape(h // b, b, w // b, b).mean(axis=(1, 3))


def _surface_gap_nm(a: dict, b: dict) -> float:
    """Surface-to-surface distance of two particle rows' equivalent circles (nm)."""
    return (math.hypot(a["x_nm"] - b["x_nm"], a["y_nm"] - b["y_nm"])
            - a["equivalent_diameter_nm"] / 2 - b["equivalent_diameter_nm"] / 2)


class DimerAnalyzer:
    """Follows one dimer through a movie (stateful: lobe identities, warm starts).

    The dimer is chosen in the first frame with particles as the two bodies with the
    smallest surface-to-surface distance (or the largest body if there is only one); later
    frames take the bodies under the previous lobe centres (drift-corrected).
    """

    def __init__(self, pixel_size_nm: float, options: DimerOptions | None = None,
                 *, denoise_sigma_px: float | None = None) -> None:
        self.ps = float(pixel_size_nm)
        self.opt = options or DimerOptions()
        sig = self.opt.denoise_sigma_px if denoise_sigma_px is None else denoise_sigma_px
        self.sigma_px = float(sig)
        self.corr_px = max(self.sigma_px, 1.0) * 2.0
        self._lobes_nm: tuple[tuple[float, float], tuple[float, float]] | None = None
        self._radii: tuple[float, float] | None = None
        #: What the last frame's profile fit hands on (:class:`_Warm`), or None.
        self._warm: _Warm | None = None
        self._params: np.ndarray | None = None
        #: TextureMap of the approach frames (``subtract_texture``), else None.
        self._tex = None
        self._tex_ctx: tuple | None = None
        #: Whitened two-lobe fit minus the picked one in the last frame (warm start), or None.
        self._gls_delta: dict | None = None
        #: An earlier frame was in contact with a neck of at least ``gls_skip_neck_nm``
        #: (sintering necks do not come apart: the whitened gap decides nothing any more).
        self._sintered = False
        #: This frame's lobes touch by the contact test's gap (set by the profile fit).
        self._touching = False
        #: Offsets added to the reported lobes this frame (``gls_report``): (dx1, dy1, dr1,
        #: dx2, dy2, dr2) nm; taken off again for the next frame's hints.
        self._report_shift = (0.0,) * 6
        # Contact of the previous frame (bridge hysteresis); None: not known here, both
        # outcomes are returned (``alternative``) and the caller picks.
        self._prev_contact: bool | None = False
        self._alt: DimerGeometry | None = None
        #: (geometry, method, flag) to use instead of the result of :meth:`measure` when the
        #: previous frame was in contact (only with ``_prev_contact = None``), else None.
        self.alternative: tuple | None = None

    # ------------------------------------------------------------------ selection
    @property
    def _one_lobe_state(self) -> bool:
        """The state came from a frame that saw one particle (both lobe hints the same)."""
        return self._lobes_nm is not None and self._lobes_nm[0] == self._lobes_nm[1]

    def _choose_bodies(self, seg: Segmentation, particles: list[dict], drift_px) -> list[int]:
        if not particles:
            return []
        # Specks (hot-pixel clusters, texture) are not lobes: below a tenth of the largest area.
        a_max = max(p["area_nm2"] for p in particles)
        particles = [p for p in particles if p["area_nm2"] >= 0.1 * a_max]
        dx, dy = drift_px
        b = int(getattr(seg, "bin_factor", 1))
        if self._lobes_nm is not None:
            chosen = []
            for (x, y) in self._lobes_nm:
                col = round((x / self.ps + dx - (b - 1) / 2) / b)
                row = round((y / self.ps + dy - (b - 1) / 2) / b)
                lab = 0
                if 0 <= row < seg.labels.shape[0] and 0 <= col < seg.labels.shape[1]:
                    lab = int(seg.labels[row, col])
                if lab == 0:
                    best = min(particles, key=lambda p: math.hypot(p["x_nm"] - x, p["y_nm"] - y))
                    if math.hypot(best["x_nm"] - x, best["y_nm"] - y) < 10 * self.ps + 5.0:
                        lab = best["label"]
                if lab and lab not in chosen:
                    chosen.append(lab)
            if len(chosen) == 1 and self._one_lobe_state and len(particles) > 1:
                # The last frame saw one particle (two lobes joined at its outline: on a
                # clean support the rims can join them across a gap): where this frame's
                # segmentation has it apart from a neighbour within the pairs' range, the
                # two are the dimer again.
                own = next((p for p in particles if p["label"] == chosen[0]), None)
                if own is not None:
                    near = min((q for q in particles if q["label"] != chosen[0]),
                               key=lambda q: _surface_gap_nm(own, q))
                    if _surface_gap_nm(own, near) < self.opt.rejoin_gap_nm:
                        chosen.append(near["label"])
            if chosen:
                return chosen
        if len(particles) == 1:
            return [particles[0]["label"]]
        # Closest pair by circle-estimated surface distance.
        best, pair = math.inf, None
        for i, a in enumerate(particles):
            for q in particles[i + 1 :]:
                g = _surface_gap_nm(a, q)
                if g < best:
                    best, pair = g, (a["label"], q["label"])
        return list(pair) if pair else [max(particles, key=lambda p: p["area_nm2"])["label"]]

    # ------------------------------------------------------------------ per frame
    def measure(self, seg: Segmentation, particles: list[dict],
                drift_px: tuple[float, float]) -> tuple[DimerGeometry | None, str, str]:
        """Geometry of the dimer in this frame (positions drift-corrected), method, flag.

        Notes
        -----
        The "profile" correction of the neck arcs: across the line of centres the outline at
        the detection level ``L`` lies at ``u = sqrt(rho^2 - c^2)``, ``c = L / 2k``, where
        ``rho(s)`` is the true half-width; near the neck ``rho = r + (s - s0)^2 / 2R``, so the
        measured outline has curvature radius ``R_m = R u_m / r`` and ``R = R_m r / u_m`` with
        ``r`` the fitted and ``u_m`` the outline neck radius. Blurring (sigma) along the axis
        widens the fitted neck by ``sigma^2 / 2R``, which is subtracted.
        """
        self.alternative = None
        self._touching = False
        self._report_shift = (0.0,) * 6
        bodies = self._choose_bodies(seg, particles, drift_px)
        if not bodies:
            return None, "", "no particle in frame"
        if seg.image is None:
            raise AnalysisError("segmentation carries no full-resolution image")
        ps = self.ps
        b = int(getattr(seg, "bin_factor", 1))
        sel_b = np.isin(seg.labels, bodies)
        rows, cols = np.nonzero(sel_b)
        m = math.ceil(self.opt.margin_nm / ps)
        ny, nx = seg.image.shape
        r0, r1 = max(rows.min() * b - m, 0), min((rows.max() + 1) * b + m, ny)
        c0, c1 = max(cols.min() * b - m, 0), min((cols.max() + 1) * b + m, nx)
        # Labels on the full-resolution crop (nearest binned pixel).
        lab_b = seg.labels[r0 // b : (r1 - 1) // b + 1, c0 // b : (c1 - 1) // b + 1]
        lab = np.repeat(np.repeat(lab_b, b, axis=0), b, axis=1)
        lab = lab[r0 - (r0 // b) * b :][: r1 - r0, c0 - (c0 // b) * b :][:, : c1 - c0]
        if lab.shape != (r1 - r0, c1 - c0):  # frame not a multiple of b: pad the edge
            lab = np.pad(lab, ((0, r1 - r0 - lab.shape[0]), (0, c1 - c0 - lab.shape[1])),
                         mode="edge")
        own = np.isin(lab, bodies)
        others = (lab > 0) & ~own
        raw = seg.image[r0:r1, c0:c1].astype(np.float64)
        tau_raw = self._contrast(raw, seg)
        self._tex_ctx = None
        if self.opt.subtract_texture and self.opt.method == "profile":
            if self._tex is None:
                # Registered and mapped: this crop and 3 nm around it.
                pad = math.ceil(3.0 / ps)
                self._tex = TextureMap(seg.image, (max(r0 - pad, 0), min(r1 + pad, ny),
                                                   max(c0 - pad, 0), min(c1 + pad, nx)))
            # A closed, empty map (no approach frames: lobes within the window from the
            # start) has nothing to subtract: skip its registration.
            if not (self._tex.closed and self._tex.n_frames == 0):
                sh = self._tex.shift_of(seg.image)
                if sh is not None:
                    self._tex_ctx = ((r0, c0), sh)
        tau = ndi.gaussian_filter(tau_raw, self.sigma_px, mode="nearest") \
            if self.sigma_px > 0 else tau_raw
        level = seg.level
        # Coverage within ~0.6 nm of the detected bodies (as with 2x-binned labels: coarser
        # labels would take in more support texture).
        region = dilate4(own, iterations=2 * min(b, 2) + 2)
        cov = np.clip(0.5 + (tau - level) / (2 * level), 0.0, 1.0) * region
        cov[others & ~own] = 0.0
        dx, dy = drift_px
        hints = None
        if self._lobes_nm is not None:
            hints = tuple(((x / ps + dx - c0) * ps, (y / ps + dy - r0) * ps)
                          for (x, y) in self._lobes_nm)
        # The outline only starts the profile fits (topology, centres, neck position, arcs):
        # in "profile" mode it is traced on a 2x-binned coverage when the pixels are fine
        # (< 0.15 nm), 4x cheaper; binned pixel (i, j) is centred at frame pixel 2 (i, j) + 0.5.
        ob = 2 if (self.opt.method == "profile" and ps < 0.15) else 1
        cov_o = cov
        if ob > 1:
            cov_o = _block_mean(cov, ob)
        ps_o = ps * ob
        shift = 0.5 * (ob - 1) * ps
        hints_o = None if hints is None else tuple((x - shift, y - shift) for (x, y) in hints)
        outline_kw = dict(smooth_sigma_px=0.0, lobe_hints_nm=hints_o,
                          min_area_px=max(12, int(math.pi * (0.6 / ps_o) ** 2)),
                          n_iter=1 if self.opt.method == "profile" else 4)
        try:
            # Bodies under 1.2 nm across are specks (noise, hot-pixel clusters), not lobes.
            # In "profile" mode the outline only starts the fits: one refinement pass.
            g0 = measure_dimer_mask(cov_o, ps_o, **outline_kw)
            # An outline of one body without a narrowing is split and traced again: where
            # the segmentation kept two bodies apart (on a clean support the outline's lower
            # level takes in both carbon rims across a 2-3 nm gap) along the line where they
            # are equidistant; where it saw one body and no earlier frame gives two lobes to
            # fit from, at a waist of its distance transform (two maxima whose watershed
            # regions meet along less than 0.7 of the smaller one's equivalent diameter).
            split = None
            if not np.isfinite(g0.r2_nm):
                if len(bodies) == 2:
                    split = _split_coverage(cov, lab, bodies, ob), outline_kw
                elif hints is None or self._one_lobe_state:
                    halves = _waist_split(cov_o >= 0.5)
                    if halves is not None:
                        split = (_split_coverage(cov_o, halves, [1, 2]),
                                 {**outline_kw, "lobe_hints_nm": None})
            if split is not None:
                g1 = measure_dimer_mask(split[0], ps_o, **split[1])
                if np.isfinite(g1.r2_nm):
                    g0 = g1
        except AnalysisError as exc:
            return None, "", f"dimer outline: {exc}"
        if shift:
            g0 = g0.replace(**{k: (getattr(g0, k)[0] + shift, getattr(g0, k)[1] + shift)
                               for k in ("lobe1_xy_nm", "lobe2_xy_nm", "neck_xy_nm")})
        flag = g0.flag
        geom, method = g0, "outline"
        alt = None
        if self.opt.method == "profile":
            self._alt = None
            fitted = self._profile(tau_raw, own, others, g0, hints)
            if isinstance(fitted, DimerGeometry):
                geom, method = fitted, "profile"
                flag = fitted.flag
                alt = self._alt
            else:
                flag = "; ".join(f for f in (flag, f"profile fit failed ({fitted}), outline used")
                                 if f)
        elif self.opt.method == "model" and (np.isfinite(g0.r2_nm) or self._params is not None):
            fitted = self._fit(tau, others, g0, (c0, r0), drift_px)
            if fitted is not None:
                geom, method, flag = fitted, "model", fitted.flag
            else:
                flag = "; ".join(f for f in (flag, "model fit failed, outline used") if f)
        at_border = r0 == 0 or c0 == 0 or r1 == ny or c1 == nx

        def finish(geom, flag):
            if at_border and "border" not in flag:
                flag = "; ".join(f for f in (flag, "dimer crop touches the image border") if f)
            # Crop -> frame -> drift-corrected coordinates.

            def to_nm(xy):
                return ((xy[0] / ps + c0 - dx) * ps, (xy[1] / ps + r0 - dy) * ps)

            return geom.replace(lobe1_xy_nm=to_nm(geom.lobe1_xy_nm),
                                lobe2_xy_nm=to_nm(geom.lobe2_xy_nm),
                                neck_xy_nm=to_nm(geom.neck_xy_nm), flag=flag), flag

        geom, flag = finish(geom, flag)
        if alt is not None:
            alt_geom, alt_flag = finish(alt, alt.flag)
            self.alternative = (alt_geom, method, alt_flag)
        l1, l2 = geom.lobe1_xy_nm, geom.lobe2_xy_nm
        if np.isfinite(l2[0]):
            # The next frame starts from the pixel-picked lobes (not the reported ones that
            # gls_report moved): its warm start and pixel choice are those of that fit.
            sx1, sy1, sr1, sx2, sy2, sr2 = self._report_shift
            l1, l2 = (l1[0] - sx1, l1[1] - sy1), (l2[0] - sx2, l2[1] - sy2)
            self._lobes_nm = (l1, l2)
            self._radii = (geom.r1_nm - sr1, geom.r2_nm - sr2)
        elif np.isfinite(l1[0]):
            self._lobes_nm = (l1, l1)
        if self._prev_contact is not None:
            self._prev_contact = bool(geom.contact)
        # Only touching lobes (not a bridge across a gap, which may be a texture patch)
        if (geom.contact and self._touching and np.isfinite(geom.neck_radius_nm)
                and geom.neck_radius_nm >= self.opt.gls_skip_neck_nm):
            self._sintered = True
        return geom, method, flag

    # ------------------------------------------------------------------ state
    def get_state(self) -> tuple:
        """What a frame hands to the next: lobe positions and radii (body choice and warm
        start), contrast/blur/background warm start, the model parameters (picklable)."""
        return (self._lobes_nm, self._radii, self._warm,
                None if self._params is None else self._params.copy(), self._tex,
                self._gls_delta, self._sintered)

    def set_state(self, state: tuple | None) -> None:
        """Start the next measurement from ``state`` (from :meth:`get_state`; None: a fresh
        analyzer, which chooses the dimer anew)."""
        (self._lobes_nm, self._radii, self._warm, self._params, tex,
         self._gls_delta, sintered) = state or (None,) * 7
        self._sintered = bool(sintered)
        # A copy: several later frames may start from the same state (in one process too).
        self._tex = copy.deepcopy(tex)

    @staticmethod
    def _contrast(raw: np.ndarray, seg: Segmentation) -> np.ndarray:
        bg = seg.background
        sign = 1.0 if seg.polarity == "dark" else -1.0
        if not bg > 0:
            return sign * (bg - raw) / max(abs(bg), 1e-12)
        return -sign * np.log(np.maximum(raw, 1e-3 * bg) / bg)

    @staticmethod
    def _sane(f, c, r) -> bool:
        """A lobe fit that stayed near its start (radius within 30 %, centre within r / 3)."""
        v = f.values
        return bool(np.all(np.isfinite(list(v.values()))) and abs(v["r"] - r) <= 0.3 * r
                    and math.hypot(v["x"] - c[0], v["y"] - c[1]) <= r / 3 and v["k"] > 0)

    def _profile(self, tau_raw, own, others, g0: DimerGeometry, hints) -> DimerGeometry | str:
        """Refine the outline measurement ``g0`` by profile fits (crop coordinates, nm).

        When the outline shows one body without a narrowing (a wide neck blurred by noise)
        but the previous frame had two lobes, the lobes are fitted from the previous centres
        and radii (``hints``).
        """
        ps = self.ps
        ny, nx = tau_raw.shape
        # Bin so that the smaller lobe spans ~25 binned pixels in radius (speed; the fit is
        # sub-pixel and the box blur of binning is absorbed in the fitted blur).
        r_guess = g0.r1_nm if not np.isfinite(g0.r2_nm) else min(g0.r1_nm, g0.r2_nm)
        if self._radii is not None:
            r_guess = min(self._radii)
        b = max(int(self.opt.bin_factor), int(r_guess / (25 * ps)) if np.isfinite(r_guess) else 1)
        ny2, nx2 = ny // b * b, nx // b * b
        if ny2 < 4 or nx2 < 4:
            return "crop too small"
        tb = tau_raw[:ny2, :nx2].reshape(ny2 // b, b, nx2 // b, b).mean(axis=(1, 3))
        # (one axis at a time: the same blocks, ~5x faster than any(axis=(1, 3)))
        ob = others[:ny2, :nx2].reshape(ny2 // b, b, nx2 // b, b).any(axis=3).any(axis=1)
        ob = dilate4(ob, iterations=2)
        xs = (np.arange(tb.shape[1]) * b + (b - 1) / 2) * ps
        ys = (np.arange(tb.shape[0]) * b + (b - 1) / 2) * ps
        xx, yy = np.meshgrid(xs, ys)
        # Correlated noise: pixels per independent sample, from the support in the crop.
        support = ~dilate4(own | others, iterations=4 * b)
        inflate = 1.0
        if np.count_nonzero(support) > 256:
            # Off the support: the support's median (the median of the support pixels only,
            # not of a NaN-filled copy of the crop).
            sv = np.where(support, tau_raw, float(np.nanmedian(tau_raw[support])))
            inflate = noise_correlation_area(sv, block=4) / (b * b)
        inflate = max(inflate, 1.0)
        two = bool(np.isfinite(g0.r2_nm))
        centres = [np.array(g0.lobe1_xy_nm)] + ([np.array(g0.lobe2_xy_nm)] if two else [])
        radii = [g0.r1_nm] + ([g0.r2_nm] if two else [])
        prev_ok = (hints is not None and self._radii is not None
                   and np.hypot(*np.subtract(hints[0], hints[1])) > 0.5 * min(self._radii))
        if two and prev_ok:
            # An outline lobe far from where the previous frame had it (a speck split off
            # by noise) is not trusted: start from the previous frame instead.
            for c, r, h, rp in zip(centres, radii, hints, self._radii, strict=True):
                if abs(r - rp) > 0.3 * rp or np.hypot(*(c - np.asarray(h))) > rp / 3:
                    two = False
                    break
        from_hints = False
        if not two and prev_ok:
            two = from_hints = True
            centres = [np.array(hints[0], float), np.array(hints[1], float)]
            radii = list(self._radii)
            g0 = g0.replace(contact=True, flag="", neck_radius_nm=math.nan,
                            neck_curvature_radii_nm=(math.nan, math.nan))
        k0 = max(float(np.percentile(tb[~ob], 99)), 1e-3) / max(2 * max(radii), 1e-3)
        warm = self._warm if (self._warm is not None and hints is not None) else None
        kw = dict(k0=k0, sigma0=0.2, b0=0.0)
        if warm is not None:
            kw = dict(k0=warm.k, sigma0=warm.sigma, b0=warm.b)
        def make_picks(centres, radii):
            picks = []
            for i, (c, r) in enumerate(zip(centres, radii, strict=True)):
                rel_x, rel_y = xx - c[0], yy - c[1]
                rho = np.hypot(rel_x, rel_y)
                pick = (rho < r + 1.5) & ~ob
                if two:
                    other = centres[1 - i]
                    u = (other - c) / max(np.hypot(*(other - c)), 1e-9)
                    cosang = (rel_x * u[0] + rel_y * u[1]) / np.maximum(rho, 1e-9)
                    # Away from the neck: more than 37 degrees from the line of centres.
                    pick &= cosang < 0.8
                picks.append(pick)
            return picks

        picks = make_picks(centres, radii)
        for i, pick in enumerate(picks):
            if np.count_nonzero(pick) < 20:
                return f"lobe {i + 1} has too few pixels"
        if two:
            p1, p2 = picks[0], picks[1] & ~picks[0]
            sel = p1 | p2
            which = np.where(p1, 0, 1)[sel]
            starts = ((centres[0][0], centres[0][1], radii[0]),
                      (centres[1][0], centres[1][1], radii[1]))

            def run(st, **kwargs):
                return list(fit_two_lobes(tb[sel], xx[sel], yy[sel], which, starts=st,
                                          inflate=inflate,
                                          max_sigma=max(self.opt.lobe_max_blur_nm,
                                                        3 * ps) - 0.02,
                                          **kwargs))

            # Warm start: the previous frame's fitted lobes (drift-corrected centres and
            # radii; contrast, background and blur in kw) are 0.01-0.05 nm from this frame's
            # solution, the outline's 0.3-0.5 nm inside it: the fit then needs a few
            # iterations instead of ~25 (the answer is the same within its errors).
            if warm is not None and prev_ok:
                warm_starts = tuple((float(h[0]), float(h[1]), float(rp))
                                    for h, rp in zip(hints, self._radii, strict=True))
                used_starts = warm_starts
            else:
                used_starts = starts
            fits = run(used_starts, **kw)
            sel_fit = sel
            ok = all(self._sane(f, c, r) for f, c, r in zip(fits, centres, radii, strict=True))
            if not ok and warm is not None:
                used_starts = starts
                fits = run(starts, k0=k0)
                ok = all(self._sane(f, c, r)
                         for f, c, r in zip(fits, centres, radii, strict=True))
            if not ok:
                return "lobe fit diverged"
            # Pixels chosen around an earlier frame's lobes (the outline shows one body:
            # a wide neck) depend on which earlier frame that was (``dimer_warm_lag`` of
            # the pipeline): when a fitted lobe is more than 0.05 nm from there they are
            # chosen again around the fitted lobes and refitted from there (one pass, a few
            # evaluations), so the answer does not depend on the start. Pixels chosen around
            # this frame's own outline lobes are kept.
            fc = [np.array([f.values["x"], f.values["y"]]) for f in fits]
            fr = [f.values["r"] for f in fits]
            moved = max(max(float(np.hypot(*(c - np.asarray(st[:2])))), abs(r - st[2]))
                        for c, r, st in zip(fc, fr, used_starts, strict=True))
            repick = from_hints and moved > 0.05
            picks2 = make_picks(fc, fr) if repick else picks
            if repick and all(np.count_nonzero(p) >= 20 for p in picks2):
                p1, p2 = picks2[0], picks2[1] & ~picks2[0]
                sel = p1 | p2
                which = np.where(p1, 0, 1)[sel]
                refit = run(tuple((c[0], c[1], r) for c, r in zip(fc, fr, strict=True)),
                            k0=0.5 * (fits[0].values["k"] + fits[1].values["k"]),
                            sigma0=0.5 * (fits[0].values["sigma"] + fits[1].values["sigma"]),
                            b0=0.5 * (fits[0].values["b"] + fits[1].values["b"]))
                if all(self._sane(f, c, r) for f, c, r in zip(refit, centres, radii,
                                                             strict=True)):
                    fits = refit
                    sel_fit = sel
        else:
            f = fit_lobe(tb[picks[0]], xx[picks[0]], yy[picks[0]], x0=centres[0][0],
                         y0=centres[0][1], r0=radii[0], inflate=inflate, **kw)
            if not self._sane(f, centres[0], radii[0]):
                return "lobe fit diverged"
            fits = [f]
        f1 = fits[0]
        flags = [g0.flag] if g0.flag else []
        if not two:
            r1v, r1e = f1.values["r"], f1.errors["r"]
            return g0.replace(r1_nm=r1v, r1_nm_err=r1e,
                              lobe1_xy_nm=(f1.values["x"], f1.values["y"]),
                              volume_nm3=4 / 3 * math.pi * r1v**3,
                              volume_nm3_err=4 * math.pi * r1v**2 * r1e, flag="; ".join(flags))
        f2 = fits[1]
        c1 = np.array([f1.values["x"], f1.values["y"]])
        c2 = np.array([f2.values["x"], f2.values["y"]])
        r1v, r2v = f1.values["r"], f2.values["r"]
        r1e, r2e = f1.errors["r"], f2.errors["r"]
        d = float(np.hypot(*(c2 - c1)))
        u = (c2 - c1) / max(d, 1e-12)
        de = float(math.sqrt((u[0] * f1.errors["x"]) ** 2 + (u[1] * f1.errors["y"]) ** 2
                             + (u[0] * f2.errors["x"]) ** 2 + (u[1] * f2.errors["y"]) ** 2))
        # Reported errors: propagated under the support's measured noise autocovariance
        # (texture grain + shot noise; _uncert). The contact tests below keep the white-noise
        # errors (r1e, r2e, de) their thresholds were calibrated with.
        r1e_rep, r2e_rep, de_rep = r1e, r2e, de
        sup_b = support[:ny2, :nx2].reshape(ny2 // b, b, nx2 // b, b).all(axis=3).all(axis=1)
        kern_b = support_autocovariance(tb, sup_b,
                                        max(math.ceil(self.opt.noise_lag_nm / (b * ps)), 2))
        if kern_b is not None and f1.jac is not None:
            rows_f, cols_f = np.nonzero(sel_fit)
            combos = np.zeros((3, f1.jac.shape[1]))  # r1, r2, centre distance
            combos[0, 2] = combos[1, 5] = 1.0
            combos[2, [0, 1, 3, 4]] = (-u[0], -u[1], u[0], u[1])
            cov = sandwich_covariance(f1.jac, rows_f, cols_f, kern_b, f1.rms**2,
                                      combos=combos)
            if np.all(np.isfinite(cov)):
                sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
                r1e_rep = max(r1e, float(sd[0]))
                r2e_rep = max(r2e, float(sd[1]))
                de_rep = max(de, float(sd[2]))
        # The gap for the contact decisions (_whitened_gap); NaN where it is not fitted.
        gap_gate, gap_gate_e = math.nan, math.nan
        picked = None
        if self.opt.gls_gap and two and kern_b is not None:
            picked = dict(x1=c1[0], y1=c1[1], r1=r1v, x2=c2[0], y2=c2[1], r2=r2v,
                          k=f1.values["k"], b=f1.values["b"], sigma=f1.values["sigma"])
            gap_gate, gap_gate_e = self._whitened_gap(tb, xx, yy, ob, sup_b, b, picked)
        kern_cache: list = []

        def kern_full():
            # The same at full resolution, for the neck fit (computed once, when needed).
            if not kern_cache:
                kern_cache.append(support_autocovariance(
                    tau_raw, support, max(math.ceil(self.opt.noise_lag_nm / ps), 2)))
            return kern_cache[0]
        k = 0.5 * (f1.values["k"] + f2.values["k"])
        sig = 0.5 * (f1.values["sigma"] + f2.values["sigma"])
        off = 0.5 * (f1.values["b"] + f2.values["b"])
        rim_prev = warm.rim if warm is not None else None
        bins_prev = warm.bins if warm is not None else None
        glrt_prev = warm.glrt if warm is not None else None
        self._warm = _Warm(k, sig, off, rim_prev, bins_prev, glrt_prev)
        # Neck: contrast across the line of centres in a slab at the neck (full resolution),
        # on the radical line of the two lobe circles (the narrowest place of two spheres;
        # the middle of the gap before contact).
        if d > r1v + r2v:
            s0 = r1v + 0.5 * (d - r1v - r2v)
        else:
            s0 = (d * d + r1v * r1v - r2v * r2v) / (2 * d)
        s0 = float(np.clip(s0, 0.0, d))
        fx = (np.arange(nx)) * ps
        fy = (np.arange(ny)) * ps
        fxx, fyy = np.meshgrid(fx, fy)
        rel_x, rel_y = fxx - c1[0], fyy - c1[1]
        s_all = rel_x * u[0] + rel_y * u[1]
        t_all = -rel_x * u[1] + rel_y * u[0]
        half = max(1.5 * ps, 0.15)
        r_small = min(r1v, r2v)
        tex_add = None
        if self._tex_ctx is not None:
            tau_raw, tex_add = self._texture_step(tau_raw, others, fxx, fyy, s_all, t_all, s0,
                                                  c1, c2, r1v, r2v, k, sig, off)
        slab = (np.abs(s_all - s0) <= half) & (np.abs(t_all) < r_small + 1.5) & ~others
        rn_fit = None
        if np.count_nonzero(slab) >= 10:
            rn0 = g0.neck_radius_nm if (g0.contact and np.isfinite(g0.neck_radius_nm)) else 0.5
            nf = fit_neck(tau_raw[slab], t_all[slab], rn0=rn0, k=k, b=off, sigma=sig,
                          r_max=0.999 * r_small, inflate=max(inflate * b * b, 1.0))
            rn_fit = nf
        gap_fit = d - r1v - r2v
        gap_fit_e = math.sqrt(de * de + r1e * r1e + r2e * r2e)
        gap_dec, gap_dec_e = gap_fit, gap_fit_e
        if np.isfinite(gap_gate):
            gap_dec, gap_dec_e = gap_gate, gap_gate_e
        overlap = gap_dec < 0
        contact = False
        # A neck needs the lobes to touch: fitted gap below max(0.5 nm, 3 sigma) (contrast in
        # a wider gap is the carbon rims and texture, not a neck).
        touching = gap_dec < max(self.opt.max_contact_gap_nm, 3 * gap_dec_e)
        self._touching = bool(touching)
        if rn_fit is not None and touching:
            rn_v, rn_e = rn_fit.values["rn"], rn_fit.errors["rn"]
            contact = rn_v > max(self.opt.contact_sigma * rn_e, self.opt.min_neck_nm)
        contact = contact or (overlap and g0.contact)
        # Lobes whose whitened gap is below touch_gap_nm touch: in contact whether or not
        # the slab sees a neck yet (a 1.0-1.5 nm neck is at 1-2 sigma of the Cramer-Rao
        # bound in one frame).
        contact = contact or bool(np.isfinite(gap_gate) and gap_gate < self.opt.touch_gap_nm)
        if self.opt.overlap_contact_nm > 0:
            # Circles overlapping beyond their errors: touching on a flat support.
            contact = contact or (-gap_dec > max(self.opt.overlap_contact_nm, 3 * gap_dec_e))
        # Touching lobes after a contact frame stay in contact (necks do not come apart):
        # the neck test may miss one frame in the texture. Decided by the caller with the
        # previous frame's contact (the alternative outcome), as the bridge hysteresis.
        touch_keep = bool(self.opt.touch_hysteresis and not contact and touching
                          and rn_fit is not None)

        def neck_image(rn_start, half_len=1.5):
            # The neck region (+-half_len along the axis) fitted with the 2-D blurred image of
            # the Figure 3g outline (a sharp notch is partly filled by the blur).
            win = (np.abs(s_all - s0) <= half_len) & (np.abs(t_all) < r_small + 1.0) & ~others
            rows_w, cols_w = np.nonzero(win)
            if rows_w.size < 50:
                return None
            pad = math.ceil(4 * sig / ps) + 1
            ra, rb = max(rows_w.min() - pad, 0), min(rows_w.max() + pad + 1, ny)
            ca, cb = max(cols_w.min() - pad, 0), min(cols_w.max() + pad + 1, nx)
            ni = fit_neck_image(
                tau_raw[ra:rb, ca:cb], ps, c1_xy=(c1[0] - ca * ps, c1[1] - ra * ps),
                axis_u=u, r1=r1v, r2=r2v, d=d, k=k, b=rn_fit.values["b"], sigma=sig,
                rn0=rn_start, window=win[ra:rb, ca:cb], inflate=max(inflate * b * b, 1.0),
                noise_kernel=kern_full())
            return ni if np.isfinite(ni.values["rn"]) else None

        def neck_rim_image(rn_start, half_len=1.5):
            # The neck region (+-half_len along the axis) fitted with the Figure 3g outline
            # in a carbon shell whose contrast and blur are measured on the lobes' far sides
            # (fit_far_side_rim); the rim-free neck_image when that measurement is not
            # usable or the shell is not seen.
            if self.opt.rim_nm <= 0:
                return neck_image(rn_start, half_len)
            rim = far_side_rim()
            if rim is None:
                return neck_image(rn_start, half_len)
            win = (np.abs(s_all - s0) <= half_len) & (np.abs(t_all) < r_small + 1.0) & ~others
            rows_w, cols_w = np.nonzero(win)
            if rows_w.size < 50:
                return None
            sg = rim.values["sigma"]
            pad = math.ceil(4 * sg / ps) + math.ceil(self.opt.rim_nm / ps) + 1
            ra, rb = max(rows_w.min() - pad, 0), min(rows_w.max() + pad + 1, ny)
            ca, cb = max(cols_w.min() - pad, 0), min(cols_w.max() + pad + 1, nx)
            ni = fit_neck_rim_image(
                tau_raw[ra:rb, ca:cb], ps, c1_xy=(c1[0] - ca * ps, c1[1] - ra * ps),
                axis_u=u, r1=r1v, r2=r2v, d=d, k=rim.values["k"], sigma=sg,
                rim_amp=rim.values["amp"], rim_nm=self.opt.rim_nm, window=win[ra:rb, ca:cb],
                inflate=max(inflate * b * b, 1.0))
            return ni if np.isfinite(ni.values["rn"]) else None

        rim_cache: list = []
        bins_cache: list = []

        def pooled_bins():
            # This frame's far-side profile bins added to the chain's earlier ones (weight
            # rim_pool_decay per frame of the chain; none carried when it is 0): the carbon
            # shell and the blur belong to the movie, the shot noise and the texture along
            # the far sides to the frame.
            if not bins_cache:
                now = far_bins()
                if bins_prev is not None and bins_prev.shape == now.shape:
                    now = now + self.opt.rim_pool_decay * bins_prev
                bins_cache.append(now)
            return bins_cache[0]

        def far_bins():
            # Far halves of both lobes (away from the other lobe): only the carbon shell is
            # outside the particle there.
            e_l, tau_l, lobe_l = [], [], []
            for j, (c, rad, sgn) in enumerate(((c1, r1v, 1.0), (c2, r2v, -1.0))):
                rx, ry = fxx - c[0], fyy - c[1]
                rho = np.hypot(rx, ry)
                e = rho - rad
                far = ((sgn * (rx * u[0] + ry * u[1]) < 0) & ~others & (e > -1.5)
                       & (e < self.opt.rim_nm + 1.5))
                e_l.append(e[far])
                tau_l.append(tau_raw[far])
                lobe_l.append(np.full(int(far.sum()), j))
            return far_side_bins(np.concatenate(e_l), np.concatenate(tau_l),
                                 np.concatenate(lobe_l), rim_nm=self.opt.rim_nm)

        def far_side_rim():
            if rim_cache:
                return rim_cache[0]
            # Started from the previous frame's shell and blur when known (a few evaluations
            # instead of ~15 iterations; the same minimum).
            start = rim_prev if rim_prev is not None else {}
            fr = fit_far_side_rim(None, None, None, (r1v, r2v),
                                  k0=start.get("k", k), sigma0=start.get("sigma", 0.2),
                                  amp0=start.get("amp", 0.02), rim_nm=self.opt.rim_nm,
                                  bins=pooled_bins())
            v = fr.values
            # The shell must be seen (amplitude above 3 errors): where the far sides'
            # texture hides it the fit puts the rim into a blur of 0.5-0.65 nm with no
            # shell, and the shell model then underestimates the neck by up to 1.5 nm
            # (seed 7 of the test movies); the rim-free neck model is used instead.
            good = bool(fr.success and all(np.isfinite(list(v.values())))
                        and 0.5 * k < v["k"] < 2.0 * k and v["sigma"] < 0.9
                        and v["amp"] > 3.0 * fr.errors["amp"])
            rim_cache.append(fr if good else None)
            if good:
                self._warm = self._warm._replace(rim={n: v[n] for n in ("k", "sigma", "amp")})
            return rim_cache[0]

        ni = None
        contact_alt = None

        # Reported lobes (gls_report): the pixel-picked fit moved by the whitened fit's
        # offsets from it (this frame's, or carried from the last frame that fitted).
        rep = dict(r1v=r1v, r2v=r2v, d=d, gap_fit=gap_fit, c1=c1, c2=c2, u=u)
        dl = self._gls_delta
        if self.opt.gls_report and self.opt.gls_gap and dl is not None:
            c1r = c1 + np.array([dl["x1"], dl["y1"]])
            c2r = c2 + np.array([dl["x2"], dl["y2"]])
            r1r, r2r = r1v + dl["r1"], r2v + dl["r2"]
            dr = float(np.hypot(*(c2r - c1r)))
            if dr > 0 and r1r > 0 and r2r > 0:
                rep = dict(r1v=r1r, r2v=r2r, d=dr, gap_fit=dr - r1r - r2r, c1=c1r, c2=c2r,
                           u=(c2r - c1r) / dr)
                self._report_shift = (dl["x1"], dl["y1"], dl["r1"], dl["x2"], dl["y2"],
                                      dl["r2"])

        def finish(c, ni_, fl):
            return self._finish(c, ni_, fl, rn_fit=rn_fit, neck_image=neck_rim_image, g0=g0,
                                r1e=r1e_rep, r2e=r2e_rep, de=de_rep,
                                neck_at=c1 + s0 * u, arc_lobes=(r1v, r2v, d), **rep)

        if (not contact and rn_fit is not None and not touching
                and gap_dec < self.opt.max_bridge_gap_nm):
            # Lobes apart but bridged: a 3-D neck thinner than the lobes (a sintering bridge
            # across a gap of the circle fits) is much fainter than the lobes in projection and
            # the narrow slab above cannot see it in the noise; the whole neck region can.
            # Material, not carbon rims: the gap must be darker than the lobes' own blur
            # tails and carbon rims predict (bridge_excess) by bridge_sigma errors, and the
            # fitted neck exceed contact_sigma errors and min_neck_nm.
            exc, exc_e, _n = bridge_excess(
                tau_raw, ps, others, c1, c2, r1v, r2v, corr_area_px=inflate * b * b,
                noise_kernel=kern_full() if self.opt.bridge_texture_error else None)
            # Window: the inner 70 % of the gap (at least +-0.5 nm), so that the lobes' caps,
            # whose fitted radii can be 0.2-0.3 nm off, do not steer the neck radius. Not
            # fitted when the excess is below the lower of the two thresholds (no outcome
            # could be contact: the same answer without the ~25 ms fit).
            half_len = float(np.clip(0.35 * gap_fit, 0.5, 1.5))
            contact_hi = contact_lo = False
            if self.opt.gls_bridge_dchi2 > 0 and picked is not None:
                # The whole dimer's likelihood ratio test decides (gls_bridge_dchi2), where
                # the cheap excess passes its screen.
                glrt = None
                if exc > self.opt.bridge_screen_sigma * exc_e:
                    glrt = self._bridge_glrt(tb, xx, yy, ob, sup_b, b, picked)
                if glrt is not None:
                    gv, dchi2 = glrt
                    ok_w = (self.opt.min_neck_nm < gv["rn"] < self.opt.max_bridge_frac * r_small
                            and gv["gap"] < self.opt.gls_bridge_gap_nm)
                    contact_hi = ok_w and dchi2 > self.opt.gls_bridge_dchi2
                    contact_lo = ok_w and dchi2 > self.opt.contact_sigma ** 2
                    if contact_hi or contact_lo:
                        ni = neck_image(rn_fit.values["rn"], half_len=half_len)
                        if ni is None:
                            contact_hi = contact_lo = False
            else:
                if exc > min(self.opt.bridge_sigma, self.opt.contact_sigma) * exc_e:
                    ni = neck_image(rn_fit.values["rn"], half_len=half_len)
                if ni is not None:
                    ok_neck = bool(ni.values["rn"] > max(
                        self.opt.contact_sigma * ni.errors["rn"], self.opt.min_neck_nm)
                        and ni.values["rn"] < self.opt.max_bridge_frac * r_small)
                    contact_hi = ok_neck and exc > self.opt.bridge_sigma * exc_e
                    contact_lo = ok_neck and exc > self.opt.contact_sigma * exc_e
                    if (contact_hi or contact_lo) and picked is not None:
                        # A bridge only across a gap inside the sintering window by the
                        # whitened gap (fitted here if this frame's picked gap was outside
                        # its window): the picked gap runs up to ~0.8 nm short, and a dark
                        # texture patch between lobes 2.5 nm apart passed the test (held-out
                        # seed 178).
                        wgap = gap_gate if np.isfinite(gap_gate) else self._whitened_gap(
                            tb, xx, yy, ob, sup_b, b, picked, force=True)[0]
                        if np.isfinite(wgap) and wgap >= self.opt.gls_bridge_gap_nm:
                            contact_hi = contact_lo = False
            # Hysteresis (as in the segmentation): a neck seen in the previous frame is
            # followed down to contact_sigma (sintering necks do not come apart). Both
            # outcomes are kept when the previous frame is not known here (worker process:
            # the caller picks with its own previous frame, ``alternative``).
            if ni is not None:
                if self._prev_contact is None:
                    contact = contact_hi
                    contact_alt = contact_lo if contact_lo != contact_hi else None
                else:
                    contact = contact_lo if self._prev_contact else contact_hi
                # The bridge is decided with the rim-free neck image (its thresholds were
                # set with it); a neck that needs its contrast scaled beyond
                # bridge_neck_scale_max is reported from the carbon-shell model whose
                # contrast and blur come from the lobes' far sides, as for touching lobes
                # (faceted lobes: DimerOptions). Without a usable far-side fit the rim-free
                # fit stands (neck_rim_image would only refit it).
                if ((contact or contact_alt)
                        and ni.values["scale"] > self.opt.bridge_neck_scale_max
                        and self.opt.rim_nm > 0 and far_side_rim() is not None):
                    ni_rim = neck_rim_image(ni.values["rn"], half_len=half_len)
                    if ni_rim is not None:
                        ni = ni_rim
        if touch_keep and contact_alt is None:
            if self._prev_contact is None:
                contact_alt = True
            elif self._prev_contact:
                contact = True
        if contact_alt is not None:
            self._alt = finish(contact_alt, ni, list(flags))
        if tex_add is not None and not self._tex.closed:
            if contact or contact_alt or gap_fit <= self.opt.texture_min_gap_nm:
                # From the first frame with the lobes in the sintering window (or touching,
                # also if only through the bridge hysteresis that the caller may pick) on, a
                # neck may bridge the gap before it is detected: the estimate is closed (it
                # would take the neck for texture and subtract it later).
                self._tex.closed = True
            else:
                # Lobes farther apart: the gap is support + rims only.
                self._tex.add(tex_add[0], tex_add[1], *self._tex_ctx)
        if self.opt.rim_pool_decay > 0 and self.opt.rim_nm > 0:
            # Every frame's far sides join the pool, also where no neck is fitted.
            self._warm = self._warm._replace(bins=pooled_bins())
        return finish(contact, ni, flags)

    def _gls_grid(self, tb, xx, yy, ob, sup_b, b, picked):
        """The whitened fits' data: the ``b``-binned crop binned again to pixels of
        ~``gls_pixel_nm`` (the whitened fit's information lies below ~1.2 cycles/nm: the
        texture's grain above, the blur below; a 0.4 nm grid keeps it at a quarter of the
        0.2 nm grid's cost), their centres (nm), the region within 2 nm of both picked lobes
        (other bodies left out) and the support's noise autocovariance on that grid. None
        without a usable autocovariance."""
        ps = self.ps
        g2 = max(round(self.opt.gls_pixel_nm / (b * ps)), 1)
        hh, ww = tb.shape[0] // g2 * g2, tb.shape[1] // g2 * g2

        def rebin(a, how="mean"):
            # g2 x g2 blocks of the binned crop: their mean, any or all
            blocks = a[:hh, :ww].reshape(hh // g2, g2, ww // g2, g2)
            return getattr(getattr(blocks, how)(axis=3), how)(axis=1)

        tg, xg, yg, obg = rebin(tb), rebin(xx), rebin(yy), rebin(ob, "any")
        kern_g = support_autocovariance(tg, rebin(sup_b, "all"),
                                        max(math.ceil(self.opt.noise_lag_nm / (g2 * b * ps)), 2))
        if kern_g is None:
            return None
        rmask = ~obg & ((np.hypot(xg - picked["x1"], yg - picked["y1"]) < picked["r1"] + 2.0)
                        | (np.hypot(xg - picked["x2"], yg - picked["y2"]) < picked["r2"] + 2.0))
        return tg, xg, yg, rmask, kern_g

    def _bridge_glrt(self, tb, xx, yy, ob, sup_b, b, picked):
        """(values, dchi2) of :func:`fit_dimer_whitened` on the whitened fits' grid (the
        ``gls_bridge_dchi2`` test), started from the picked lobes moved by the carried
        whitened offsets where known; None where it cannot run. Also after a 2-nm neck
        (``gls_skip_neck_nm``): a neck across lobes fitted apart is decided here."""
        grid = self._gls_grid(tb, xx, yy, ob, sup_b, b, picked)
        if grid is None:
            return None
        tg, xg, yg, rmask, kern_g = grid
        lobe = ("x1", "y1", "r1", "x2", "y2", "r2")
        delta = self._gls_delta
        prev = self._warm.glrt if self._warm is not None else None
        start = dict(picked)
        if prev is not None:
            # The chain's last neck fit: its offsets from the picked lobes, contrast, blur
            # and shell (fewer iterations); the neck still from fit_dimer_whitened's two
            # starts (one start from the last neck stays in its basin: the demo's contact
            # came 6 frames later with it).
            start = {n: v + prev[n] if n in lobe else v for n, v in picked.items()} | {
                n: prev[n] for n in ("k", "sigma", "amp")}
        elif delta is not None and delta.get("gate"):
            start = {n: v + delta[n] for n, v in picked.items()} | {"amp": delta["amp"]}
        try:
            gv, _ge, dchi2 = fit_dimer_whitened(
                tg, xg, yg, rmask, kern_g, start,
                max_sigma=max(self.opt.lobe_max_blur_nm, 3 * self.ps) - 0.02,
                rim_nm=self.opt.rim_nm)
        except (ValueError, np.linalg.LinAlgError):
            return None
        if not (np.isfinite(dchi2) and np.isfinite(gv["rn"]) and np.isfinite(gv["gap"])):
            return None
        if self._warm is not None:
            self._warm = self._warm._replace(glrt={n: gv[n] - picked[n] for n in lobe} | {
                n: gv[n] for n in ("rn", "k", "sigma", "amp")})
        return gv, dchi2

    def _whitened_gap(self, tb, xx, yy, ob, sup_b, b, picked,
                      force: bool = False) -> tuple[float, float]:
        """The gap (and its error) for the contact decisions, from both lobes refitted to the
        whole region, gap included, by generalised least squares under the support's measured
        noise (:func:`fit_two_lobes_whitened`; ``gls_*`` options); NaN where not needed.

        The pixel-picked fit ``picked`` (keys of :func:`fit_two_lobes_whitened`'s start) leaves
        the gap out, and its centre distance carries the static texture's bias (0.2 nm rms from
        movie to movie on the test movies, twice the whitened fit's). ``tb``, ``xx``, ``yy``,
        ``ob``, ``sup_b``: the ``b``-binned crop's contrast, pixel centres (nm), other bodies
        and support. Updates the carried offsets ``_gls_delta`` (also fitted, outside the
        contact gap's window, in a chain's first frame for ``gls_report``; such offsets
        neither start nor replace a fit of the contact gap).
        """
        gap_pick = math.hypot(picked["x2"] - picked["x1"], picked["y2"] - picked["y1"]) \
            - picked["r1"] - picked["r2"]
        if self._sintered:
            return math.nan, math.nan
        delta = self._gls_delta
        gate = self.opt.gls_gap_min_nm < gap_pick < self.opt.gls_gap_max_nm
        if force:
            # Fitted whatever the gap (the bridge test's check); its offsets are not kept.
            gate = False
        elif not gate:
            # Nothing to decide; fitted only to start the offsets gls_report carries.
            if not (self.opt.gls_report and delta is None):
                return math.nan, math.nan
        elif delta is not None and delta.get("gate"):
            # The whitened gap minus the picked one is the texture's offset between the two
            # fits, the same in every frame (0.04-0.1 nm frame to frame on the test movies):
            # far from every threshold of the contact tests (0.2, 0.5 and -0.2 nm) the
            # carried offset gives the whitened gap without refitting; near them it is
            # refitted.
            est = gap_pick + delta["gap"]
            if not (self.opt.gls_refit_nm[0] < est < self.opt.gls_refit_nm[1]):
                return est, delta["gap_e"]
        grid = self._gls_grid(tb, xx, yy, ob, sup_b, b, picked)
        if grid is None:
            return math.nan, math.nan
        tg, xg, yg, rmask, kern_g = grid
        # Warm start: the previous frame's whitened solution relative to its picked fit (the
        # texture's offset between the two is the same from frame to frame), so a few
        # iterations instead of ~12; a cold start from the picked fit otherwise.
        starts = [picked]
        if delta is not None and delta.get("gate"):
            starts.insert(0, {n: v + delta[n] for n, v in picked.items()} | {"amp": delta["amp"]})
        for start in starts:
            gv, ge, ok = fit_two_lobes_whitened(
                tg, xg, yg, rmask, kern_g, start,
                max_sigma=max(self.opt.lobe_max_blur_nm, 3 * self.ps) - 0.02,
                rim_nm=self.opt.rim_nm)
            if not (ok and np.isfinite(ge["gap"])):
                continue
            if force:
                return gv["gap"], ge["gap"]  # not carried: later frames as without it
            self._gls_delta = {n: gv[n] - v for n, v in picked.items()} | {
                "amp": gv["amp"], "gap": gv["gap"] - gap_pick, "gap_e": ge["gap"],
                # Only offsets fitted where the gap decides (not the first frame's, at any
                # gap, for gls_report) stand in for a refit of the gate's gap.
                "gate": gate}
            return (gv["gap"], ge["gap"]) if gate else (math.nan, math.nan)
        return math.nan, math.nan

    def _texture_step(self, tau_raw, others, fxx, fyy, s_all, t_all, s0, c1, c2, r1v, r2v,
                      k, sig, off):
        """Subtract the approach frames' texture estimate from the crop's contrast; return
        it and (residual, mask) that this frame would add to the estimate (None once the
        estimate is closed: nothing more is added).

        The residual is ``tau - model`` (the two lobes' blurred projected chords with the
        fitted contrast, blur and background, :func:`blurred_chord`) high-passed by
        subtracting its Gaussian smoothing at ``texture_highpass_nm`` (removes the smooth
        carbon rims and lobe misfit; the texture's grain is 0.4 nm), kept within 2.5 nm of
        the neck plane, off the lobes by more than -0.2 nm.
        """
        ps = self.ps
        origin, shift = self._tex_ctx
        add = None
        if not self._tex.closed or self.opt.texture_refine:
            rho1 = np.hypot(fxx - c1[0], fyy - c1[1])
            rho2 = np.hypot(fxx - c2[0], fyy - c2[1])
            model = k * (blurred_chord(rho1, r1v, sig) + blurred_chord(rho2, r2v, sig)) + off
            res = np.where(others, 0.0, tau_raw - model)
            hp = self.opt.texture_highpass_nm / ps
            if hp > 0:
                res = res - ndi.gaussian_filter(res, hp, mode="nearest")
            r_small = min(r1v, r2v)
            mask = ((np.abs(s_all - s0) <= 2.5) & (np.abs(t_all) < r_small + 1.5) & ~others
                    & (rho1 > r1v - 0.2) & (rho2 > r2v - 0.2))
            add = (res, mask)
        out = tau_raw
        if self._tex.n_frames > 0:
            mean = self._tex.mean_map(self.opt.texture_smooth_nm / ps)
            if self.opt.texture_refine:
                shift = self._tex.refine_shift(mean, *add, origin, shift)
                self._tex_ctx = (origin, shift)
            out = tau_raw - self._tex.sample(mean, origin, tau_raw.shape, shift)
        return out, (None if self._tex.closed else add)

    def _finish(self, contact, ni, flags, *, rn_fit, neck_image, g0, r1v, r2v, r1e, r2e, d,
                de, gap_fit, c1, c2, u, neck_at, arc_lobes):
        """The geometry once contact is decided (neck, R, gap, volume); ``neck_at``: where
        the neck was measured (crop nm); ``arc_lobes``: (r1, r2, d) of the lobes the neck
        was measured with, to which the neck arc (R) is tangent."""
        neck = neck_e = math.nan
        big_r = big_r_e = math.nan
        radii_r = (math.nan, math.nan)
        if contact:
            neck, neck_e = rn_fit.values["rn"], rn_fit.errors["rn"]
            if ni is None:
                ni = neck_image(neck)
            if ni is not None and ni.values["rn"] > 0:
                neck_e = max(ni.errors.get("rn_total", ni.errors["rn"]),
                             0.5 * abs(ni.values["rn"] - rn_fit.values["rn"]) / 3)
                neck = ni.values["rn"]
            rm = np.array(g0.neck_curvature_radii_nm, dtype=float)
            um = g0.neck_radius_nm
            a1, a2, ad = arc_lobes
            arc = neck_arc(a1, a2, ad, min(neck, 0.999 * min(a1, a2)))
            if arc is not None:
                big_r = float(arc[0])
                hi_arc = neck_arc(a1, a2, ad, min(neck + neck_e, 0.999 * min(a1, a2)))
                big_r_e = abs(hi_arc[0] - big_r) if hi_arc else big_r
                if g0.contact and np.isfinite(um) and um > 0 and np.any(np.isfinite(rm)):
                    # The outline's own arcs on both sides, scaled from the detection level
                    # to the fitted neck (Notes); their spread enters the error.
                    rr = rm * neck / um
                    radii_r = (float(rr[0]), float(rr[1]))
                    if np.all(np.isfinite(rr)):
                        big_r_e = math.hypot(big_r_e, 0.5 * abs(rr[0] - rr[1]))
            else:
                flags.append("no neck arc tangent to both lobes: R undefined")
            gap, gap_e = 0.0, 0.0
        else:
            gap = max(gap_fit, 0.0)
            gap_e = math.sqrt(de * de + r1e * r1e + r2e * r2e)
            if g0.contact:
                flags.append("outline joined but no neck in the profile: bridged by blur")
        s_grid = np.linspace(-r1v, d + r2v, 2000)
        rho_s = half_width(s_grid, r1v, r2v, d, neck if contact else 0.0)
        vol = float(np.pi * np.trapezoid(rho_s * rho_s, s_grid))
        vol_e = float(math.hypot(4 * math.pi * r1v**2 * r1e, 4 * math.pi * r2v**2 * r2e))
        if contact:
            neck_xy = np.asarray(neck_at, float)
        else:
            neck_xy = c1 + (r1v + 0.5 * gap_fit) * u
        return DimerGeometry(
            r1_nm=r1v, r2_nm=r2v, neck_radius_nm=neck, neck_curvature_radius_nm=big_r,
            center_distance_nm=d, gap_nm=gap, contact=bool(contact), volume_nm3=vol,
            r1_nm_err=r1e, r2_nm_err=r2e, neck_radius_nm_err=neck_e,
            neck_curvature_radius_nm_err=big_r_e, center_distance_nm_err=de, gap_nm_err=gap_e,
            volume_nm3_err=vol_e, n_bodies=g0.n_bodies,
            lobe1_xy_nm=(float(c1[0]), float(c1[1])), lobe2_xy_nm=(float(c2[0]), float(c2[1])),
            neck_xy_nm=(float(neck_xy[0]), float(neck_xy[1])), neck_curvature_radii_nm=radii_r,
            flag="; ".join(f for f in flags if f),
        )

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
        weight = ~dilate4(others, iterations=3)
        try:
            fit = fit_dimer_image(crop, ps, p0, bin_factor=self.opt.bin_factor,
                                  weight_mask=weight, correlation_px=self.corr_px,
                                  max_nfev=self.opt.max_nfev)
        except (ValueError, np.linalg.LinAlgError):
            return None
        p, e = fit.params, fit.errors
        if not np.all(np.isfinite(p)) or p[3] <= 0 or p[4] <= 0:
            return None
        x0, y0, th, r1, r2, d, rn, _k = (float(v) for v in p[:8])
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

"""Tracking particles across frames with lineage: merges and splits are events."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Columns of ``events.csv``.
EVENT_COLUMNS = ("frame", "time_s", "event", "parent_ids", "child_ids")


def _shift_int(labels: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``labels`` translated by whole pixels (content moves by +dy, +dx), zero-filled."""
    out = np.zeros_like(labels)
    ny, nx = labels.shape
    ys, yd = (slice(0, ny - dy), slice(dy, ny)) if dy >= 0 else (slice(-dy, ny), slice(0, ny + dy))
    xs, xd = (slice(0, nx - dx), slice(dx, nx)) if dx >= 0 else (slice(-dx, nx), slice(0, nx + dx))
    out[yd, xd] = labels[ys, xs]
    return out


@dataclass
class Tracker:
    """Links labelled particles frame to frame by overlap, recording merges and splits.

    Two particles of frame t-1 that overlap one particle of frame t merged (coalescence);
    one particle overlapping two of frame t split. A merged or split particle gets a new
    track id and its parents / children are recorded, so lineage is a graph, not a set of
    chains (trackpy links one to one and cannot represent a merge). One-to-one links keep the
    id; ambiguous many-to-many overlaps are resolved by the Hungarian assignment on overlap.
    Overlap is computed after shifting the previous labels by the drift between the frames.

    Parameters
    ----------
    min_overlap : float
        Fraction of the smaller particle's area that must overlap to count as a link.
    confirm_frames : int
        0 (default): a merge is an event in the frame it happens. N > 0: a merge is reported
        only once the merged body has lasted N frames (then with the frame it happened in);
        a merged body that parts again before that into bodies that overlap its parents one
        to one gives them back the parents' identities and no event is reported, neither
        merge nor split (the joined body keeps the id it got for the frames it lasted).
        Touching carbon rims and thin necks make detection-level outlines join and part
        from frame to frame (the tang2023 demo: 14 merges and 13 splits for one
        coalescence); coalescence itself does not undo. :meth:`finish` reports the merges
        still waiting at the end of the movie.

    Notes
    -----
    Events are ``(kind, parent_ids, child_ids, frame)``; ``frame`` is the ``frame`` given to
    :meth:`update` (default: the number of earlier calls).

    References
    ----------
    .. [1] H. W. Kuhn, "The Hungarian method for the assignment problem", Naval Res. Logist.
       Q. 2, 83 (1955), doi:10.1002/nav.3800020109.
    """

    min_overlap: float = 0.2
    confirm_frames: int = 0
    _frame: int = -1
    _pending: dict = field(default_factory=dict)
    _prev_labels: np.ndarray | None = None
    _prev_ids: dict[int, int] = field(default_factory=dict)
    _prev_drift: tuple[float, float] = (0.0, 0.0)
    _next_id: int = 1

    def update(
        self, labels: np.ndarray, drift_px: tuple[float, float], *, bin_factor: int = 1,
        frame: int | None = None,
    ) -> tuple[dict[int, int], list[tuple[str, list[int], list[int], int]]]:
        """Track ids of this frame's labels and the merge/split events reported now.

        ``drift_px`` is in frame pixels; ``labels`` may be on a grid binned by ``bin_factor``.
        """
        self._frame = self._frame + 1 if frame is None else int(frame)
        f = self._frame
        drift_px = (drift_px[0] / bin_factor, drift_px[1] / bin_factor)
        from scipy.optimize import linear_sum_assignment

        n_new = int(labels.max()) if labels.size else 0
        ids: dict[int, int] = {}
        events: list[tuple[str, list[int], list[int]]] = []
        if self._prev_labels is None or not self._prev_ids:
            for k in range(1, n_new + 1):
                ids[k] = self._new_id()
        else:
            ddx = round(drift_px[0] - self._prev_drift[0])
            ddy = round(drift_px[1] - self._prev_drift[1])
            prev = self._prev_labels
            if ddx or ddy:
                prev = _shift_int(prev, ddy, ddx)
            n_old = int(self._prev_labels.max())
            both = (prev > 0) & (labels > 0)
            pair = prev[both].astype(np.int64) * (n_new + 1) + labels[both]
            counts = np.bincount(pair, minlength=(n_old + 1) * (n_new + 1)).reshape(
                n_old + 1, n_new + 1
            )
            a_old = np.bincount(prev.ravel(), minlength=n_old + 1)
            a_new = np.bincount(labels.ravel(), minlength=n_new + 1)
            frac = counts / np.maximum(np.minimum.outer(a_old, a_new), 1)
            link = frac >= self.min_overlap
            link[0, :] = link[:, 0] = False
            old_ids = self._prev_ids
            for j in range(1, n_new + 1):
                parents = [i for i in np.flatnonzero(link[:, j]) if i in old_ids]
                if len(parents) >= 2:
                    for i in parents:  # a waiting merge that merges on is a merge
                        events.extend(self._confirm(old_ids[i]))
                    ids[j] = self._new_id()
                    ev = ("merge", sorted(old_ids[i] for i in parents), [ids[j]], f)
                    if self.confirm_frames > 0:
                        self._pending[ids[j]] = dict(
                            event=ev, labels=self._prev_labels, drift=self._prev_drift,
                            parents={int(i): old_ids[i] for i in parents})
                    else:
                        events.append(ev)
            for i in range(1, n_old + 1):
                children = [j for j in np.flatnonzero(link[i, :]) if j not in ids]
                if len(children) >= 2 and i in old_ids:
                    back = self._parted(old_ids[i], labels, children, drift_px)
                    if back is not None:
                        ids.update(back)
                        continue
                    events.extend(self._confirm(old_ids[i]))
                    for j in children:
                        ids[j] = self._new_id()
                    events.append(("split", [old_ids[i]], sorted(ids[j] for j in children), f))
            # One-to-one links for the rest (Hungarian on overlap).
            rows = [i for i in range(1, n_old + 1) if i in old_ids]
            cols = [j for j in range(1, n_new + 1) if j not in ids]
            if rows and cols:
                sub = counts[np.ix_(rows, cols)].astype(float)
                ri, ci = linear_sum_assignment(-sub)
                for a, b in zip(ri, ci, strict=True):
                    if link[rows[a], cols[b]]:
                        ids[cols[b]] = old_ids[rows[a]]
            for j in range(1, n_new + 1):
                if j not in ids:
                    ids[j] = self._new_id()
        self._prev_labels = labels.copy()
        self._prev_ids = ids
        self._prev_drift = (float(drift_px[0]), float(drift_px[1]))
        # Waiting merges that lasted long enough, or whose body is gone, are reported.
        alive = set(ids.values())
        for tid in [t for t, p in self._pending.items()
                    if f - p["event"][3] >= self.confirm_frames or t not in alive]:
            events.extend(self._confirm(tid))
        return ids, events

    def finish(self) -> list[tuple[str, list[int], list[int], int]]:
        """The merges still waiting for confirmation (call after the last frame)."""
        out = []
        for tid in list(self._pending):
            out.extend(self._confirm(tid))
        return out

    def _confirm(self, track_id: int) -> list:
        p = self._pending.pop(track_id, None)
        return [] if p is None else [p["event"]]

    def _parted(self, track_id, labels, children, drift_px) -> dict[int, int] | None:
        """Parents' ids for ``children`` of a waiting merged ``track_id`` that parted again
        into bodies overlapping the parents one to one; None otherwise."""
        from scipy.optimize import linear_sum_assignment

        p = self._pending.get(track_id)
        if p is None or len(children) != len(p["parents"]):
            return None
        old = p["labels"]
        if old.shape != labels.shape:
            return None
        ddx = round(drift_px[0] - p["drift"][0])
        ddy = round(drift_px[1] - p["drift"][1])
        if ddx or ddy:
            old = _shift_int(old, ddy, ddx)
        plabs = list(p["parents"])
        ov = np.zeros((len(children), len(plabs)))
        for a, j in enumerate(children):
            cm = labels == j
            area_c = np.count_nonzero(cm)
            for b, pl in enumerate(plabs):
                pm = old == pl
                ov[a, b] = np.count_nonzero(cm & pm) / max(min(area_c, np.count_nonzero(pm)), 1)
        ri, ci = linear_sum_assignment(-ov)
        if np.any(ov[ri, ci] < self.min_overlap):
            return None
        del self._pending[track_id]
        return {int(children[a]): p["parents"][plabs[b]] for a, b in zip(ri, ci, strict=True)}

    def _new_id(self) -> int:
        i = self._next_id
        self._next_id += 1
        return i

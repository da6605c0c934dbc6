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

    References
    ----------
    .. [1] H. W. Kuhn, "The Hungarian method for the assignment problem", Naval Res. Logist.
       Q. 2, 83 (1955), doi:10.1002/nav.3800020109.
    """

    min_overlap: float = 0.2
    _prev_labels: np.ndarray | None = None
    _prev_ids: dict[int, int] = field(default_factory=dict)
    _prev_drift: tuple[float, float] = (0.0, 0.0)
    _next_id: int = 1

    def update(
        self, labels: np.ndarray, drift_px: tuple[float, float], *, bin_factor: int = 1
    ) -> tuple[dict[int, int], list[tuple[str, list[int], list[int]]]]:
        """Track ids of this frame's labels and the merge/split events since the last frame.

        ``drift_px`` is in frame pixels; ``labels`` may be on a grid binned by ``bin_factor``.
        """
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
                    ids[j] = self._new_id()
                    events.append(("merge", sorted(old_ids[i] for i in parents), [ids[j]]))
            for i in range(1, n_old + 1):
                children = [j for j in np.flatnonzero(link[i, :]) if j not in ids]
                if len(children) >= 2 and i in old_ids:
                    for j in children:
                        ids[j] = self._new_id()
                    events.append(("split", [old_ids[i]], sorted(ids[j] for j in children)))
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
        return ids, events

    def _new_id(self) -> int:
        i = self._next_id
        self._next_id += 1
        return i

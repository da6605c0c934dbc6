"""The numba hot loop: rejection-free (BKL / n-fold way) KMC over rate classes.

Each occupied site belongs to one *class* ``(species, n1, n2, on_support, m)``: ``n1`` occupied
nearest neighbours (0-4), ``n2`` occupied second neighbours (0-12), whether it is an adhesion site
(``sup[x]``: the support layer or the carbon bridge between particles),
and ``m`` the number of valid hop targets (0-12). Every atom of a class has the same total rate
``m k_th(n1, n2, sup) + k_beam(sp, n1, n2) + k_sputter(sp, n1, n2)``, so selecting an event is:
pick a class with probability proportional to ``count x rate`` (two-level sums over blocks of 64
classes, O(sqrt C)), pick an atom of the class uniformly (O(1)), pick the event type from the rate
split, and pick a target uniformly among the valid ones. Atoms with ``m = 0`` (bulk) are unlisted.
Time advances by ``-ln(u) / R_total`` (Bortz, Kalos & Lebowitz 1975; Gillespie 1976).

A target site f is *valid* when it is empty and either touches the support or has at least one
occupied neighbour besides the mover (``n1[f] + n2[f] >= 2``, the mover being one of f's second
neighbours). An atom may move only if it is itself attached (support, or ``n1 + n2 >= 1``). The
rule is symmetric between a move and its reverse, so detailed balance of the thermal moves holds
exactly on the reachable states (tested in tests/kmc/test_detailed_balance.py).

Random numbers come from xoshiro256** (Blackman & Vigna 2021) with its state in a NumPy array, so a
checkpoint restores the stream bit for bit.

References
----------
.. [1] A. B. Bortz, M. H. Kalos, J. L. Lebowitz, J. Comput. Phys. 17, 10 (1975).
   doi:10.1016/0021-9991(75)90060-1
.. [2] D. T. Gillespie, J. Comput. Phys. 22, 403 (1976). doi:10.1016/0021-9991(76)90041-3
.. [3] D. Blackman, S. Vigna, ACM Trans. Math. Softw. 47, 36 (2021). doi:10.1145/3460772
"""

from __future__ import annotations

import numba as nb
import numpy as np

N_SPECIES = 3
N_CLASSES = N_SPECIES * 5 * 13 * 2 * 13
BLOCK = 64
N_BLOCKS = (N_CLASSES + BLOCK - 1) // BLOCK
RESUM_EVERY = 1 << 16

# indices into the int64 counter array
C_EVENTS, C_THERMAL, C_BEAM, C_SPUTTER, C_ATOMS, C_POOLTOP = range(6)
# indices into the float64 array
F_TIME, F_TOTAL = range(2)
# stop reasons
STOP_EVENTS, STOP_TIME, STOP_FROZEN = 0, 1, 2

_UINT64_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


@nb.njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@nb.njit(cache=True)
def next_u64(s):
    """xoshiro256** step; *s* is a uint64[4] state updated in place."""
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@nb.njit(cache=True)
def uniform(s):
    """Uniform double in [0, 1)."""
    return float(next_u64(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def seed_state(seed: int) -> np.ndarray:
    """xoshiro256** state from an integer seed via SplitMix64 (Steele, Lea & Flood 2014)."""
    x = int(seed) & 0xFFFFFFFFFFFFFFFF
    out = np.empty(4, dtype=np.uint64)
    for n in range(4):
        x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        out[n] = z ^ (z >> 31)
    return out


@nb.njit(cache=True, inline="always")
def _is_sup(x, nc, sup):
    return sup[x] != 0


@nb.njit(cache=True, inline="always")
def _valid(occ, n1, n2, x, nc, sup):
    if occ[x] != 0:
        return False
    return _is_sup(x, nc, sup) or (np.int64(n1[x]) + np.int64(n2[x]) >= 2)


@nb.njit(cache=True)
def compute_counts(occ, nn_c, nn_a, nnn, nc, sup, n1, n2, vc):
    """Fill n1, n2 (occupied neighbours) and vc (valid hop targets) from *occ* (in place)."""
    n = occ.size
    for x in range(n):
        n1[x] = 0
        n2[x] = 0
        vc[x] = 0
    for x in range(n):
        if occ[x] == 0 or occ[x] == 255:
            continue
        nn = nn_c if x < nc else nn_a
        for d in range(4):
            n1[x + nn[d]] += 1
        for d in range(12):
            n2[x + nnn[d]] += 1
    for x in range(n):
        if occ[x] == 255:
            continue
        if _valid(occ, n1, n2, x, nc, sup):
            for d in range(12):
                y = x + nnn[d]
                vc[y] += 1


@nb.njit(cache=True, inline="always")
def class_of(occ, n1, n2, vc, x, nc, sup):
    """Class index of the atom at *x*, or -1 when it has no move (bulk or detached)."""
    on = 1 if _is_sup(x, nc, sup) else 0
    a = np.int64(n1[x])
    b = np.int64(n2[x])
    if on == 0 and a + b == 0:
        return -1
    m = np.int64(vc[x])
    if m == 0:
        return -1
    sp = np.int64(occ[x]) - 1
    return (((sp * 5 + a) * 13 + b) * 2 + on) * 13 + m


@nb.njit(cache=True)
def resum(crate, ccount, bsum, fs):
    """Recompute block sums and the total rate exactly from the class counts."""
    total = 0.0
    for blk in range(N_BLOCKS):
        s = 0.0
        for c in range(blk * BLOCK, min((blk + 1) * BLOCK, N_CLASSES)):
            s += ccount[c] * crate[c]
        bsum[blk] = s
        total += s
    fs[F_TOTAL] = total


@nb.njit(cache=True)
def _compact(pool, cstart, ccap, ccount, ci):
    """Lay the class lists out again contiguously with room to grow (in place)."""
    tmp = np.empty(ci[C_POOLTOP], dtype=np.int32)
    top = 0
    for c in range(N_CLASSES):
        if ccap[c] == 0:
            continue
        cap = max(8, 2 * ccount[c])
        for j in range(ccount[c]):
            tmp[top + j] = pool[cstart[c] + j]
        cstart[c] = top
        ccap[c] = cap
        top += cap
    for j in range(top):
        pool[j] = tmp[j]
    ci[C_POOLTOP] = top


@nb.njit(cache=True)
def _list(x, c, cls, slot, pool, cstart, ccap, ccount, crate, bsum, fs, ci):
    if ccount[c] == ccap[c]:
        newcap = max(8, 2 * ccap[c])
        if ci[C_POOLTOP] + newcap > pool.size:
            _compact(pool, cstart, ccap, ccount, ci)
            newcap = max(8, 2 * ccount[c]) if ccap[c] <= ccount[c] else 0
        if newcap > 0:
            top = ci[C_POOLTOP]
            for j in range(ccount[c]):
                pool[top + j] = pool[cstart[c] + j]
            cstart[c] = top
            ccap[c] = newcap
            ci[C_POOLTOP] = top + newcap
    pool[cstart[c] + ccount[c]] = x
    slot[x] = ccount[c]
    ccount[c] += 1
    cls[x] = c
    r = crate[c]
    bsum[c // BLOCK] += r
    fs[F_TOTAL] += r


@nb.njit(cache=True)
def _unlist(x, cls, slot, pool, cstart, ccount, crate, bsum, fs):
    c = cls[x]
    j = slot[x]
    last = ccount[c] - 1
    y = pool[cstart[c] + last]
    pool[cstart[c] + j] = y
    slot[y] = j
    ccount[c] = last
    cls[x] = -1
    r = crate[c]
    bsum[c // BLOCK] -= r
    fs[F_TOTAL] -= r


@nb.njit(cache=True)
def reclassify(x, occ, n1, n2, vc, cls, slot, pool, cstart, ccap, ccount, crate, bsum, fs, ci,
               nc, sup):
    """Move the atom at *x* (or a now-empty site) to its current class list."""
    if occ[x] == 0 or occ[x] == 255:
        newc = -1
    else:
        newc = class_of(occ, n1, n2, vc, x, nc, sup)
    oldc = cls[x]
    if newc == oldc:
        return
    if oldc >= 0:
        _unlist(x, cls, slot, pool, cstart, ccount, crate, bsum, fs)
    if newc >= 0:
        _list(x, newc, cls, slot, pool, cstart, ccap, ccount, crate, bsum, fs, ci)


@nb.njit(cache=True)
def build_classes(occ, n1, n2, vc, cls, slot, pool, cstart, ccap, ccount, crate, bsum, fs, ci,
                  nc, sup):
    """List every movable atom in its class, in site order (deterministic)."""
    for x in range(occ.size):
        cls[x] = -1
    for x in range(occ.size):
        if occ[x] != 0 and occ[x] != 255:
            reclassify(x, occ, n1, n2, vc, cls, slot, pool, cstart, ccap, ccount, crate, bsum,
                       fs, ci, nc, sup)
    resum(crate, ccount, bsum, fs)


@nb.njit(cache=True, inline="always")
def _mark(x, dirty, dlist, nd):
    if dirty[x] == 0:
        dirty[x] = 1
        dlist[nd] = x
        return nd + 1
    return nd


@nb.njit(cache=True)
def _change_site(x, add, occ, n1, n2, vc, nn_c, nn_a, nnn, nc, sup, dirty, dlist, nd):
    """Update neighbour counts and valid-target counts after site *x* was filled or emptied.

    ``occ[x]`` must already hold the new value. Returns the new length of the dirty list.
    """
    delta = 1 if add else -1
    nd = _mark(x, dirty, dlist, nd)
    # x itself: valid before/after
    if add:
        # x was a valid target for its movers (it was an empty attached site or on the support)
        was = _is_sup(x, nc, sup) or (np.int64(n1[x]) + np.int64(n2[x]) >= 2)
        if was:
            for d in range(12):
                y = x + nnn[d]
                vc[y] -= 1
                nd = _mark(y, dirty, dlist, nd)
    else:
        now = _is_sup(x, nc, sup) or (np.int64(n1[x]) + np.int64(n2[x]) >= 2)
        if now:
            for d in range(12):
                y = x + nnn[d]
                vc[y] += 1
                nd = _mark(y, dirty, dlist, nd)
    nn = nn_c if x < nc else nn_a
    for d in range(16):
        if d < 4:
            y = x + nn[d]
        else:
            y = x + nnn[d - 4]
        if occ[y] == 255:
            continue
        before = np.int64(n1[y]) + np.int64(n2[y])
        if d < 4:
            n1[y] += delta
        else:
            n2[y] += delta
        nd = _mark(y, dirty, dlist, nd)
        if occ[y] == 0 and not _is_sup(y, nc, sup):
            after = before + delta
            if (before >= 2) != (after >= 2):
                dv = 1 if after >= 2 else -1
                for e in range(12):
                    z = y + nnn[e]
                    vc[z] += dv
                    nd = _mark(z, dirty, dlist, nd)
    return nd


@nb.njit(cache=True)
def run_loop(occ, n1, n2, vc, cls, slot, pool, cstart, ccap, ccount, crate, bsum, fs, ci, rng,
             nn_c, nn_a, nnn, nc, sup, k_th, k_beam, dirty, dlist,
             max_events, t_stop):
    """Execute events until ``ci[C_EVENTS] == max_events`` or the time would pass *t_stop*.

    At a time stop the pending waiting time is discarded and the clock set to *t_stop*; the
    exponential waiting time is memoryless, so this is exact.

    Returns
    -------
    int
        STOP_EVENTS, STOP_TIME or STOP_FROZEN (total rate zero).
    """
    while ci[C_EVENTS] < max_events:
        if ci[C_EVENTS] % RESUM_EVERY == 0:
            resum(crate, ccount, bsum, fs)
        total = fs[F_TOTAL]
        if total <= 0.0:
            return STOP_FROZEN
        u = 1.0 - uniform(rng)
        dt = -np.log(u) / total
        if fs[F_TIME] + dt > t_stop:
            fs[F_TIME] = t_stop
            return STOP_TIME
        fs[F_TIME] += dt
        # --- select a class: blocks, then classes inside the block
        r = uniform(rng) * total
        blk = 0
        while blk < N_BLOCKS - 1 and r >= bsum[blk]:
            r -= bsum[blk]
            blk += 1
        c = blk * BLOCK
        cend = min((blk + 1) * BLOCK, N_CLASSES)
        while True:
            w = ccount[c] * crate[c]
            if r < w or c == cend - 1:
                break
            r -= w
            c += 1
        # guard against round-off landing on an empty class
        if ccount[c] == 0:
            c = blk * BLOCK
            while c < cend and ccount[c] == 0:
                c += 1
            if c == cend:
                resum(crate, ccount, bsum, fs)
                continue
        j = np.int64(uniform(rng) * ccount[c])
        if j >= ccount[c]:
            j = ccount[c] - 1
        x = np.int64(pool[cstart[c] + j])
        # decode the class
        m = c % 13
        a = (c // 26 // 13) % 5
        b = (c // 26) % 13
        on = (c // 13) % 2
        sp = c // (13 * 2 * 13 * 5)
        kt = m * k_th[a, b, on]
        kb = k_beam[sp, a * 13 + b]
        ru = uniform(rng) * crate[c]
        kind = 0 if ru < kt else (1 if ru < kt + kb else 2)
        nd = 0
        species = occ[x]
        # remove the atom from x
        occ[x] = 0
        nd = _change_site(x, False, occ, n1, n2, vc, nn_c, nn_a, nnn, nc, sup, dirty,
                          dlist, nd)
        if kind == 2:
            ci[C_SPUTTER] += 1
            ci[C_ATOMS] -= 1
        else:
            # pick the target among the valid second neighbours (x counts as empty now,
            # and n1/n2 of the targets no longer include the mover: need >= 1 here)
            q = np.int64(uniform(rng) * m)
            if q >= m:
                q = m - 1
            f = -1
            for d in range(12):
                y = x + nnn[d]
                if occ[y] != 0:
                    continue
                if _is_sup(y, nc, sup) or (np.int64(n1[y]) + np.int64(n2[y]) >= 1):
                    if q == 0:
                        f = y
                        break
                    q -= 1
            occ[f] = species
            nd = _change_site(f, True, occ, n1, n2, vc, nn_c, nn_a, nnn, nc, sup, dirty,
                              dlist, nd)
            if kind == 0:
                ci[C_THERMAL] += 1
            else:
                ci[C_BEAM] += 1
        for i in range(nd):
            y = dlist[i]
            dirty[y] = 0
            if (occ[y] != 0 and occ[y] != 255) or cls[y] >= 0:
                reclassify(y, occ, n1, n2, vc, cls, slot, pool, cstart, ccap, ccount, crate,
                           bsum, fs, ci, nc, sup)
        ci[C_EVENTS] += 1
    return STOP_EVENTS

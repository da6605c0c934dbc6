"""The numba hot loop: rejection-free (BKL / n-fold way) KMC over rate classes, with null hops.

Site state. Every lattice entry holds one ``uint16`` word (:func:`pack_state`):

    bits 0-3  n2   occupied second neighbours (0-12, same sublattice, the hop targets)
    bits 4-6  n1   occupied nearest neighbours (0-4, other sublattice)
    bit  7    sup  adhesion site (support layer or carbon bridge)
    bits 8-9  sp   species code (0 empty, 1 Cd, 2 Se, 3 S)

and ``WALL = 0xFFFF`` marks entries that can never be occupied. One word per site keeps the
neighbour updates of a move to one memory access per neighbour.

Classes. Each occupied site belongs to the class ``(sp, n1, n2, sup)`` (390 classes; index from the
low 10 bits of the word through the table :func:`class_table`). All atoms of a class have the same
rates: ``12 - n2`` thermal hop attempts of rate ``k_th(n1, n2, sup)`` each (one per unoccupied
second-neighbour direction), a beam-induced hop ``k_beam(sp, n1, n2)`` in a uniformly random
direction (into an occupied site it does nothing), and sputtering ``k_sput(sp, n1, n2)``.
Selecting an event: pick a class with probability proportional to ``count x rate`` (two-level
sums over blocks of classes), an atom of the class uniformly (O(1)), the event from the rate
split and, for a hop, the direction. A hop whose target is not *valid* is a null event: the clock
advances, nothing moves (the thinning construction; the waiting-time distribution of the real
events stays exact, Gillespie 1976; Serebrinsky 2011).
Atoms with all 12 second neighbours occupied, and detached atoms off the support, are unlisted.
Time advances by ``-ln(u) / R_total`` (Bortz, Kalos & Lebowitz 1975).

A target f is *valid* when it is empty and either an adhesion site or has at least one occupied
neighbour besides the mover (``n1[f] + n2[f] >= 2`` counting the mover). An atom may move only if
it is itself attached (adhesion site, or ``n1 + n2 >= 1``). The rule is symmetric between a move
and its reverse, so detailed balance of the thermal moves holds exactly on the reachable states
(tests/kmc/test_detailed_balance.py).

Extending the engine with another event type means adding a column to the per-class rate split
(``cpart``) and a branch where the event kind is chosen.

Vapour (``vap``; docs/kmc.md, "Evaporation and condensation"). Evaporation is such a column: the
atom leaves its site into a well-mixed vapour, counted per species in ``ci[C_VAP + sp - 1]``.
Condensation is an event outside the classes: a vapour atom of species s lands on a uniformly
chosen *condensation site* of its sublattice with rate ``kc[s] x (vapour atoms of s) x (number
of such sites)``. A condensation site is an empty site with ``n2 < 12`` and ``n1 + n2 >= 1``;
the engine keeps them in two lists (cations, anions) in ``elist`` with positions ``es``, updated
with the neighbour counts. An atom may evaporate exactly when its site would be a condensation
site once empty (the rate table is zero for ``n1 + n2 = 0``), so every evaporation has its
reverse condensation and the pair obeys detailed balance with an ideal vapour
(:mod:`nanosinter.kmc._vapour`).

Random numbers come from xoshiro256** (Blackman & Vigna 2021) with its state in a NumPy array, so a
checkpoint restores the stream bit for bit.

References
----------
.. [1] A. B. Bortz, M. H. Kalos, J. L. Lebowitz, J. Comput. Phys. 17, 10 (1975).
   doi:10.1016/0021-9991(75)90060-1
.. [2] D. T. Gillespie, J. Comput. Phys. 22, 403 (1976). doi:10.1016/0021-9991(76)90041-3
.. [3] S. A. Serebrinsky, Phys. Rev. E 83, 037701 (2011) (null events in KMC).
   doi:10.1103/PhysRevE.83.037701
.. [4] D. Blackman, S. Vigna, ACM Trans. Math. Softw. 47, 36 (2021). doi:10.1145/3460772
"""

from __future__ import annotations

import numba as nb
import numpy as np

N_SPECIES = 3
N_CLASSES = N_SPECIES * 5 * 13 * 2
BLOCK = 16
N_BLOCKS = (N_CLASSES + BLOCK - 1) // BLOCK
RESUM_EVERY = 1 << 16
WALL = 0xFFFF
N_DIRECTIONS = 12
# class-list entry of a site: (slot << CLASS_BITS) | class, or -1 when unlisted
CLASS_BITS = 9
CLASS_MASK = (1 << CLASS_BITS) - 1
MAX_LISTED = 1 << (31 - CLASS_BITS)

# indices into the int64 counter array (C_VAP + sp - 1: vapour atoms of species code sp;
# C_NE_C / C_NE_A: lengths of the cation / anion condensation-site lists)
C_EVENTS, C_THERMAL, C_BEAM, C_SPUTTER, C_ATOMS, C_POOLTOP, C_NULL = range(7)
C_EVAP, C_COND, C_VAP, C_NE_C, C_NE_A = 7, 8, 9, 12, 13
N_COUNTERS = 14
# indices into the float64 array
F_TIME, F_TOTAL = range(2)
# columns of the per-class rate split
P_THERMAL, P_BEAM, P_SPUTTER, P_EVAP = range(4)
N_PARTS = 4
# stop reasons
STOP_EVENTS, STOP_TIME, STOP_FROZEN = 0, 1, 2


@nb.njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@nb.njit(cache=True, inline="always")
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


@nb.njit(cache=True, inline="always")
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


def class_index(sp: int, n1: int, n2: int, on: int) -> int:
    """Class index of species code *sp* (1-3) with *n1*, *n2* neighbours, adhesion flag *on*."""
    return (((sp - 1) * 5 + n1) * 13 + n2) * 2 + on


def decode_class(c: int) -> tuple[int, int, int, int]:
    """``(sp, n1, n2, on)`` of a class index (inverse of :func:`class_index`)."""
    on = c % 2
    n2 = (c // 2) % 13
    n1 = (c // 26) % 5
    sp = c // 130 + 1
    return sp, n1, n2, on


def class_table() -> np.ndarray:
    """int16 table over the low 10 bits of a site word: its class, or -1 if the site is
    empty, has no free second neighbour (``n2 = 12``) or is detached (off adhesion sites with no
    occupied neighbour)."""
    tab = np.full(1024, -1, dtype=np.int16)
    for w in range(1024):
        n2 = w & 15
        n1 = (w >> 4) & 7
        on = (w >> 7) & 1
        sp = w >> 8
        if sp == 0 or n1 > 4 or n2 > 12:
            continue
        if n2 == 12 or (on == 0 and n1 + n2 == 0):
            continue
        tab[w] = class_index(sp, n1, n2, on)
    return tab


@nb.njit(cache=True)
def pack_state(occ, sup, nn_c, nn_a, nnn, nc):
    """Site words (uint16) from species codes *occ* (0 empty, 1-3, 255 wall) and flags *sup*."""
    n = occ.size
    st = np.zeros(n, dtype=np.uint16)
    for x in range(n):
        if occ[x] == 255:
            st[x] = WALL
        else:
            st[x] = (np.uint16(occ[x]) << 8) | (np.uint16(1 if sup[x] != 0 else 0) << 7)
    for x in range(n):
        if st[x] == WALL or (st[x] >> 8) == 0:
            continue
        nn = nn_c if x < nc else nn_a
        for d in range(4):
            y = x + nn[d]
            if st[y] != WALL:
                st[y] += 16
        for d in range(12):
            y = x + nnn[d]
            if st[y] != WALL:
                st[y] += 1
    return st


@nb.njit(cache=True)
def unpack_state(st):
    """``(occ, n1, n2)`` uint8 arrays from site words (walls: occ 255, n1 = n2 = 0)."""
    n = st.size
    occ = np.empty(n, np.uint8)
    n1 = np.zeros(n, np.uint8)
    n2 = np.zeros(n, np.uint8)
    for x in range(n):
        w = st[x]
        if w == WALL:
            occ[x] = 255
        else:
            occ[x] = w >> 8
            n1[x] = (w >> 4) & 7
            n2[x] = w & 15
    return occ, n1, n2


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
    """Lay the class lists out again contiguously with room to grow (in place).

    Empty classes give up their lists. Each other class gets ``max(8, 2 count)`` entries, at
    most 2 x listed atoms + 8 x 390 in all (the pool ``Simulation`` allocates, 4 per atom + 8 per
    class, always holds it with room to spare); in a pool too small for that, ``count + 1``.
    """
    need = 0
    for c in range(N_CLASSES):
        if ccount[c] > 0:
            need += max(8, 2 * ccount[c])
    generous = need + 8 * BLOCK <= pool.size
    tmp = np.empty(pool.size, dtype=np.int32)
    top = 0
    for c in range(N_CLASSES):
        if ccount[c] == 0:
            ccap[c] = 0
            cstart[c] = 0
            continue
        cap = max(8, 2 * ccount[c]) if generous else ccount[c] + 1
        for j in range(ccount[c]):
            tmp[top + j] = pool[cstart[c] + j]
        cstart[c] = top
        ccap[c] = cap
        top += cap
    for j in range(top):
        pool[j] = tmp[j]
    ci[C_POOLTOP] = top


@nb.njit(cache=True)
def _make_room(c, pool, cstart, ccap, ccount, ci):
    """Give class *c*, whose list is full, a larger one at the top of the pool (rare)."""
    newcap = max(8, 2 * ccap[c])
    if ci[C_POOLTOP] + newcap > pool.size:
        _compact(pool, cstart, ccap, ccount, ci)
        newcap = 0 if ccap[c] > ccount[c] else max(8, ccount[c] + 1)
        if ci[C_POOLTOP] + newcap > pool.size:
            newcap = ccount[c] + 1
    if newcap > 0:
        top = ci[C_POOLTOP]
        for j in range(ccount[c]):
            pool[top + j] = pool[cstart[c] + j]
        cstart[c] = top
        ccap[c] = newcap
        ci[C_POOLTOP] = top + newcap


@nb.njit(cache=True, inline="always")
def _list(x, c, cs, pool, cstart, ccap, ccount, crate, bsum, fs, ci):
    if ccount[c] == ccap[c]:
        _make_room(c, pool, cstart, ccap, ccount, ci)
    pool[cstart[c] + ccount[c]] = x
    cs[x] = (ccount[c] << CLASS_BITS) | c
    ccount[c] += 1
    r = crate[c]
    bsum[c // BLOCK] += r
    fs[F_TOTAL] += r


@nb.njit(cache=True, inline="always")
def _unlist(x, cs, pool, cstart, ccount, crate, bsum, fs):
    v = cs[x]
    c = v & CLASS_MASK
    j = v >> CLASS_BITS
    last = ccount[c] - 1
    y = pool[cstart[c] + last]
    pool[cstart[c] + j] = y
    cs[y] = (j << CLASS_BITS) | c
    ccount[c] = last
    cs[x] = -1
    r = crate[c]
    bsum[c // BLOCK] -= r
    fs[F_TOTAL] -= r


@nb.njit(cache=True, inline="always")
def _reclassify(x, st, ctab, cs, pool, cstart, ccap, ccount, crate, bsum, fs, ci):
    newc = ctab[st[x] & 0x3FF]
    v = cs[x]
    oldc = v & CLASS_MASK if v >= 0 else -1
    if newc == oldc:
        return
    if oldc >= 0:
        _unlist(x, cs, pool, cstart, ccount, crate, bsum, fs)
    if newc >= 0:
        _list(x, newc, cs, pool, cstart, ccap, ccount, crate, bsum, fs, ci)


@nb.njit(cache=True)
def build_classes(st, ctab, cs, pool, cstart, ccap, ccount, crate, bsum, fs, ci):
    """List every movable atom in its class, in site order (deterministic)."""
    for x in range(st.size):
        cs[x] = -1
    for x in range(st.size):
        if st[x] != WALL and (st[x] >> 8) != 0:
            _reclassify(x, st, ctab, cs, pool, cstart, ccap, ccount, crate, bsum, fs, ci)
    resum(crate, ccount, bsum, fs)


@nb.njit(cache=True)
def build_condensation_sites(st, es, elist, ci, nc):
    """List every condensation site (empty, ``n2 < 12``, ``n1 + n2 >= 1``) in site order:
    cation sites in ``elist[:nc]``, anion sites in ``elist[nc:]``, positions in ``es``."""
    ci[C_NE_C] = 0
    ci[C_NE_A] = 0
    for x in range(st.size):
        es[x] = -1
        w = st[x]
        if w == WALL or (w >> 8) != 0 or (w & 15) >= 12 or ((w >> 4) & 7) + (w & 15) < 1:
            continue
        k = C_NE_C if x < nc else C_NE_A
        base = 0 if x < nc else nc
        elist[base + ci[k]] = x
        es[x] = ci[k]
        ci[k] += 1


def neighbour_table(nn_c: np.ndarray, nn_a: np.ndarray, nnn: np.ndarray) -> np.ndarray:
    """Flat int64 table of the 16 neighbour offsets of a cation (entries 0-15) and of an anion
    (16-31): 4 nearest, then 12 second neighbours (the hop directions)."""
    return np.concatenate([nn_c, nnn, nn_a, nnn]).astype(np.int64)


@nb.njit(cache=True, inline="always")
def _xoshiro(s0, s1, s2, s3):
    """One xoshiro256** step on a state held in four scalars: (uniform in [0, 1), new state).

    The same stream as :func:`uniform` on an array state; scalars keep the hot loop free of
    array reference counting.
    """
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return float(result >> np.uint64(11)) * (1.0 / 9007199254740992.0), s0, s1, s2, s3


@nb.njit(cache=True, inline="always")
def _condensation_site(y, st, es, elist, ci, nc):
    """Put site *y* into or take it out of its condensation-site list as its word says."""
    wy = st[y]
    ok = (wy >> 8) == 0 and (wy & 15) < 12 and ((wy >> 4) & 7) + (wy & 15) >= 1
    e = es[y]
    if ok == (e >= 0):
        return
    k = C_NE_C if y < nc else C_NE_A
    base = 0 if y < nc else nc
    if ok:
        elist[base + ci[k]] = y
        es[y] = ci[k]
        ci[k] += 1
    else:
        last = ci[k] - 1
        z = elist[base + last]
        elist[base + e] = z
        es[z] = e
        ci[k] = last
        es[y] = -1


@nb.njit(cache=True)
def _relist(todo, nt, st, ctab, cs, pool, cstart, ccap, ccount, crate, bsum, fs, ci, vap, es,
            elist, nc):
    """Reclassify the sites in ``todo[:nt]`` and update the condensation-site lists (used by
    the condensation branch, which is rare enough for a call)."""
    for i in range(nt):
        y = todo[i]
        if vap:
            _condensation_site(y, st, es, elist, ci, nc)
        _reclassify(y, st, ctab, cs, pool, cstart, ccap, ccount, crate, bsum, fs, ci)


@nb.njit(cache=True)
def run_loop(st, ctab, cs, pool, cstart, ccap, ccount, crate, cpart, bsum, fs, ci, rng,
             nbr, nc, max_events, t_stop, vap, kc, es, elist):
    """Execute events until ``ci[C_EVENTS] == max_events`` or the time would pass *t_stop*.

    ``ci[C_EVENTS]`` counts executed events (thermal hops, beam hops, sputtering, evaporation,
    condensation); null hops are counted in ``ci[C_NULL]``. With *vap* false, *kc*, *es* and
    *elist* are not touched (they may be length-1 dummies) and the trajectory is the same as
    without the vapour terms. At a time stop the pending waiting time is discarded and the clock
    set to *t_stop*; the exponential waiting time is memoryless, so this is exact.

    The helpers' logic (list/unlist, neighbour updates, random numbers) is written out in this
    one function on purpose: numba would otherwise reference-count the arrays at every inlined
    call, which cost two thirds of the run time.

    Returns
    -------
    int
        STOP_EVENTS, STOP_TIME or STOP_FROZEN (total rate zero).
    """
    s0 = rng[0]
    s1 = rng[1]
    s2 = rng[2]
    s3 = rng[3]
    todo = np.empty(40, np.int64)
    status = STOP_EVENTS
    while ci[C_EVENTS] < max_events:
        if (ci[C_EVENTS] + ci[C_NULL]) % RESUM_EVERY == 0:
            resum(crate, ccount, bsum, fs)
        rc = 0.0
        if vap:
            rc = (kc[0] * ci[C_VAP] * ci[C_NE_C]
                  + (kc[1] * ci[C_VAP + 1] + kc[2] * ci[C_VAP + 2]) * ci[C_NE_A])
        total = fs[F_TOTAL] + rc
        if total <= 0.0:
            status = STOP_FROZEN
            break
        u, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
        dt = -np.log(1.0 - u) / total
        if fs[F_TIME] + dt > t_stop:
            fs[F_TIME] = t_stop
            status = STOP_TIME
            break
        fs[F_TIME] += dt
        u, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
        r = u * total
        if r < rc:
            # --- condensation: species by its share, then a uniform site of its sublattice
            r0 = kc[0] * ci[C_VAP] * ci[C_NE_C]
            r1 = kc[1] * ci[C_VAP + 1] * ci[C_NE_A]
            if r < r0:
                spc = 1
            elif r - r0 < r1:
                spc = 2
            else:
                spc = 3
            kl = C_NE_C if spc == 1 else C_NE_A
            nl = ci[kl]
            if nl == 0 or ci[C_VAP + spc - 1] == 0:
                ci[C_NULL] += 1
                continue
            u, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
            jl = np.int64(u * nl)
            if jl >= nl:
                jl = nl - 1
            f = np.int64(elist[(0 if spc == 1 else nc) + jl])
            ci[C_VAP + spc - 1] -= 1
            ci[C_COND] += 1
            ci[C_ATOMS] += 1
            nt = 0
            st[f] = st[f] | (spc << 8)
            base = 0 if f < nc else 16
            for d in range(16):
                y = f + nbr[base + d]
                wy = st[y]
                if wy == WALL:
                    continue
                st[y] = wy + (16 if d < 4 else 1)
                todo[nt] = y
                nt += 1
            todo[nt] = f
            nt += 1
            _relist(todo, nt, st, ctab, cs, pool, cstart, ccap, ccount, crate, bsum, fs, ci,
                    vap, es, elist, nc)
            ci[C_EVENTS] += 1
            continue
        r -= rc
        # --- select a class: blocks, then classes inside the block
        blk = 0
        while blk < N_BLOCKS - 1 and r >= bsum[blk]:
            r -= bsum[blk]
            blk += 1
        c = blk * BLOCK
        cend = min((blk + 1) * BLOCK, N_CLASSES)
        while True:
            wgt = ccount[c] * crate[c]
            if r < wgt or c == cend - 1:
                break
            r -= wgt
            c += 1
        # guard against round-off landing on an empty class
        if ccount[c] == 0:
            c = blk * BLOCK
            while c < cend and ccount[c] == 0:
                c += 1
            if c == cend:
                resum(crate, ccount, bsum, fs)
                ci[C_NULL] += 1
                continue
            u, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
            r = u * ccount[c] * crate[c]
        # the atom: r / crate[c] is uniform in [0, count); its integer part picks the atom and
        # its fraction the event (one random number for both)
        q = r / crate[c]
        j = np.int64(q)
        if j >= ccount[c]:
            j = ccount[c] - 1
        frac = q - j
        if frac < 0.0 or frac >= 1.0:
            frac, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
        x = np.int64(pool[cstart[c] + j])
        ru = frac * crate[c]
        kt = cpart[c, P_THERMAL]
        kb = cpart[c, P_BEAM]
        w = np.int64(st[x])
        hop = ru < kt + kb
        evap = not hop and ru < kt + kb + cpart[c, P_EVAP]
        f = -1
        if hop:
            u, s0, s1, s2, s3 = _xoshiro(s0, s1, s2, s3)
            if ru < kt:
                # thermal: uniformly among the 12 - n2 second neighbours not occupied
                kind = 0
                n_free = N_DIRECTIONS - (w & 15)
                qd = np.int64(u * n_free)
                if qd >= n_free:
                    qd = n_free - 1
                base = 0 if x < nc else 16
                d = 0
                while True:
                    wy = st[x + nbr[base + 4 + d]]
                    if wy == WALL or (wy >> 8) == 0:
                        if qd == 0:
                            break
                        qd -= 1
                    d += 1
            else:
                # beam: the knock-on direction is uniform; into an occupied site it does nothing
                kind = 1
                d = np.int64(u * N_DIRECTIONS)
                if d >= N_DIRECTIONS:
                    d = N_DIRECTIONS - 1
            f = x + nbr[4 + d]
            wf = np.int64(st[f])
            # valid target: empty (word < 256; walls are 0xFFFF) and adhesion site or
            # another occupied neighbour besides the mover
            if wf >= 256 or ((wf & 0x80) == 0 and ((wf >> 4) & 7) + (wf & 15) < 2):
                ci[C_NULL] += 1
                continue
        # --- take the atom off x (unlist, clear its species)
        v = cs[x]
        cx = v & CLASS_MASK
        jx = v >> CLASS_BITS
        last = ccount[cx] - 1
        y = pool[cstart[cx] + last]
        pool[cstart[cx] + jx] = y
        cs[y] = (jx << CLASS_BITS) | cx
        ccount[cx] = last
        cs[x] = -1
        rate = crate[cx]
        bsum[cx // BLOCK] -= rate
        fs[F_TOTAL] -= rate
        st[x] = w & 0xFF
        # --- neighbour counts around x (and f), then the atoms there to reclassify
        nt = 0
        base = 0 if x < nc else 16
        for d in range(16):
            y = x + nbr[base + d]
            wy = st[y]
            if wy == WALL:
                continue
            wy = wy - (16 if d < 4 else 1)
            st[y] = wy
            if vap or (wy >> 8) != 0:
                todo[nt] = y
                nt += 1
        if vap:
            todo[nt] = x
            nt += 1
        if hop:
            st[f] = st[f] | ((w >> 8) << 8)
            base = 0 if f < nc else 16
            for d in range(16):
                y = f + nbr[base + d]
                wy = st[y]
                if wy == WALL:
                    continue
                wy = wy + (16 if d < 4 else 1)
                st[y] = wy
                if vap or (wy >> 8) != 0:
                    todo[nt] = y
                    nt += 1
            todo[nt] = f
            nt += 1
            if kind == 0:
                ci[C_THERMAL] += 1
            else:
                ci[C_BEAM] += 1
        elif evap:
            ci[C_EVAP] += 1
            ci[C_VAP + (w >> 8) - 1] += 1
            ci[C_ATOMS] -= 1
        else:
            ci[C_SPUTTER] += 1
            ci[C_ATOMS] -= 1
        # --- reclassify (sites listed twice are found in their class the second time)
        for i in range(nt):
            y = todo[i]
            if vap:
                # condensation-site lists (_condensation_site written out, see above)
                wy = st[y]
                ok = (wy >> 8) == 0 and (wy & 15) < 12 and ((wy >> 4) & 7) + (wy & 15) >= 1
                e = es[y]
                if ok != (e >= 0):
                    k = C_NE_C if y < nc else C_NE_A
                    base = 0 if y < nc else nc
                    if ok:
                        elist[base + ci[k]] = y
                        es[y] = ci[k]
                        ci[k] += 1
                    else:
                        last = ci[k] - 1
                        z = elist[base + last]
                        elist[base + e] = z
                        es[z] = e
                        ci[k] = last
                        es[y] = -1
            newc = ctab[st[y] & 0x3FF]
            v = cs[y]
            oldc = v & CLASS_MASK if v >= 0 else -1
            if newc == oldc:
                continue
            if oldc >= 0:
                jy = v >> CLASS_BITS
                last = ccount[oldc] - 1
                z = pool[cstart[oldc] + last]
                pool[cstart[oldc] + jy] = z
                cs[z] = (jy << CLASS_BITS) | oldc
                ccount[oldc] = last
                cs[y] = -1
                rate = crate[oldc]
                bsum[oldc // BLOCK] -= rate
                fs[F_TOTAL] -= rate
            if newc >= 0:
                if ccount[newc] == ccap[newc]:
                    _make_room(newc, pool, cstart, ccap, ccount, ci)
                pool[cstart[newc] + ccount[newc]] = y
                cs[y] = (ccount[newc] << CLASS_BITS) | newc
                ccount[newc] += 1
                rate = crate[newc]
                bsum[newc // BLOCK] += rate
                fs[F_TOTAL] += rate
        ci[C_EVENTS] += 1
    rng[0] = s0
    rng[1] = s1
    rng[2] = s2
    rng[3] = s3
    return status

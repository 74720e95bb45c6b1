"""Graph colouring for block (chromatic) Gibbs sampling.

Units that share no factor are conditionally independent given the rest, so every colour class of a proper colouring
of the interaction graph can be resampled in one parallel step without changing the stationary distribution
(chromatic Gibbs sampling: Gonzalez, Low, Gretton & Guestrin, "Parallel Gibbs sampling: from colored fields to thin
junction trees", AISTATS 2011).
"""

from __future__ import annotations

import heapq

import numpy as np


def greedy_colouring(n: int, edges: np.ndarray) -> np.ndarray:
    """A proper colouring of the graph with `n` nodes and undirected `edges` (m, 2), by DSatur (Brelaz 1979:
    colour next the node whose neighbours already use the most distinct colours, ties broken by degree then index).

    DSatur is exact on bipartite graphs (a 2-D lattice with even side, an RBM) and uses at most `max_degree + 1`
    colours on any graph. Returns an int array (n,) of colours `0 .. n_colours - 1`.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    adj: list[set[int]] = [set() for _ in range(n)]
    for i, j in edges:
        if i != j:
            adj[int(i)].add(int(j))
            adj[int(j)].add(int(i))
    colour = np.full(n, -1, dtype=np.int64)
    sat: list[set[int]] = [set() for _ in range(n)]
    degree = np.array([len(a) for a in adj])
    uncoloured = set(range(n))
    # max-heap on (saturation, degree, -index); stale entries are skipped
    heap = [(0, -int(degree[i]), i) for i in range(n)]
    heapq.heapify(heap)
    while uncoloured:
        s, _, i = heapq.heappop(heap)
        if colour[i] >= 0 or -s != len(sat[i]):
            continue
        c = 0
        while c in sat[i]:
            c += 1
        colour[i] = c
        uncoloured.discard(i)
        for j in adj[i]:
            if colour[j] < 0 and c not in sat[j]:
                sat[j].add(c)
                heapq.heappush(heap, (-len(sat[j]), -int(degree[j]), j))
    return colour


def colour_blocks(colour: np.ndarray) -> tuple[tuple[int, ...], ...]:
    """The colour classes as sorted index tuples (static and hashable, so they can live in a jitted module)."""
    colour = np.asarray(colour)
    return tuple(tuple(int(i) for i in np.flatnonzero(colour == c)) for c in range(int(colour.max()) + 1))


def is_proper(colour: np.ndarray, edges: np.ndarray) -> bool:
    """Whether no edge joins two nodes of the same colour."""
    edges = np.asarray(edges).reshape(-1, 2)
    colour = np.asarray(colour)
    loops = edges[:, 0] == edges[:, 1]
    return bool(np.all(colour[edges[~loops, 0]] != colour[edges[~loops, 1]]))

"""Retrieval benchmark: embedding throughput, exact vs approximate index, end-to-end search.

    python bench/bench_retrieval.py [--quick]

Prints markdown tables. Index vectors are synthetic, 384-d, shaped like sentence embeddings
(see `embedding_like`; isotropic random clusters, a much harder case for HNSW, gave recall@10
0.95 at 10k and 0.50 at 100k in an earlier run). Index searches run
single-query on one faiss thread (the latency one search call sees on a shared machine); the
approximate index is compared with the exact one measured in the same run. The end-to-end
search runs in a fresh process, so the model load is a cold one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from gensim.retrieval.records import Doc

DIM = 384
VERBS = ["stack", "place", "put", "align", "sort", "pack", "sweep", "insert", "arrange", "build"]
COLORS = ["red", "green", "blue", "yellow", "purple", "orange", "pink", "cyan", "brown", "white"]
OBJECTS = ["blocks", "boxes", "cylinders", "balls", "bowls", "disks", "kit shapes", "ropes"]
PLACES = ["on the pallet", "in the zone", "in a row", "into the container", "around the stand"]


def synthetic_docs(n: int, rng: np.random.Generator) -> list[Doc]:
    """n task records with varied template descriptions."""
    from gensim.retrieval.records import Doc

    docs = []
    for i in range(n):
        verb, color, obj, place = (
            str(rng.choice(VERBS)),
            str(rng.choice(COLORS)),
            str(rng.choice(OBJECTS)),
            str(rng.choice(PLACES)),
        )
        count = int(rng.integers(2, 7))
        desc = (
            f"{verb.capitalize()} the {count} {color} {obj} {place}, then check that every one "
            f"of them rests {str(rng.choice(PLACES))} without touching the others."
        )
        docs.append(
            Doc(id=i + 1, name=f"{verb}-{color}-{obj.replace(' ', '-')}-{i}", description=desc)
        )
    return docs


def embedding_like(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit vectors with the structure of sentence embeddings: a 24-d latent mixture of 50
    topics mapped into 384-d plus isotropic noise (mean cosine to the nearest neighbour ~0.87,
    to the 10th ~0.81 at 10k, like related task descriptions under MiniLM)."""
    latent_dim, n_topics = 24, 50
    proj = rng.standard_normal((latent_dim, DIM)).astype(np.float32)
    topics = rng.standard_normal((n_topics, latent_dim)).astype(np.float32)
    z = topics[rng.integers(0, n_topics, n)]
    z = z + 0.6 * rng.standard_normal((n, latent_dim)).astype(np.float32)
    x = z @ proj + 0.5 * rng.standard_normal((n, DIM)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def percentiles_ms(samples: list[float]) -> tuple[float, float]:
    arr = np.asarray(samples) * 1000.0
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))


def bench_embedding(n_docs: int) -> list[str]:
    from gensim.retrieval.embedder import MiniLMEmbedder
    from gensim.retrieval.records import doc_text

    texts = [doc_text(d) for d in synthetic_docs(n_docs, np.random.default_rng(1))]
    embedder = MiniLMEmbedder(cache_size=0)
    embedder.embed(["warm up the model"])
    start = time.perf_counter()
    embedder.embed(texts)
    bulk = time.perf_counter() - start
    singles = []
    for text in texts[:50]:
        t0 = time.perf_counter()
        embedder.embed([text + " ?"])
        singles.append(time.perf_counter() - t0)
    p50, p99 = percentiles_ms(singles)
    return [
        "| embedding (MiniLM, CPU) | value |",
        "|---|---|",
        f"| bulk, {n_docs} task texts, batch 64 | {n_docs / bulk:.0f} texts/s |",
        f"| one query, p50 / p99 | {p50:.1f} / {p99:.1f} ms |",
    ]


def bench_index(sizes: list[int], n_queries: int) -> tuple[list[str], dict[int, float]]:
    import faiss

    from gensim.retrieval.index import VectorIndex

    faiss.omp_set_num_threads(1)
    rows = [
        "| vectors | index | build s | search p50 ms | p99 ms | recall@10 | p50 speed-up vs exact |",
        "|---|---|---|---|---|---|---|",
    ]
    flat_p50: dict[int, float] = {}
    for n in sizes:
        rng = np.random.default_rng(n)
        both = embedding_like(rng, n + n_queries)  # one draw: queries share the data's topics
        data, queries = both[:n], both[n:]
        ids = list(range(n))
        results: dict[str, tuple[float, float, float, np.ndarray]] = {}
        for kind in ("flat", "hnsw"):
            index = VectorIndex(DIM, kind)
            t0 = time.perf_counter()
            index.add(ids, data)
            build = time.perf_counter() - t0
            found: list[list[int]] = []
            lat: list[float] = []
            for q in queries:
                t1 = time.perf_counter()
                hits = index.search(q, 10)
                lat.append(time.perf_counter() - t1)
                found.append([i for i, _ in hits])
            p50, p99 = percentiles_ms(lat)
            results[kind] = (build, p50, p99, np.asarray(found))
        exact = results["flat"][3]
        for kind, (build, p50, p99, got) in results.items():
            recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(got, exact, strict=True)])
            speedup = results["flat"][1] / p50
            rows.append(
                f"| {n:,} | {kind} | {build:.2f} | {p50:.3f} | {p99:.3f} | {recall:.3f} | {speedup:.1f}x |"
            )
        flat_p50[n] = results["flat"][1]
    return rows, flat_p50


def bench_end_to_end(n_docs: int) -> tuple[list[str], float]:
    from gensim.retrieval.embedder import get_embedder
    from gensim.retrieval.search import Library

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "index"
        docs = synthetic_docs(n_docs, np.random.default_rng(2))
        get_embedder().embed(["load the model first"])
        t0 = time.perf_counter()
        Library.open(docs, get_embedder(), folder)
        build = time.perf_counter() - t0
        out = subprocess.run(
            [sys.executable, __file__, "--e2e-child", str(folder), str(n_docs)],
            capture_output=True,
            text=True,
            check=True,
        )
    timings = json.loads(out.stdout.strip().splitlines()[-1])
    rows = [
        f"| end-to-end search, {n_docs}-task library (fresh process) | ms |",
        "|---|---|",
        f"| (once) embed {n_docs} tasks and save the index | {build * 1000:.0f} |",
    ]
    rows += [f"| {step} | {ms:.1f} |" for step, ms in timings.items()]
    return rows, timings["a later search (model warm), median of 3"]


def e2e_child(folder: Path, n_docs: int) -> None:
    """Runs in a fresh process: time each step of a first search."""
    steps: dict[str, float] = {}
    t = time.perf_counter()
    from gensim.retrieval.embedder import get_embedder
    from gensim.retrieval.index import VectorIndex
    from gensim.retrieval.search import Library

    steps["import gensim.retrieval"] = time.perf_counter() - t
    docs = synthetic_docs(n_docs, np.random.default_rng(2))
    t = time.perf_counter()
    embedder = get_embedder()
    embedder.embed(["load"])
    steps["load the embedding model (cold)"] = time.perf_counter() - t
    t = time.perf_counter()
    index = VectorIndex.load(folder)
    steps["load the faiss index"] = time.perf_counter() - t
    t = time.perf_counter()
    stale = index.is_stale(docs, embedder.name)
    steps["staleness check (fingerprint of records)"] = time.perf_counter() - t
    assert not stale
    t = time.perf_counter()
    library = Library(docs, embedder, index)
    steps["library: vectors + keyword index"] = time.perf_counter() - t
    query = "stack the red blocks on the pallet"
    t = time.perf_counter()
    qvec = library.embed_query(query)
    steps["embed the query"] = time.perf_counter() - t
    t = time.perf_counter()
    library.score_all(query, qvec)
    steps["hybrid scoring (semantic + keyword)"] = time.perf_counter() - t
    total = sum(steps.values())
    again = []
    for q in ["sweep the piles", "insert the shapes into the kit", "align the boxes in a row"]:
        t = time.perf_counter()
        library.search(q)
        again.append(time.perf_counter() - t)
    steps["total, first search"] = total
    steps["a later search (model warm), median of 3"] = statistics.median(again)
    print(json.dumps({k: v * 1000 for k, v in steps.items()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (1k, 10k), fewer queries")
    parser.add_argument("--e2e-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.e2e_child:
        e2e_child(Path(args.e2e_child[0]), int(args.e2e_child[1]))
        return
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    print("## Retrieval benchmark\n")
    e2e_rows, warm_ms = bench_end_to_end(1_000)
    print("\n".join(e2e_rows), "\n")
    print("\n".join(bench_embedding(128 if args.quick else 512)), "\n")
    rows, flat_p50 = bench_index(sizes, 100 if args.quick else 300)
    print("\n".join(rows), "\n")
    big = max(flat_p50)
    per_vector = flat_p50[big] / big  # ms; the largest size is the cache-bound, costlier regime
    share = 0.1 * warm_ms
    print(
        f"Exact search: ~{per_vector * 1e6:.0f} ns per stored vector at {big:,}. It costs 10% of "
        f"a warm end-to-end search ({warm_ms:.0f} ms) from ~{share / per_vector:,.0f} vectors."
    )


if __name__ == "__main__":
    main()

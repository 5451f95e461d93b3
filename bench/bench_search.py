"""Finding imported tasks by paraphrase: recall@1/@5 of `gensim tasks search` against baselines.

Runs on a home whose task DB holds imported tasks (bench/bench_import.py's `--home`); the
library is what `gensim tasks search` searches there (every task's newest admitted version,
built-ins included). Queries are `bench/fixtures/paraphrases.json`: our own wording of what a
task asks, one per task, for tasks whose import was admitted. Rankers, all in the same run on
the same docs:

- `search (CLI)`: `gensim tasks search QUERY --k 5` (hybrid, with its no-match filter);
- `hybrid, unfiltered`: the same scores ranking every task (no filter);
- `semantic only` (MiniLM cosine on the embedded task text) and `keyword only` (gensim's
  keyword index): the two halves of the hybrid score;
- `hybrid before word folding`: the hybrid score with the keyword index as it was before
  `gensim.retrieval.keywords.CANONICAL` (colour ~ color, cube ~ block...), the change this
  bench measured;
- `BM25` (a plain Okapi BM25 over name and description, k1 1.2, b 0.75, no stemming): the
  classic baseline;
- `random`: the expected recall of a random order (k / N).

    python bench/bench_search.py --home /tmp/import-home [--write]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).with_name("fixtures") / "paraphrases.json"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.benchmarks_md import write_block  # noqa: E402

BEGIN, END = "<!-- search:begin -->", "<!-- search:end -->"
KS = (1, 5)


class BM25:
    """Okapi BM25 over lowercase words of name and description."""

    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.docs = [Counter(self.words(t)) for t in texts]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lengths) / max(len(self.docs), 1)
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}
        self.k1, self.b = k1, b

    @staticmethod
    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    def scores(self, query: str) -> list[float]:
        out = []
        for d, length in zip(self.docs, self.lengths, strict=True):
            s = 0.0
            for w in set(self.words(query)):
                f = d.get(w, 0)
                if f:
                    s += self.idf[w] * f * (self.k1 + 1) / (f + self.k1 * (1 - self.b + self.b * length / self.avg))
            out.append(s)
        return out


def rank_of(target: set[str], order: list[str]) -> int | None:
    """1-based rank of the first name in `target` within `order`, None when absent."""
    return next((i + 1 for i, n in enumerate(order) if n in target), None)


def order_by(scores: Any, names: list[str]) -> list[str]:
    """Names by score, best first (ties by name, as the search breaks them)."""
    return [names[i] for i in sorted(range(len(names)), key=lambda i: (-float(scores[i]), names[i]))]


def _ranks(home: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    os.environ["GENSIM_HOME"] = str(home)
    import numpy as np

    from gensim.retrieval import keywords as kw_module
    from gensim.retrieval.adapters import docs_from_db, open_library
    from gensim.retrieval.keywords import KeywordIndex
    from gensim.retrieval.search import SEMANTIC_WEIGHT

    docs = docs_from_db()
    library = open_library(docs, index_dir=home / "bench-search-index")
    names = [d.name for d in library.docs]
    bm25 = BM25([f"{d.name.replace('-', ' ')} {d.description}" for d in library.docs])
    keywords = KeywordIndex(library.docs)
    folding, kw_module.CANONICAL = kw_module.CANONICAL, {}  # the keyword index before word folding
    try:
        plain_index = KeywordIndex(library.docs)
        plain = {q["query"]: plain_index.scores(q["query"]) for q in json.loads(FIXTURE.read_text())["queries"]}
    finally:
        kw_module.CANONICAL = folding
    held = set(names)
    rows: list[dict[str, Any]] = []
    for q in json.loads(FIXTURE.read_text())["queries"]:
        target = {q["task"], q["task"] + "-imported"} & held
        row: dict[str, Any] = {"task": q["task"], "query": q["query"], "set": q["set"], "admitted": bool(target)}
        rows.append(row)
        if not target:
            continue
        t0 = time.perf_counter()
        hits = library.search(q["query"], 5)
        row["seconds"] = time.perf_counter() - t0
        row["top"] = [h.doc.name for h in hits[:3]]
        ranks = row["ranks"] = {}
        ranks["search (CLI)"] = rank_of(target, [h.doc.name for h in hits])
        qvec = library.embed_query(q["query"])
        full = library.score_all(q["query"], qvec, rows=list(range(len(names))))
        ranks["hybrid, unfiltered"] = rank_of(target, [h.doc.name for h in full])
        cos = np.asarray(library.vectors) @ qvec
        ranks["semantic only"] = rank_of(target, order_by(cos, names))
        kw = keywords.scores(q["query"])
        ranks["keyword only"] = rank_of(target, order_by([kw.get(r, 0.0) for r in range(len(names))], names))
        old = plain[q["query"]]
        before = SEMANTIC_WEIGHT * np.maximum(cos, 0) + (1 - SEMANTIC_WEIGHT) * np.array(
            [old.get(r, 0.0) for r in range(len(names))])
        ranks["hybrid before word folding"] = rank_of(target, order_by(before, names))
        ranks["BM25"] = rank_of(target, order_by(bm25.scores(q["query"]), names))
    info = {"library": len(names), "imported": sum(d.origin == "imported" for d in library.docs)}
    return info, rows


def _table(rows: list[dict[str, Any]], n_docs: int) -> dict[str, dict[str, float]]:
    n = len(rows)
    methods = list(rows[0]["ranks"]) if rows else []
    table = {m: {f"recall@{k}": sum(1 for r in rows if (x := r["ranks"][m]) is not None and x <= k) / n for k in KS}
             | {"mrr": sum(1 / r["ranks"][m] for r in rows if r["ranks"][m] is not None) / n} for m in methods}
    table["random"] = {f"recall@{k}": k / n_docs for k in KS} | {
        "mrr": sum(1 / r for r in range(1, n_docs + 1)) / n_docs}
    return table


def cli_seconds(home: Path, query: str) -> list[dict[str, float]]:
    """Wall time of `gensim tasks search QUERY --json` in a fresh process, twice: the first also
    embeds the library into the home's index (after an import), the second reads it."""
    import resource
    import subprocess
    import sys

    env = dict(os.environ, GENSIM_HOME=str(home), PYTHONPATH=str(ROOT))
    out = []
    for _ in range(2):
        t0, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "gensim.cli.main", "tasks", "search", query, "--json"],
                       env=env, cwd=ROOT, capture_output=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        out.append({"wall_s": round(time.perf_counter() - t0, 1), "cpu_s": round(cpu, 1)})
    return out


def run(home: Path) -> dict[str, Any]:
    cli = cli_seconds(home, json.loads(FIXTURE.read_text())["queries"][0]["query"])
    info, rows = _ranks(home)
    searched = [r for r in rows if r["admitted"]]
    sets = {"dev": [r for r in searched if r["set"] == "dev"], "heldout": [r for r in searched if r["set"] == "heldout"],
            "all": searched}
    latency = [r["seconds"] for r in searched]
    return {**info, "queries": {k: len(v) for k, v in sets.items()},
            "missing": [r["task"] for r in rows if not r["admitted"]],
            "tables": {k: _table(v, info["library"]) for k, v in sets.items() if v},
            "misses": [{"task": r["task"], "set": r["set"], "query": r["query"], "rank": r["ranks"]["search (CLI)"],
                        "top": r["top"]} for r in searched if r["ranks"]["search (CLI)"] != 1],
            "search_ms_median": round(1000 * statistics.median(latency), 1) if latency else None,
            "cli_seconds": cli}


def markdown(r: dict[str, Any]) -> str:
    q = r["queries"]
    lines = [
        f"{q['all']} paraphrased requests (bench/fixtures/paraphrases.json, our wording; {q['dev']} `dev` queries "
        f"looked at while changing the search, {q['heldout']} `heldout` ones written after the change and only "
        f"measured) for imported GenSim tasks, searched in the library `gensim tasks search` sees after the import "
        f"({r['library']} tasks: {r['imported']} imported, the rest built-in); median {r['search_ms_median']} ms "
        f"per search in process (model loaded); `gensim tasks search` as a command, wall (CPU) seconds on the "
        f"shared machine: {r['cli_seconds'][0]['wall_s']} ({r['cli_seconds'][0]['cpu_s']}) the first time after "
        f"the import (it embeds the new tasks into the index), {r['cli_seconds'][1]['wall_s']} "
        f"({r['cli_seconds'][1]['cpu_s']}) after. "
        "Recall@1 / recall@5 / MRR:",
        "",
        "| ranker | " + " | ".join(f"{k} ({q[k]})" for k in r["tables"]) + " | all: recall@1 vs BM25 |",
        "|---|" + "---|" * (len(r["tables"]) + 1),
    ]
    all_table = r["tables"]["all"]
    for name in all_table:
        cells = [f"{t[name]['recall@1']:.2f} / {t[name]['recall@5']:.2f} / {t[name]['mrr']:.2f}"
                 for t in r["tables"].values()]
        base = all_table["BM25"]["recall@1"]
        ratio = all_table[name]["recall@1"] / base if base else float("inf")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f}x |")
    if r["missing"]:
        lines += ["", f"Not admitted, so not searched for: {', '.join(r['missing'])}."]
    return "\n".join(lines)


def write(md: str) -> None:
    write_block(BEGIN, END, "Finding imported tasks by paraphrase", md)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, help="GENSIM_HOME holding the imported tasks")
    parser.add_argument("--out", default=None, help="write the results here as JSON")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    result = run(Path(args.home))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))
    for m in result["misses"]:
        print(f"miss ({m['set']}): {m['task']} (rank {m['rank']}): {m['query']!r} -> {', '.join(m['top'])}")
    md = markdown(result)
    print(md)
    if args.write:
        write(md)


if __name__ == "__main__":
    main()

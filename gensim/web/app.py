"""The browser's routes (Starlette): gallery and search, task page, campaigns, library view,
cached media. Read-only: GET only, no form writes anything; every stored string is escaped."""

from __future__ import annotations

import difflib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from gensim.errors import GensimError
from gensim.web import library as lib
from gensim.web import media, svg
from gensim.web.highlight import highlight_python
from gensim.web.html import esc, page, path_part, qs, tags


@dataclass
class State:
    """What the routes share: the DB, the media cache, the renderer, the MLflow UI's address."""

    url: str | None = None  # task DB URL (None: the configured one)
    media_root: Path | None = None
    renderer: media.Renderer | None = None  # None: never render (pictures must be made up front)
    mlflow_url: str | None = None
    _novelty: dict[tuple[int, ...], dict[int, float]] = field(default_factory=dict)
    _library: tuple[tuple[Any, ...], Any] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def picture(self, name: str, code_hash: str, kind: str = media.PICTURE, alt: str = "") -> str:
        """An <img> of a cached picture, or a placeholder (and a rendering is queued)."""
        state = media.media_state(code_hash, self.media_root)
        present = state.animation if kind == media.ANIMATION else state.picture
        if present:
            return f"<img src='/media/{esc(code_hash)}/{kind}' alt='{esc(alt or name)}' loading=lazy>"
        if state.failed:
            return f"<div class=ph title='{esc(state.failed)}'>no picture: rendering failed</div>"
        if self.renderer is not None:
            self.renderer.ask(name, code_hash)
            return "<div class=ph>rendering…</div>"
        return "<div class=ph>no picture yet (gensim ui --render)</div>"

    def novelty(self, snap: lib.Snapshot) -> dict[int, float]:
        """Version id -> 1 - the highest cosine similarity to another admitted version."""
        import numpy as np

        vectors, docs = self.embeddings()
        key = tuple(d.id for d in docs)
        with self._lock:
            if key in self._novelty:
                return self._novelty[key]
        if len(docs) < 2:
            return {}
        unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        sims = unit @ unit.T
        np.fill_diagonal(sims, -1.0)
        scores = {d.id: float(1.0 - sims[k].max()) for k, d in enumerate(docs)}
        with self._lock:
            self._novelty = {key: scores}
        return scores

    def embeddings(self) -> tuple[Any, list[Any]]:
        """The vectors of the searchable library, as search uses them, and their docs."""
        library = self.library()
        return library.vectors, library.docs

    def library(self) -> Any:
        """The search library of `gensim tasks search` (`search_tasks`: the same docs, index and
        `Library.search`), opened once and kept while the library's docs stay the same (opening
        it checks the whole vector index: seconds at 1,000 tasks; a search is milliseconds)."""
        from gensim.retrieval.adapters import library_docs, open_library

        docs = library_docs(url=self.url)
        key = tuple((d.id, d.name, d.version, d.description, d.tags, d.origin, d.status) for d in docs)
        with self._lock:
            if self._library is None or self._library[0] != key:
                self._library = (key, open_library(docs))
            return self._library[1]

def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def _filters(request: Request) -> lib.Filters:
    p = request.query_params
    sort = p.get("sort", "date")
    return lib.Filters(origin=p.get("origin", ""), campaign=_int(p.get("campaign")), status=p.get("status", ""),
                       stage=p.get("stage", ""), tag=p.get("tag", ""), sort=sort if sort in lib.SORTS else "date",
                       page=max(1, _int(p.get("page"), 1) or 1))


def _select(name: str, current: str, values: Sequence[str], blank: str) -> str:
    options = [f"<option value=''>{esc(blank)}</option>"] + [
        f"<option value='{esc(v)}'{' selected' if v == current else ''}>{esc(v)}</option>" for v in values]
    return f"<select name={name} aria-label={name}>{''.join(options)}</select>"


def _card(state: State, card: lib.Card) -> str:
    v = card.version
    rate = f"expert {v.success_rate:.0%}" if v.success_rate is not None else ""
    verdict = (f"<span class=bad>rejected at {esc(v.rejection_stage)}</span>" if v.status == "rejected"
               else f"<span class={'ok' if v.status == 'admitted' else 'muted'}>{esc(v.status)}</span>")
    score = f" · score {card.score:.3f}" if card.score is not None else ""
    link = f"/task/{esc(path_part(v.name))}?version={v.version}"
    return (f"<div class=card data-task='{esc(v.name)}'><a href='{link}'>{state.picture(v.name, v.code_hash)}</a>"
            f"<h3><a href='{link}'>{esc(v.name)}</a> <span class=muted>v{v.version}</span></h3>"
            f"<div class=muted>{esc(card.label)}{score}</div><div>{verdict} <span class=muted>{rate}</span></div>"
            f"<div>{tags(list(v.tags))}</div></div>")


def gallery(request: Request) -> HTMLResponse:
    state: State = request.app.state.web
    f = _filters(request)
    query = request.query_params.get("q", "").strip()
    snap = lib.Snapshot.read(state.url)
    if query:
        try:
            hits = state.library().search(query[:500], lib.PAGE_SIZE, origin=f.origin or None,
                                          tags=[f.tag] if f.tag else ())
        except GensimError as err:
            return HTMLResponse(page("search", f"<p class=bad>{esc(err)}</p>"), status_code=400)
        index = snap.by_id()
        found = [lib.Card(index[h.doc.id], lib.label_of(index[h.doc.id]), h.score) for h in hits if h.doc.id in index]
    else:
        found = lib.cards(snap, f, state.novelty(snap) if f.sort == "novelty" else None)
    menus = lib.choices(snap)
    params = {"q": query, "origin": f.origin, "campaign": f.campaign, "status": f.status, "stage": f.stage,
              "tag": f.tag, "sort": f.sort}
    form = (f"<form class=filters method=get action=/><input name=q value='{esc(query)}' placeholder='search' size=24>"
            + _select("origin", f.origin, menus["origin"], "any origin")
            + _select("campaign", str(f.campaign or ""), menus["campaign"], "any campaign")
            + _select("status", f.status, ["admitted", "rejected", "candidate"], "any status")
            + _select("stage", f.stage, menus["stage"], "any stage")
            + _select("tag", f.tag, menus["tag"], "any tag")
            + _select("sort", f.sort, lib.SORTS, "sort") + "<button>show</button></form>")
    pages = max(1, -(-len(found) // lib.PAGE_SIZE))
    shown = found[(f.page - 1) * lib.PAGE_SIZE: f.page * lib.PAGE_SIZE]
    pager = "".join(f"<a href='/?{esc(qs({**params, 'page': n}))}'>{'<b>' if n == f.page else ''}{n}"
                    f"{'</b>' if n == f.page else ''}</a>" for n in range(1, pages + 1))
    heading = (f"<p>{len(found)} result(s) for “{esc(query)}” (same ranking as gensim tasks search)</p>" if query
               else f"<p>{len(found)} task(s)</p>")
    body = (form + heading + "<div class=cards>" + "".join(_card(state, c) for c in shown) + "</div>"
            + (f"<p class=pager>page {pager}</p>" if pages > 1 else ""))
    return HTMLResponse(page("gallery", body))


def task_page(request: Request) -> HTMLResponse:
    from gensim.db import provenance as prov
    from gensim.db import repository as repo
    from gensim.generation.candidate import STAGES

    state: State = request.app.state.web
    name = request.path_params["name"]
    try:
        task = repo.get_task(name, url=state.url)
        versions = repo.list_versions(name, url=state.url)
    except GensimError as err:
        return HTMLResponse(page("unknown task", f"<p class=bad>{esc(err)}</p>"), status_code=404)
    if not versions:
        return HTMLResponse(page(name, "<p>no versions</p>"), status_code=404)
    wanted = _int(request.query_params.get("version"))
    admitted = [v for v in versions if v.status == "admitted"]
    v = next((x for x in versions if x.version == wanted), None) or (admitted or versions)[-1]
    snap = lib.Snapshot.read(state.url)
    summary = snap.by_id()[int(v.id or 0)]
    results = {int(x.id or 0): prov.validation_results(int(x.id or 0), url=state.url) for x in versions}
    stages = list(STAGES) + sorted({r.stage for rs in results.values() for r in rs} - set(STAGES))
    used = [s for s in stages if any(r.stage == s for rs in results.values() for r in rs)]

    rows = []
    for x in versions:
        by_stage = {r.stage: r for r in results[int(x.id or 0)]}
        cells = "".join(
            "<td></td>" if s not in by_stage else
            f"<td class={'ok' if by_stage[s].passed else 'bad'} title='{esc(by_stage[s].error or '')}'>"
            f"{'pass' if by_stage[s].passed else 'fail'}</td>" for s in used)
        reason = f"{esc(x.rejection_stage)}: {esc(x.rejection_reason)}" if x.status == "rejected" else ""
        rows.append(f"<tr><td><a href='?version={x.version}'>v{x.version}</a></td><td>{esc(x.status)}</td>{cells}"
                    f"<td class=reason>{reason}</td></tr>")
    verdicts = ("<table class=verdicts><tr><th>version</th><th>status</th>"
                + "".join(f"<th>{esc(s)}</th>" for s in used) + "<th>rejection</th></tr>" + "".join(rows) + "</table>")

    warnings = [str(w) for r in results[int(v.id or 0)] for w in (r.details or {}).get("warnings", [])
                if isinstance(r.details, dict) and isinstance((r.details or {}).get("warnings"), list)]
    errors = [r for r in results[int(v.id or 0)] if r.error]

    nodes, edges = lib.lineage(int(v.id or 0), snap, state.url)
    graph = svg.lineage_graph([(n.id, n.name, f"v{n.version} {n.status}", n.origin) for n in nodes], edges,
                              int(v.id or 0)) if edges else "<p class=muted>no parents or children</p>"

    a = _int(request.query_params.get("a"))
    b = _int(request.query_params.get("b"))
    diff_html = ""
    numbers = [x.version for x in versions]
    if len(versions) > 1:
        old = next((x for x in versions if x.version == a), versions[-2])
        new = next((x for x in versions if x.version == b), versions[-1])
        lines = difflib.unified_diff(old.code.splitlines(), new.code.splitlines(), f"v{old.version}",
                                     f"v{new.version}", lineterm="")
        out = []
        for line in lines:
            kind = "add" if line.startswith("+") else "del" if line.startswith("-") else (
                "hunk" if line.startswith("@@") else "")
            out.append(f"<span class='{kind}'>{esc(line)}</span>")
        pick = (f"<form method=get><input type=hidden name=version value={v.version}>"
                + _select("a", str(old.version), [str(n) for n in numbers], "from")
                + _select("b", str(new.version), [str(n) for n in numbers], "to") + "<button>diff</button></form>")
        diff_html = (f"<h2>Diff v{old.version} → v{new.version}</h2>{pick}<pre class='code diff'>"
                     + ("\n".join(out) or "(same code)") + "</pre>")

    datasets = prov.datasets_for_version(int(v.id or 0), url=state.url)
    policies = prov.checkpoints_for_version(int(v.id or 0), url=state.url)
    runs = [("version", v.mlflow_run_id)] + [(f"dataset {d.name}", d.mlflow_run_id) for d in datasets] + [
        (f"policy {c.registered_model_name or c.id}", c.mlflow_run_id) for c in policies]
    run_items = "".join(f"<li>{esc(what)}: {_run_link(state, run)}</li>" for what, run in runs if run)

    label = lib.label_of(summary)
    campaign = (f" · <a href='/campaign/{v.campaign_id}'>campaign {v.campaign_id}</a>"
                if v.campaign_id is not None else "")
    status = (f"<span class=bad>rejected at {esc(v.rejection_stage)}</span>: {esc(v.rejection_reason)}"
              if v.status == "rejected" else f"<span class=ok>{esc(v.status)}</span>")
    rate = f" · expert success {v.success_rate:.0%} over {len(v.seeds)} seeds" if v.success_rate is not None else ""
    body = (
        f"<h1>{esc(task.name)} <span class=muted>v{v.version}</span></h1>"
        f"<p>{esc(label)}{campaign} · {status}{rate}</p><p>{tags(list(task.tags))}</p>"
        f"<figure class=rollout>{state.picture(task.name, v.code_hash, media.ANIMATION, 'expert rollout')}"
        f"<figcaption>{esc(v.description)}</figcaption></figure>"
        f"<h2>Versions and verdicts</h2>{verdicts}"
        + ("<h2>Checker warnings</h2><ul class=warnings>" + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul>"
           if warnings else "")
        + ("<h2>Errors</h2><ul class=errors>" + "".join(f"<li>{esc(r.stage)}: {esc(r.error)}</li>" for r in errors)
           + "</ul>" if errors else "")
        + f"<h2>Lineage</h2>{graph}"
        + "<h2>Made from it</h2><ul>"
        + "".join(f"<li>dataset {esc(d.name)} ({esc(d.split)}, {d.n_episodes} episodes)</li>" for d in datasets)
        + "".join(f"<li>policy {esc(c.registered_model_name or c.path)}</li>" for c in policies)
        + ("" if datasets or policies else "<li class=muted>no datasets or policies yet</li>") + "</ul>"
        + (f"<h2>MLflow runs</h2><ul>{run_items}</ul>" if run_items else "")
        + f"<h2>Code</h2>{highlight_python(v.code)}{diff_html}"
    )
    return HTMLResponse(page(task.name, body))


def _run_link(state: State, run_id: str) -> str:
    from gensim.tracking.tracker import UI_VIEW_QUERY

    if state.mlflow_url:  # the MLflow UI's direct run route, in its classic (runs) view
        link = f"{state.mlflow_url}/#/runs/{path_part(run_id)}?{UI_VIEW_QUERY}"
        return f"<a href='{esc(link)}'>{esc(run_id)}</a>"
    return esc(run_id)


def campaigns(request: Request) -> HTMLResponse:
    from gensim.db import provenance as prov

    state: State = request.app.state.web
    rows = "".join(f"<tr><td><a href='/campaign/{c.id}'>{c.id}</a></td><td>{esc(c.mode)}</td><td>{esc(c.target)}</td>"
                   f"<td>{esc(c.provider)}/{esc(c.model)}</td><td>{esc(c.status)}</td><td>{esc(c.created_at)}</td></tr>"
                   for c in prov.list_campaigns(url=state.url))
    body = ("<h1>Campaigns</h1><table><tr><th>id</th><th>mode</th><th>target</th><th>model</th><th>status</th>"
            f"<th>started</th></tr>{rows}</table>")
    return HTMLResponse(page("campaigns", body))


def campaign_page(request: Request) -> HTMLResponse:
    from gensim.db import provenance as prov
    from gensim.generation.candidate import STAGES

    state: State = request.app.state.web
    campaign_id = _int(request.path_params["id"]) or 0
    try:
        c = prov.get_campaign(campaign_id, url=state.url)
    except GensimError as err:
        return HTMLResponse(page("unknown campaign", f"<p class=bad>{esc(err)}</p>"), status_code=404)
    snap = lib.Snapshot.read(state.url)
    mine = sorted((v for v in snap.versions if v.campaign_id == campaign_id), key=lambda v: (v.created_at, v.id))
    admitted = [v for v in mine if v.status == "admitted"]
    steps = []
    for k, v in enumerate(admitted):
        arrow = "<span class=arrow>→</span>" if k else ""
        steps.append(f"{arrow}<figure class=step><a href='/task/{esc(path_part(v.name))}?version={v.version}'>"
                     f"{state.picture(v.name, v.code_hash)}</a><figcaption>{esc(v.name)}</figcaption></figure>")
    target = f" toward <a href='/task/{esc(path_part(c.target))}'>{esc(c.target)}</a>" if c.target else ""
    rejected = "".join(f"<li><a href='/task/{esc(path_part(v.name))}?version={v.version}'>{esc(v.name)} v{v.version}</a>"
                       f" at {esc(v.rejection_stage)}: {esc((v.rejection_reason or '')[:300])}</li>"
                       for v in mine if v.status == "rejected")
    body = (f"<h1>Campaign {c.id}</h1><p>{esc(c.mode)}{target} · {esc(c.provider)}/{esc(c.model)} · "
            f"{esc(c.status)}</p><h2>Curriculum</h2><div class='path curriculum'>{''.join(steps) or 'nothing admitted'}</div>"
            f"<h2>Funnel</h2>{svg.bars(lib.funnel(campaign_id, snap, STAGES, state.url))}"
            + (f"<h2>Rejected</h2><ul>{rejected}</ul>" if rejected else ""))
    return HTMLResponse(page(f"campaign {c.id}", body))


def library_view(request: Request) -> HTMLResponse:
    state: State = request.app.state.web
    snap = lib.Snapshot.read(state.url)
    tables = "".join(f"<h2>{esc(title)}</h2>{svg.bars(sorted(counter.items()))}"
                     for title, counter in lib.counts(snap).items())
    vectors, docs = state.embeddings()
    points = svg.pca_2d(vectors)
    legend = " ".join(f"<span style='color:{colour}'>● {esc(o)}</span>" for o, colour in svg.ORIGIN_COLOURS.items())
    body = (f"<h1>Library</h1>{tables}<h2>Diversity: embeddings on their two main axes</h2><p>{legend}</p>"
            + svg.scatter(points, [d.name for d in docs], [d.origin for d in docs]))
    return HTMLResponse(page("library", body))


def media_file(request: Request) -> Response:
    state: State = request.app.state.web
    kind = request.path_params["kind"]
    try:
        folder = media.media_dir(request.path_params["hash"], state.media_root)
    except ValueError:
        return Response("not found", status_code=404)
    path = folder / kind
    if kind not in (media.PICTURE, media.ANIMATION) or not path.is_file():
        return Response("not found", status_code=404)
    return FileResponse(path, headers={"Cache-Control": "max-age=86400"})


def make_app(state: State | None = None) -> Starlette:
    """The browser as an ASGI app over `state` (the configured DB and home by default)."""
    app = Starlette(routes=[
        Route("/", gallery),
        Route("/task/{name}", task_page),
        Route("/campaigns", campaigns),
        Route("/campaign/{id}", campaign_page),
        Route("/library", library_view),
        Route("/media/{hash}/{kind}", media_file),
    ])
    app.state.web = state or State()
    return app

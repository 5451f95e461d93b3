"""The browser's reads: gallery cards with filters, sorting and pages, the library's counts and
a campaign's funnel, from `gensim.db.browse` (no code read) and the repository."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from gensim.db.browse import VersionSummary, lineage_edges, stage_outcomes, version_summaries
from gensim.tasks.names import origin_label

PAGE_SIZE = 48  # cards per gallery page
SORTS = ("date", "name", "novelty")


@dataclass(frozen=True)
class Filters:
    """What the gallery shows: empty fields keep everything."""

    origin: str = ""
    campaign: int | None = None
    status: str = ""  # admitted | rejected | candidate
    stage: str = ""  # the rejection stage (with status rejected)
    tag: str = ""
    sort: str = "date"
    page: int = 1


@dataclass(frozen=True)
class Card:
    """One task in the gallery: the version shown and how it is labelled."""

    version: VersionSummary
    label: str
    score: float | None = None  # search score, when the card is a search hit


@dataclass
class Snapshot:
    """Every version summary, read once per request (a few thousand small rows at most)."""

    versions: list[VersionSummary]
    by_task: dict[int, list[VersionSummary]] = field(default_factory=dict)

    @classmethod
    def read(cls, url: str | None = None) -> Snapshot:
        snap = cls(version_summaries(url=url))
        for v in snap.versions:
            snap.by_task.setdefault(v.task_id, []).append(v)
        return snap

    def by_id(self) -> dict[int, VersionSummary]:
        return {v.id: v for v in self.versions}


def label_of(v: VersionSummary) -> str:
    """The origin label the CLI prints (`built-in`, `generated (campaign 3, offline/x)`)."""
    return origin_label(v.origin, provider=v.provider, model=v.model, campaign_id=v.campaign_id)


def shown_version(versions: Sequence[VersionSummary], f: Filters) -> VersionSummary | None:
    """The version a card shows: the newest one that fits the filters; without a status filter,
    the newest admitted one, else the newest."""
    fits = [v for v in versions
            if (not f.status or v.status == f.status)
            and (not f.stage or v.rejection_stage == f.stage)
            and (f.campaign is None or v.campaign_id == f.campaign)]
    if not fits:
        return None
    if not f.status:
        admitted = [v for v in fits if v.status == "admitted"]
        if admitted:
            return admitted[-1]
    return fits[-1]


def cards(snap: Snapshot, f: Filters, novelty: dict[int, float] | None = None) -> list[Card]:
    """Every card that fits `f`, sorted (date: newest first; novelty: most novel first)."""
    found: list[Card] = []
    for versions in snap.by_task.values():
        first = versions[0]
        if f.origin and first.origin != f.origin:
            continue
        if f.tag and f.tag not in first.tags:
            continue
        v = shown_version(versions, f)
        if v is not None:
            found.append(Card(v, label_of(v)))
    if f.sort == "name":
        found.sort(key=lambda c: c.version.name)
    elif f.sort == "novelty" and novelty is not None:
        found.sort(key=lambda c: (-novelty.get(c.version.id, 0.0), c.version.name))
    else:
        found.sort(key=lambda c: (c.version.created_at, c.version.id), reverse=True)
    return found


def choices(snap: Snapshot) -> dict[str, list[str]]:
    """The values the filter menus offer."""
    return {
        "origin": sorted({v.origin for v in snap.versions}),
        "campaign": [str(c) for c in sorted({v.campaign_id for v in snap.versions if v.campaign_id is not None})],
        "stage": sorted({v.rejection_stage for v in snap.versions if v.rejection_stage}),
        "tag": sorted({t for v in snap.versions for t in v.tags}),
    }


def counts(snap: Snapshot) -> dict[str, Counter[str]]:
    """Tasks by origin, versions by status, and rejected versions by stage."""
    return {
        "tasks by origin": Counter(vs[0].origin for vs in snap.by_task.values()),
        "versions by status": Counter(v.status for v in snap.versions),
        "rejections by stage": Counter(v.rejection_stage or "?" for v in snap.versions if v.status == "rejected"),
    }


def funnel(campaign_id: int, snap: Snapshot, stages: Sequence[str], url: str | None = None) -> list[tuple[str, int]]:
    """How many of a campaign's candidates passed each stage, in pipeline order."""
    mine = {v.id for v in snap.versions if v.campaign_id == campaign_id}
    passed: dict[str, set[int]] = defaultdict(set)
    for version_id, stage, ok in stage_outcomes(url=url):
        if version_id in mine and ok:
            passed[stage].add(version_id)
    rows = [("candidates", len(mine))]
    rows += [(s, len(passed[s])) for s in stages if s in passed]
    rows.append(("admitted", sum(1 for v in snap.versions if v.id in mine and v.status == "admitted")))
    return rows


LINEAGE_NODES = 40  # at most this many versions in a lineage graph (nearest first)


def lineage(version_id: int, snap: Snapshot, url: str | None = None, depth: int = 3
            ) -> tuple[list[VersionSummary], list[tuple[int, int, str]]]:
    """The versions within `depth` links of `version_id` (parents and children, nearest first,
    at most `LINEAGE_NODES`) and the links between them."""
    edges = lineage_edges(url=url)
    near: dict[int, None] = {version_id: None}  # ordered: nearest first
    frontier = {version_id}
    for _ in range(depth):
        grown = [other for child, parent, _rel in edges for mine, other in ((child, parent), (parent, child))
                 if mine in frontier and other not in near]
        for other in grown:
            if len(near) >= LINEAGE_NODES:
                break
            near[other] = None
        frontier = set(grown) & set(near)
        if not frontier:
            break
    kept = sorted((c, p, r) for c, p, r in edges if c in near and p in near)
    index = snap.by_id()
    return [index[i] for i in near if i in index], kept

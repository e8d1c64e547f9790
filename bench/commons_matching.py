"""How well the commons' matching finds related incidents, on two public sets:

- the MITRE ATLAS case studies (ATLAS.yaml, Apache-2.0, (c) The MITRE
  Corporation): two case studies are related when they share at least
  ATLAS_SHARED techniques; each one's summary is ranked against the others
  (a) by text only, (b) by the full match with its techniques hidden from the
  query, (c) by the full match;
- the AVID reports (MIT, AI Vulnerability Database): two reports are related
  when they share a SEP code; harm types come from their risk domains, so (b)
  hides the harm types from the query.

P@5 is the share of related items among the first five ranked, out of at most
the number related (queries with none related are left out). Where parameters
are chosen (text analyzer and n-grams, facet weights, threshold), the
leave-one-out figure chooses them on all the other queries and scores the
held-out one. Run from the repository root:

    PYTHONPATH=src python bench/commons_matching.py
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml
from rich.console import Console
from rich.table import Table

from agilegov.commons.matching import (
    DEFAULT_THRESHOLD,
    DEFAULT_WEIGHTS,
    HARM_TYPES,
    PARENT_TECHNIQUES,
    RISK_CATEGORIES,
    TECHNIQUES,
    TEXT,
    IncidentFacts,
    Index,
    Profile,
    Settings,
    TextSettings,
)

ROOT = Path(__file__).resolve().parents[1]
# The shared data beside the checkout.
DATA = ROOT.parent / "shared" / "data" / "incidents"
ATLAS_SHARED = 3
TOP = 5
# AVID's risk domains, as the harm types they stand for.
AVID_HARMS = {"Ethics": "fairness", "Performance": "safety", "Security": "security"}

TEXT_CHOICES = (
    TextSettings("word", (1, 1)),
    TextSettings("word", (1, 2)),
    TextSettings("char_wb", (2, 4)),
    TextSettings("char_wb", (2, 5)),
    TextSettings("char_wb", (3, 5)),
)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.81, 0.05))

console = Console(emoji=False)
if not console.is_terminal:  # piped or redirected: room for the whole table
    console = Console(emoji=False, width=160)


@dataclass(frozen=True)
class Item:
    profile: Profile
    query: IncidentFacts
    labels: frozenset[str]


@dataclass(frozen=True)
class Collection:
    name: str
    items: list[Item]
    related: np.ndarray  # items x items, True where related (never an item to itself)
    hidden: Callable[[IncidentFacts], IncidentFacts]


def atlas(path: Path) -> Collection:
    studies = yaml.safe_load(path.read_text())["case-studies"]
    items = []
    for number, study in enumerate(studies):
        techniques = frozenset(step["technique"] for step in study["procedure"])
        summary = study["summary"]
        items.append(
            Item(
                Profile(key=number, techniques=techniques, text=f"{study['name']}\n{summary}"),
                IncidentFacts(techniques=techniques, text=summary),
                techniques,
            )
        )
    related = np.array(
        [
            [i != j and len(a.labels & b.labels) >= ATLAS_SHARED for j, b in enumerate(items)]
            for i, a in enumerate(items)
        ]
    )
    return Collection(
        f"ATLAS ({len(items)} case studies, related: >= {ATLAS_SHARED} shared techniques)",
        items,
        related,
        lambda query: replace(query, techniques=frozenset()),
    )


def avid(folder: Path) -> Collection:
    items = []
    for number, path in enumerate(sorted(folder.glob("*.json"))):
        report = json.loads(path.read_text())
        impact = report["impact"]["avid"]
        codes = frozenset(code.split(":")[0] for code in impact["sep_view"])
        harms = frozenset(AVID_HARMS[d] for d in impact["risk_domain"])
        problem = report["problemtype"]["description"]["value"]
        text = f"{problem}\n{(report.get('description') or {}).get('value', '')}"
        items.append(
            Item(
                Profile(key=number, harm_types=harms, text=text),
                IncidentFacts(harm_types=harms, text=text),
                codes,
            )
        )
    related = np.array(
        [
            [i != j and bool(a.labels & b.labels) for j, b in enumerate(items)]
            for i, a in enumerate(items)
        ]
    )
    return Collection(
        f"AVID ({len(items)} reports, related: a shared SEP code)",
        items,
        related,
        lambda query: replace(query, harm_types=frozenset()),
    )


def all_scores(collection: Collection, settings: Settings, hide: bool = False) -> np.ndarray:
    """items x items: each item's query scored against every profile."""
    index = Index.build([item.profile for item in collection.items], settings)
    rows = []
    for item in collection.items:
        query = collection.hidden(item.query) if hide else item.query
        rows.append(index.scores(query))
    return np.array(rows)


def precision_at_top(collection: Collection, scores: np.ndarray) -> np.ndarray:
    """P@5 of each query with something related (NaN for the others)."""
    results = np.full(len(scores), np.nan)
    for i, row in enumerate(scores):
        wanted = collection.related[i].sum()
        if not wanted:
            continue
        row = row.copy()
        row[i] = -np.inf
        keys = np.arange(len(row))
        top = np.lexsort((keys, -row))[:TOP]
        results[i] = collection.related[i, top].sum() / min(TOP, wanted)
    return results


def leave_one_out(per_setting: np.ndarray) -> float:
    """settings x queries of P@5: each query scored with the setting best on the others."""
    queries = ~np.isnan(per_setting[0])
    values = np.nan_to_num(per_setting)
    totals = values[:, queries].sum(axis=1)
    held_out = []
    for q in np.flatnonzero(queries):
        others = (totals - values[:, q]) / (queries.sum() - 1)
        held_out.append(values[int(np.argmax(others)), q])
    return float(np.mean(held_out))


def weight_grid(collection: Collection) -> list[dict[str, float]]:
    base = {facet: 0.0 for facet in DEFAULT_WEIGHTS}
    grid = []
    for technique, parent, harm, text in itertools.product(
        (0.0, 1.0, 2.0, 4.0, 8.0), (0.0, 0.5, 1.0), (0.0, 0.5, 1.0, 2.0), (1.0, 2.0)
    ):
        if collection.name.startswith("AVID") and (technique or parent):
            continue  # AVID has no techniques
        if collection.name.startswith("ATLAS") and harm:
            continue  # nor ATLAS harm types
        grid.append(
            base
            | {
                TECHNIQUES: technique,
                PARENT_TECHNIQUES: parent,
                HARM_TYPES: harm,
                RISK_CATEGORIES: harm,
                TEXT: text,
            }
        )
    return grid


def best_threshold(scores: np.ndarray, related: np.ndarray, pairs: np.ndarray) -> float:
    return max(THRESHOLDS, key=lambda t: f1(scores, related, pairs, t))


def f1(scores: np.ndarray, related: np.ndarray, pairs: np.ndarray, threshold: float) -> float:
    found = (scores >= threshold) & pairs
    true = (found & related).sum()
    if not true:
        return 0.0
    precision, recall = true / found.sum(), true / (related & pairs).sum()
    return float(2 * precision * recall / (precision + recall))


def evaluate(collection: Collection) -> list[tuple[str, str, str, str]]:
    text_only = {TEXT: 1.0}
    text_runs = np.array(
        [
            precision_at_top(collection, all_scores(collection, Settings(text_only, choice)))
            for choice in TEXT_CHOICES
        ]
    )
    default = Settings()
    rows = []
    for choice, run in zip(TEXT_CHOICES, text_runs, strict=True):
        label = f"(a) text only, {choice.analyzer} {choice.ngram_range[0]}-{choice.ngram_range[1]}"
        rows.append((label, f"{np.nanmean(run):.3f}", "", ""))
    rows.append(
        ("(a) text only, analyzer chosen on the others", "", f"{leave_one_out(text_runs):.3f}", "")
    )
    hidden = precision_at_top(collection, all_scores(collection, default, hide=True))
    rows.append(
        (
            "(b) full match, defaults, the query's own facet hidden",
            f"{np.nanmean(hidden):.3f}",
            "",
            "",
        )
    )
    full_scores = all_scores(collection, default)
    full = precision_at_top(collection, full_scores)
    rows.append(("(c) full match, defaults", f"{np.nanmean(full):.3f}", "", ""))

    grid = [
        Settings(weights, text)
        for weights in weight_grid(collection)
        for text in (TEXT_CHOICES[4], TEXT_CHOICES[0])
    ]
    runs = np.array([precision_at_top(collection, all_scores(collection, s)) for s in grid])
    best = grid[int(np.nanargmax(np.nanmean(runs, axis=1)))]
    named = ", ".join(f"{k} {v:g}" for k, v in best.weights.items() if v)
    rows.append(
        (
            f"(c) full match, weights and analyzer chosen ({len(grid)} settings): best {named}, "
            f"{best.text.analyzer}",
            f"{np.nanmax(np.nanmean(runs, axis=1)):.3f}",
            f"{leave_one_out(runs):.3f}",
            "",
        )
    )

    pairs = ~np.eye(len(full_scores), dtype=bool)
    chosen = best_threshold(full_scores, collection.related, pairs)
    true = found = wanted = 0
    for q in range(len(full_scores)):
        others = pairs.copy()
        others[q, :] = others[:, q] = False
        threshold = best_threshold(full_scores, collection.related, others)
        row = full_scores[q] >= threshold
        row[q] = False
        true += int((row & collection.related[q]).sum())
        found += int(row.sum())
        wanted += int(collection.related[q].sum())
    held_f1 = 2 * true / (found + wanted) if found + wanted else 0.0
    rows.append(
        (
            f"threshold, full match, defaults: F1 of related pairs at {DEFAULT_THRESHOLD} "
            f"(best {chosen}; leave-one-out: chosen on the other queries' pairs)",
            f"{f1(full_scores, collection.related, pairs, DEFAULT_THRESHOLD):.3f} "
            f"({f1(full_scores, collection.related, pairs, chosen):.3f})",
            f"{held_f1:.3f}",
            "",
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    options = parser.parse_args()
    collections: Sequence[Collection] = (
        atlas(options.data / "atlas" / "ATLAS.yaml"),
        avid(options.data / "avid" / "reports"),
    )
    table = Table(title="agilegov commons matching: mean P@5 of related incidents")
    for column in ("set", "ranking", "in sample", "leave-one-out"):
        table.add_column(column)
    for collection in collections:
        related = int(collection.related.any(axis=1).sum())
        for label, sample, held_out, _ in evaluate(collection):
            table.add_row(f"{collection.name}, {related} queries", label, sample, held_out)
        table.add_section()
    console.print(table)
    console.print(
        "Data: MITRE ATLAS (Apache-2.0, The MITRE Corporation); AVID (MIT, AI Vulnerability "
        "Database). Defaults: " + ", ".join(f"{k} {v:g}" for k, v in DEFAULT_WEIGHTS.items())
    )


if __name__ == "__main__":
    main()

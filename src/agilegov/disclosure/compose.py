"""Compose a transparency report from what the platform holds of a scope over a
period: sections of figures (each with the source it was read from) and items,
by template. The author adds explanations only; figures come from here.

Pure: the facts are read by ``reports`` and handed in as JSON values."""

from collections.abc import Mapping, Sequence
from typing import Any

from agilegov.disclosure.report_templates import (
    GENERAL,
    HAIP_SOURCES,
    Title,
)

Json = dict[str, Any]


def _figure(key: str, label: Title, value: float | None, source: str) -> Json:
    return {"key": key, "label": label.as_json(), "value": value, "source": source}


def _item(key: str, title: str, facts: Json, source: str) -> Json:
    return {"key": key, "title": title, "facts": facts, "source": source}


def _numbers(prefix: str, value: Any) -> list[tuple[str, float]]:
    """The numeric leaves of a JSON value, by dotted path (flags are not numbers)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [(prefix, value)]
    if isinstance(value, Mapping):
        return [
            pair for name, inner in value.items() for pair in _numbers(f"{prefix}.{name}", inner)
        ]
    return []


def _goals(facts: Json, scope_id: int) -> tuple[list[Json], list[Json]]:
    goals = facts["goals"]
    figures = [
        _figure("goals.count", Title("目標の数", "Goals"), len(goals), f"/scopes/{scope_id}/goals")
    ]
    items = []
    for goal in goals:
        source = f"/scopes/{scope_id}/goals/{goal['id']}"
        for name, label in (
            ("acceptable_level", Title("許容水準", "Acceptable level")),
            ("target", Title("目標値", "Target")),
        ):
            if goal[name] is not None:
                figures.append(_figure(f"goal-{goal['id']}.{name}", label, goal[name], source))
        items.append(_item(f"goal-{goal['id']}", goal["title"], goal, source))
    return figures, items


def _indicators(facts: Json, scope_id: int) -> tuple[list[Json], list[Json]]:
    indicators = facts["indicators"]
    figures = [
        _figure(
            "indicators.breach_episodes",
            Title("期間中に始まった逸脱", "Breach episodes opened in the period"),
            sum(row["breach_episodes_opened"] for row in indicators),
            f"/scopes/{scope_id}/indicators",
        )
    ]
    items = []
    for row in indicators:
        source = f"/indicators/{row['id']}/monitoring"
        key = f"indicator-{row['id']}"
        for name, label in (
            ("evaluations", Title("評価の回数", "Evaluations")),
            ("latest_value", Title("最新の値", "Latest value")),
            ("worst_value", Title("最悪の値", "Worst value")),
            ("breach_episodes_opened", Title("逸脱の回数", "Breach episodes")),
        ):
            figures.append(_figure(f"{key}.{name}", label, row[name], source))
        items.append(_item(key, row["name"], row, source))
    return figures, items


def _measures(facts: Json, scope_id: int) -> tuple[list[Json], list[Json]]:
    source = f"/scopes/{scope_id}/measures"
    in_force, changes = facts["measures_in_force"], facts["measure_changes"]
    figures = [
        _figure(
            "measures.in_force", Title("実施中の対策", "Measures in force"), len(in_force), source
        ),
        _figure(
            "measures.changes", Title("対策の変更", "Changes to measures"), len(changes), source
        ),
    ]
    items = [
        _item(
            f"measure-{measure['id']}",
            measure["title"],
            {**measure, "changes": [c for c in changes if c["id"] == measure["id"]]},
            f"{source}/{measure['id']}",
        )
        for measure in in_force
    ]
    return figures, items


def _reviews(facts: Json, scope_id: int) -> tuple[list[Json], list[Json]]:
    reviews, transitions = facts["reviews"], facts["transitions"]
    history = f"/scopes/{scope_id}/history"

    def loops(loop: str) -> int:
        return sum(1 for row in transitions if row["loop"] == loop)

    figures = [
        _figure(
            "reviews.count",
            Title("レビュー", "Reviews"),
            len(reviews),
            f"/scopes/{scope_id}/reviews",
        ),
        _figure(
            "cycle.transitions", Title("段階の移行", "Stage transitions"), len(transitions), history
        ),
        _figure("cycle.inner_loops", Title("内側のループ", "Inner loops"), loops("inner"), history),
        _figure("cycle.outer_loops", Title("外側のループ", "Outer loops"), loops("outer"), history),
    ]
    items = [
        _item(f"review-{review['id']}", review["summary"], review, f"/scopes/{scope_id}/reviews")
        for review in reviews
    ]
    return figures, items


_DECISIONS = (
    ("accepted", Title("採用", "Accepted")),
    ("partly", Title("一部採用", "Partly accepted")),
    ("rejected", Title("不採用", "Rejected")),
)


def _consultations(facts: Json, scope_id: int) -> tuple[list[Json], list[Json]]:
    consultations = facts["consultations"]
    source = f"/scopes/{scope_id}/consultations"
    figures = [
        _figure(
            "consultations.count", Title("意見募集", "Consultations"), len(consultations), source
        ),
        _figure(
            "consultations.comments",
            Title("寄せられた意見", "Comments received"),
            sum(row["comments"] for row in consultations),
            source,
        ),
    ]
    figures += [
        _figure(
            f"consultations.responses.{decision}",
            label,
            sum(row["responses"].get(decision, 0) for row in consultations),
            source,
        )
        for decision, label in _DECISIONS
    ]
    items = [
        _item(
            f"consultation-{row['id']}", row["title"], row, f"/consultations/{row['id']}/responses"
        )
        for row in consultations
    ]
    return figures, items


def _counted(name: str, label: Title, path: str) -> Any:
    """A section of the numbers another part counts over the period (complaints,
    incidents): each numeric leaf a figure, labelled by its path."""

    def read(facts: Json, scope_id: int) -> tuple[list[Json], list[Json]]:
        source = f"/scopes/{scope_id}/{path}"
        figures = [
            _figure(key, Title(f"{label.ja}: {key}", f"{label.en}: {key}"), value, source)
            for key, value in _numbers(name, facts.get(name, {}))
        ]
        return figures, []

    return read


def _assessments(facts: Json, scope_id: int) -> tuple[list[Json], list[Json]]:
    assessments = facts["assessments"]
    source = f"/scopes/{scope_id}/trust"
    figures = [
        _figure(
            "assessments.completed",
            Title("完了した評価", "Assessments completed"),
            sum(1 for row in assessments if row["status"] == "completed"),
            source,
        ),
        _figure(
            "attestations.issued",
            Title("発行された証明", "Attestations issued"),
            sum(row["attestations"] for row in assessments),
            source,
        ),
    ]
    items = [
        _item(f"assessment-{row['id']}", row["method"], row, f"/assessments/{row['id']}")
        for row in assessments
    ]
    return figures, items


def _requirement_items(framework: Json, scope_id: int) -> list[Json]:
    return [
        _item(
            requirement["ref"],
            requirement["name"],
            requirement,
            f"/scopes/{scope_id}/frameworks#{requirement['ref']}",
        )
        for requirement in framework["requirements"]
    ]


def _applicability(facts: Json, scope_id: int) -> tuple[list[Json], list[Json]]:
    figures, items = [], []
    source = f"/scopes/{scope_id}/frameworks"
    for framework in facts["frameworks"]:
        rows = framework["requirements"]
        version = framework["version"]
        figures += [
            _figure(
                f"applicability.{version}.applicable",
                Title(f"{version}: 適用される要件", f"{version}: requirements that apply"),
                sum(1 for row in rows if row["applicable"]),
                source,
            ),
            _figure(
                f"applicability.{version}.addressed",
                Title(f"{version}: 対応済みの要件", f"{version}: requirements addressed"),
                sum(1 for row in rows if row["applicable"] and row["addressed"]),
                source,
            ),
        ]
        items += _requirement_items(framework, scope_id)
    return figures, items


_READERS = {
    "goals": _goals,
    "indicators": _indicators,
    "measures": _measures,
    "reviews": _reviews,
    "consultations": _consultations,
    "complaints": _counted("complaints", Title("苦情", "Complaints"), "complaints"),
    "incidents": _counted("incidents", Title("インシデント", "Incidents"), "incidents"),
    "assessments": _assessments,
    "applicability": _applicability,
}


def _section(key: str, title: Title, figures: list[Json], items: list[Json]) -> Json:
    return {"key": key, "title": title.as_json(), "figures": figures, "items": items}


def general(facts: Json, scope_id: int) -> list[Json]:
    return [_section(key, title, *_READERS[key](facts, scope_id)) for key, title in GENERAL]


def haip(facts: Json, scope_id: int, sections: Sequence[tuple[str, Title]]) -> list[Json]:
    """The HAIP framework's sections (ref_id and title, as its catalogue has
    them), each with the figures and items of the general sections that answer it."""
    composed = []
    for ref_id, title in sections:
        figures: list[Json] = []
        items: list[Json] = []
        for key in HAIP_SOURCES.get(ref_id, ()):
            more_figures, more_items = _READERS[key](facts, scope_id)
            figures += more_figures
            items += more_items
        composed.append(_section(f"haip-{ref_id}", title, figures, items))
    return composed


def aigb_checklist(facts: Json, scope_id: int, framework: str) -> list[Json]:
    """One section per version of ``framework`` the scope follows: each
    requirement with its applicability, to be explained."""
    followed = [f for f in facts["frameworks"] if f["version"].partition("@")[0] == framework]
    return [
        _section(
            row["version"],
            Title(row["name_ja"] or row["name"], row["name"]),
            [
                _figure(
                    f"applicability.{row['version']}.applicable",
                    Title("適用される要件", "Requirements that apply"),
                    sum(1 for r in row["requirements"] if r["applicable"]),
                    f"/scopes/{scope_id}/frameworks",
                )
            ],
            _requirement_items(row, scope_id),
        )
        for row in followed
    ]


def explanation_keys(sections: Sequence[Json]) -> list[str]:
    """What the author may explain: each section, then each of its items."""
    return [key for s in sections for key in (s["key"], *(item["key"] for item in s["items"]))]


def figure_values(sections: Sequence[Json]) -> dict[str, float | None]:
    return {figure["key"]: figure["value"] for s in sections for figure in s["figures"]}


def year_over_year(
    current: Mapping[str, float | None], previous: Mapping[str, float | None]
) -> dict[str, Json]:
    """For each current figure, the previous report's value of the same key and
    the difference (None where either is missing)."""
    compared = {}
    for key, value in current.items():
        before = previous.get(key)
        difference = None if value is None or before is None else round(value - before, 10)
        compared[key] = {"previous": before, "difference": difference}
    return compared

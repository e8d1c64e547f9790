import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

from agilegov.commons.matching import (
    DEFAULT_THRESHOLD,
    FRAMEWORKS,
    HARM_TYPES,
    PARENT_TECHNIQUES,
    RISK_CATEGORIES,
    SYSTEM_KINDS,
    TECHNIQUES,
    TEXT,
    IncidentFacts,
    Index,
    MatchingInputError,
    Profile,
    Reason,
    Settings,
)

ROOT = Path(__file__).resolve().parents[1]
# The shared data beside the checkout.
INCIDENTS = ROOT.parent / "shared" / "data" / "incidents"

FACETS_ONLY = Settings({f: 1.0 for f in (SYSTEM_KINDS, TECHNIQUES, HARM_TYPES, RISK_CATEGORIES,
                                         FRAMEWORKS)} | {PARENT_TECHNIQUES: 0.5})  # fmt: skip


def one_score(profile: Profile, incident: IncidentFacts, settings: Settings | None = None) -> float:
    return float(Index.build([profile], settings).scores(incident)[0])


@pytest.mark.parametrize(
    ("profile", "incident", "facet", "values"),
    [
        (
            Profile(1, system_kinds=frozenset({"llm", "ranking"})),
            IncidentFacts(system_kinds=frozenset({"llm"})),
            SYSTEM_KINDS,
            ("llm",),
        ),
        (
            Profile(1, techniques=frozenset({"AML.T0051.001"})),
            IncidentFacts(techniques=frozenset({"AML.T0051.001"})),
            TECHNIQUES,
            ("AML.T0051.001",),
        ),
        (
            Profile(1, techniques=frozenset({"AML.T0051"})),
            IncidentFacts(techniques=frozenset({"AML.T0051.001"})),
            PARENT_TECHNIQUES,
            ("AML.T0051",),
        ),
        (
            Profile(1, harm_types=frozenset({"privacy"})),
            IncidentFacts(harm_types=frozenset({"privacy"})),
            HARM_TYPES,
            ("privacy",),
        ),
        (
            Profile(1, risk_categories=frozenset({"privacy", "fairness"})),
            IncidentFacts(harm_types=frozenset({"privacy"})),
            RISK_CATEGORIES,
            ("privacy",),
        ),
        (
            Profile(1, frameworks=frozenset({"aigb"})),
            IncidentFacts(frameworks=frozenset({"aigb", "nist-ai-rmf"})),
            FRAMEWORKS,
            ("aigb",),
        ),
    ],
)
def test_sharing_a_value_of_a_facet_scores_and_is_the_reason(
    profile: Profile, incident: IncidentFacts, facet: str, values: tuple[str, ...]
) -> None:
    index = Index.build([profile], FACETS_ONLY)
    (match,) = index.rank(incident, 5)
    assert match.score > 0
    assert match.reasons == (Reason(facet, values),)


@pytest.mark.parametrize(
    ("profile", "incident"),
    [
        (
            Profile(1, system_kinds=frozenset({"llm"})),
            IncidentFacts(system_kinds=frozenset({"ocr"})),
        ),
        (
            Profile(1, techniques=frozenset({"AML.T0051"})),
            IncidentFacts(techniques=frozenset({"AML.T0043"})),
        ),
        (
            Profile(1, harm_types=frozenset({"safety"})),
            IncidentFacts(harm_types=frozenset({"privacy"})),
        ),
        (Profile(1, frameworks=frozenset({"aigb"})), IncidentFacts(frameworks=frozenset({"oecd"}))),
        (Profile(1, text="credit scoring model"), IncidentFacts(text="xyzzy")),
    ],
)
def test_nothing_shared_scores_nothing(profile: Profile, incident: IncidentFacts) -> None:
    assert one_score(profile, incident) == 0
    assert Index.build([profile]).rank(incident, 5) == []


def test_a_shared_parent_scores_less_than_the_same_technique() -> None:
    incident = IncidentFacts(techniques=frozenset({"AML.T0051.001"}))
    same = one_score(Profile(1, techniques=frozenset({"AML.T0051.001"})), incident)
    parent = one_score(Profile(1, techniques=frozenset({"AML.T0051"})), incident)
    sibling = one_score(Profile(1, techniques=frozenset({"AML.T0051.000"})), incident)
    assert same > parent > 0
    assert parent == pytest.approx(sibling)


def test_harm_types_count_against_both_harm_types_and_risk_categories() -> None:
    incident = IncidentFacts(harm_types=frozenset({"privacy"}))
    both = Profile(1, harm_types=frozenset({"privacy"}), risk_categories=frozenset({"privacy"}))
    one = Profile(2, risk_categories=frozenset({"privacy"}))
    (first, second) = Index.build([one, both]).rank(incident, 5)
    assert (first.key, second.key) == (1, 2)
    assert first.score > second.score > 0
    assert [r.facet for r in first.reasons] == [HARM_TYPES, RISK_CATEGORIES]


def test_text_similarity_is_the_reason_with_its_value() -> None:
    profiles = [
        Profile(1, text="Prompt injection made the customer support chatbot leak data"),
        Profile(2, text="Drift in the demand forecast for the warehouse"),
    ]
    incident = IncidentFacts(text="A prompt injection against our support chatbot")
    first, *_ = Index.build(profiles).rank(incident, 5)
    assert first.key == 1
    (reason,) = first.reasons
    assert reason.facet == TEXT
    assert reason.similarity is not None and 0 < reason.similarity <= 1


def test_japanese_text_matches_japanese_text() -> None:
    profiles = [
        Profile(1, text="採用審査のモデルが応募者を性別で差別するリスク"),
        Profile(2, text="チャットボットが顧客の個人情報を漏洩するリスク"),
        Profile(3, text="Recruitment screening model discriminates by gender"),
    ]
    matches = Index.build(profiles).rank(
        IncidentFacts(text="チャットボットから個人情報が漏洩した"), 3
    )
    assert matches[0].key == 2
    assert all(m.key != 3 for m in matches)


def test_exactly_the_profiles_at_or_above_the_threshold_match() -> None:
    incident = IncidentFacts(harm_types=frozenset({"privacy"}))
    # Cosine of one shared harm type among n of the profile's: 1 / sqrt(n).
    profiles = [
        Profile(n, harm_types=frozenset(["privacy", "safety", "security", "fairness"][:n]))
        for n in (1, 2, 3, 4)
    ]
    only_harm = Settings({HARM_TYPES: 1.0})
    index = Index.build(profiles, only_harm)
    scores = dict(zip([p.key for p in profiles], index.scores(incident), strict=True))
    assert scores == pytest.approx({1: 1.0, 2: 0.5**0.5, 3: 3**-0.5, 4: 0.5})
    assert [m.key for m in index.matches(incident, default_threshold=0.55)] == [1, 2, 3]
    assert [m.key for m in index.matches(incident, default_threshold=0.5)] == [1, 2, 3, 4]
    assert [m.key for m in index.matches(incident, default_threshold=0.8)] == [1]


def test_a_profiles_own_threshold_wins_over_the_default() -> None:
    incident = IncidentFacts(harm_types=frozenset({"privacy"}))
    harms = frozenset({"privacy", "safety", "security", "fairness"})  # score 0.5
    index = Index.build(
        [Profile(1, harm_types=harms), Profile(2, harm_types=harms, threshold=0.9),
         Profile(3, harm_types=harms, threshold=0.1)],
        Settings({HARM_TYPES: 1.0}),
    )  # fmt: skip
    assert [m.key for m in index.matches(incident, default_threshold=0.4)] == [1, 3]
    assert [m.key for m in index.matches(incident, default_threshold=0.6)] == [3]


def test_matches_use_the_default_threshold() -> None:
    incident = IncidentFacts(techniques=frozenset({"AML.T0051"}), text="prompt injection")
    index = Index.build(
        [Profile(1, techniques=frozenset({"AML.T0051"}), text="prompt injection"),
         Profile(2, text="a forecast of demand")]
    )  # fmt: skip
    matches = index.matches(incident)
    assert [m.key for m in matches] == [1]
    assert matches[0].score >= DEFAULT_THRESHOLD
    assert [r.facet for r in matches[0].reasons] == [TECHNIQUES, TEXT]


@pytest.mark.parametrize(
    "profiles",
    [[], [Profile(1)], [Profile(1, text="   "), Profile(2, text="...")]],
)
def test_empty_profiles_match_nothing(profiles: list[Profile]) -> None:
    index = Index.build(profiles)
    incident = IncidentFacts(harm_types=frozenset({"privacy"}), text="a data leak")
    assert index.rank(incident, 5) == []
    assert index.matches(incident, default_threshold=0.0) == []


def test_an_empty_incident_matches_nothing() -> None:
    index = Index.build([Profile(1, harm_types=frozenset({"privacy"}), text="a data leak")])
    assert index.matches(IncidentFacts(), default_threshold=0.0) == []
    assert list(index.scores(IncidentFacts())) == [0.0]


def test_the_same_input_gives_the_same_matches_whatever_the_order() -> None:
    profiles = [
        Profile(key, harm_types=frozenset({"privacy"}), text=f"personal data leak {key % 3}")
        for key in range(30)
    ]
    incident = IncidentFacts(harm_types=frozenset({"privacy"}), text="personal data leak 1")
    first = Index.build(profiles).rank(incident, 12)
    again = Index.build(list(reversed(profiles))).rank(incident, 12)
    assert first == again == Index.build(profiles).rank(incident, 12)
    # Equal scores are listed by key.
    tied = [m for m in first if m.score == first[-1].score]
    assert [m.key for m in tied] == sorted(m.key for m in tied)


def test_shared_incidents_rank_against_an_incident() -> None:
    shared = {
        10: IncidentFacts(techniques=frozenset({"AML.T0051.000"}), text="prompt injection"),
        11: IncidentFacts(harm_types=frozenset({"fairness"}), text="biased hiring model"),
    }
    index = Index.of_incidents(shared)
    (best, *_) = index.rank(IncidentFacts(techniques=frozenset({"AML.T0051.000"})), 5)
    assert best.key == 10
    # An incident shared as it is matches itself fully.
    assert index.rank(shared[11], 1)[0].score == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Profile(1, techniques=frozenset({"T0051"})), "techniques"),
        (lambda: IncidentFacts(techniques=frozenset({"AML.T51"})), "techniques"),
        (lambda: Profile(1, threshold=1.5), "threshold"),
        (lambda: Index.build([Profile(1), Profile(1)]), "key"),
        (lambda: Index.build([Profile(1)]).rank(IncidentFacts(), 0), "limit"),
        (lambda: Settings({"colour": 1.0}), "weights"),
        (lambda: Settings({TEXT: -1.0}), "weights"),
    ],
)
def test_bad_input_is_refused_naming_the_field(make: Callable[[], object], field: str) -> None:
    with pytest.raises(MatchingInputError) as refused:
        make()
    assert refused.value.field == field


# The evaluation on public data (bench/commons_matching.py prints the whole table).
ATLAS_FLOOR = 0.9  # full match; measured 0.996
ATLAS_HIDDEN_FLOOR = 0.35  # techniques hidden from the query; measured 0.411
AVID_FLOOR = 0.9  # harm types hidden from the query; measured 0.972


def mean_precision_at_5(
    profiles: list[Profile], queries: list[IncidentFacts], related: np.ndarray
) -> float:
    index = Index.build(profiles)
    precisions = []
    for i, query in enumerate(queries):
        wanted = related[i].sum()
        if not wanted:
            continue
        scores = index.scores(query)
        scores[i] = -np.inf
        top = np.lexsort((np.arange(len(scores)), -scores))[:5]
        precisions.append(related[i, top].sum() / min(5, wanted))
    return float(np.mean(precisions))


def test_related_atlas_case_studies_rank_first() -> None:
    path = INCIDENTS / "atlas" / "ATLAS.yaml"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    studies = yaml.safe_load(path.read_text())["case-studies"]
    techniques = [frozenset(s["technique"] for s in study["procedure"]) for study in studies]
    profiles = [
        Profile(n, techniques=t, text=f"{s['name']}\n{s['summary']}")
        for n, (s, t) in enumerate(zip(studies, techniques, strict=True))
    ]
    related = np.array(
        [[i != j and len(a & b) >= 3 for j, b in enumerate(techniques)]
         for i, a in enumerate(techniques)]
    )  # fmt: skip
    full = [
        IncidentFacts(techniques=t, text=s["summary"])
        for s, t in zip(studies, techniques, strict=True)
    ]
    hidden = [IncidentFacts(text=s["summary"]) for s in studies]
    assert mean_precision_at_5(profiles, full, related) >= ATLAS_FLOOR
    assert mean_precision_at_5(profiles, hidden, related) >= ATLAS_HIDDEN_FLOOR


def test_avid_reports_of_the_same_kind_rank_first() -> None:
    folder = INCIDENTS / "avid" / "reports"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    reports = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    codes = [frozenset(c.split(":")[0] for c in r["impact"]["avid"]["sep_view"]) for r in reports]
    texts = [
        r["problemtype"]["description"]["value"] + "\n" + r.get("description", {}).get("value", "")
        for r in reports
    ]
    profiles = [Profile(n, text=text) for n, text in enumerate(texts)]
    related = np.array(
        [[i != j and bool(a & b) for j, b in enumerate(codes)] for i, a in enumerate(codes)]
    )
    queries = [IncidentFacts(text=text) for text in texts]
    assert mean_precision_at_5(profiles, queries, related) >= AVID_FLOOR

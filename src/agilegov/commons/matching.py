"""Matching an incident shared to the commons against the scopes subscribed to it.

Each facet (system kinds, ATLAS techniques and their parent techniques, harm
types against the scope's own harm types and against its risk categories,
frameworks) is a sparse one-hot matrix over the profiles, so one incident is
scored against every profile with one sparse product per facet; the text is a
TF-IDF vector of character n-grams (English and Japanese alike, no tokenizer),
scored by cosine. A facet's similarity is the cosine of the two value sets,
shared / sqrt(|profile's| x |incident's|); the score is the weighted mean of
the facets' similarities over the facets the incident has, so it lies in
[0, 1] whatever the incident leaves out.

The weights, the text analyzer and DEFAULT_THRESHOLD were chosen on the MITRE
ATLAS case studies (Apache-2.0, The MITRE Corporation; related: sharing at
least 3 techniques, 48 of 57 have some) and the AVID reports (MIT; related:
a shared SEP code, 29 of 33), by ``bench/commons_matching.py`` (mean P@5):
- text: character n-grams within words (``char_wb``), 3 to 5 characters,
  sublinear term frequency: 0.411 on ATLAS and 0.972 on AVID, against 0.398
  and 0.917 for single words (0.395 and 0.972 when the analyzer is chosen on
  the other queries, leave-one-out); it is also the one that reads Japanese;
- techniques 4, parent techniques 0.5 (sharing only a parent counts an
  eighth of sharing the technique), text 1: the best of 60 settings on ATLAS,
  0.996 with the query's techniques (0.991 leave-one-out), 0.411 without;
- harm types and risk categories 0.5 each: the best on AVID with text 1
  (0.986, and 0.986 leave-one-out; 0.972 from the text alone); system kinds
  and frameworks are in neither set, so they count as much as harm types;
- DEFAULT_THRESHOLD 0.3: the best F1 over related pairs on ATLAS (0.826,
  and 0.826 with the threshold chosen on the other queries' pairs); AVID's
  best is 0.45 (F1 0.946; 0.792 at 0.3), so 0.3 errs on showing more.

Incidents are matched against incidents the same way (``Index.of_incidents``:
each shared incident is a profile whose harm types are its own).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

from agilegov.i18n import Lazy, lazy

TECHNIQUE_ID = re.compile(r"AML\.T\d{4}(\.\d{3})?")

# The facets, in the order reasons are listed.
SYSTEM_KINDS = "system_kinds"
TECHNIQUES = "techniques"
PARENT_TECHNIQUES = "parent_techniques"
HARM_TYPES = "harm_types"
RISK_CATEGORIES = "risk_categories"
FRAMEWORKS = "frameworks"
TEXT = "text"
FACETS = (SYSTEM_KINDS, TECHNIQUES, PARENT_TECHNIQUES, HARM_TYPES, RISK_CATEGORIES, FRAMEWORKS)

DEFAULT_WEIGHTS: Mapping[str, float] = {
    SYSTEM_KINDS: 0.5,
    TECHNIQUES: 4.0,
    PARENT_TECHNIQUES: 0.5,
    HARM_TYPES: 0.5,
    RISK_CATEGORIES: 0.5,
    FRAMEWORKS: 0.5,
    TEXT: 1.0,
}
DEFAULT_THRESHOLD = 0.3


class MatchingInputError(ValueError):
    def __init__(self, field: str, message: Lazy) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class TextSettings:
    """How texts become TF-IDF vectors: n-gram counts hashed into
    ``2**features`` columns (scikit-learn's HashingVectorizer), weighted by
    the inverse document frequency over the profiles (TfidfTransformer)."""

    analyzer: str = "char_wb"
    ngram_range: tuple[int, int] = (3, 5)
    sublinear_tf: bool = True
    features: int = 20

    def hashing(self) -> HashingVectorizer:
        return HashingVectorizer(
            analyzer=self.analyzer,
            ngram_range=self.ngram_range,
            n_features=2**self.features,
            alternate_sign=False,
            norm=None,
            dtype=np.float64,
        )


class TextCounts:
    """Each text's hashed n-gram counts, kept between builds of an index: a
    text's counts depend on it alone, so an index rebuilt after one profile
    changed counts that profile's text only. Holds at most ``size`` texts,
    forgetting the least recently used."""

    def __init__(self, settings: TextSettings | None = None, size: int = 100_000) -> None:
        self.settings = settings or TextSettings()
        self._hashing = self.settings.hashing()
        self._size = size
        # A text's n-gram columns and counts.
        self._rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def of(self, texts: Sequence[str]) -> sparse.csr_matrix:
        missing = list(dict.fromkeys(t for t in texts if t not in self._rows))
        if missing:
            counted = self._hashing.transform(missing).tocsr()
            for position, text in enumerate(missing):
                start, end = counted.indptr[position], counted.indptr[position + 1]
                self._rows[text] = (counted.indices[start:end], counted.data[start:end])
        rows = []
        for text in texts:
            row = self._rows.pop(text)
            self._rows[text] = row  # now the most recently used
            rows.append(row)
        while len(self._rows) > self._size:
            del self._rows[next(iter(self._rows))]
        # One matrix from the kept rows' arrays, without a matrix per row.
        lengths = np.fromiter((len(indices) for indices, _ in rows), np.int64, len(rows))
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        if not rows:
            return sparse.csr_matrix((0, 2**self.settings.features))
        return sparse.csr_matrix(
            (
                np.concatenate([data for _, data in rows]),
                np.concatenate([indices for indices, _ in rows]),
                indptr,
            ),
            shape=(len(rows), 2**self.settings.features),
        )


@dataclass(frozen=True)
class Settings:
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    text: TextSettings = TextSettings()

    def __post_init__(self) -> None:
        for name, weight in self.weights.items():
            if name not in (*FACETS, TEXT):
                raise MatchingInputError("weights", lazy("%(name)s is not a facet", name=name))
            if weight < 0:
                raise MatchingInputError(
                    "weights", lazy("the weight of %(name)s is negative", name=name)
                )

    def weight(self, facet: str) -> float:
        return float(self.weights.get(facet, 0.0))


def _check_techniques(techniques: frozenset[str]) -> None:
    for technique in techniques:
        if not TECHNIQUE_ID.fullmatch(technique):
            raise MatchingInputError(
                "techniques",
                lazy(
                    "%(value)s is not an ATLAS technique id (like AML.T0051 or AML.T0051.001)",
                    value=technique,
                ),
            )


@dataclass(frozen=True)
class Profile:
    """A scope subscribed to the commons (or a shared incident), as matching sees it."""

    key: int
    system_kinds: frozenset[str] = frozenset()
    techniques: frozenset[str] = frozenset()
    harm_types: frozenset[str] = frozenset()
    frameworks: frozenset[str] = frozenset()
    risk_categories: frozenset[str] = frozenset()
    text: str = ""
    threshold: float | None = None

    def __post_init__(self) -> None:
        _check_techniques(self.techniques)
        if self.threshold is not None and not 0.0 <= self.threshold <= 1.0:
            raise MatchingInputError(
                "threshold",
                lazy("the threshold %(value)s is not between 0 and 1", value=self.threshold),
            )


@dataclass(frozen=True)
class IncidentFacts:
    system_kinds: frozenset[str] = frozenset()
    techniques: frozenset[str] = frozenset()
    harm_types: frozenset[str] = frozenset()
    frameworks: frozenset[str] = frozenset()
    text: str = ""

    def __post_init__(self) -> None:
        _check_techniques(self.techniques)


@dataclass(frozen=True)
class Reason:
    """Why a profile matched: a facet and the values shared on it, or the text
    and the similarity of the two texts."""

    facet: str
    values: tuple[str, ...] = ()
    similarity: float | None = None


@dataclass(frozen=True)
class Match:
    key: int
    score: float
    reasons: tuple[Reason, ...]


def parent_technique(technique: str) -> str:
    """``AML.T0051`` for ``AML.T0051.001``; a technique is its own parent."""
    return technique[:9]


def _profile_values(profile: Profile, facet: str) -> frozenset[str]:
    if facet == PARENT_TECHNIQUES:
        return frozenset(parent_technique(t) for t in profile.techniques)
    return getattr(profile, facet)


def _incident_values(incident: IncidentFacts, facet: str) -> frozenset[str]:
    """What of the incident a profile's facet is compared with: its harm types
    are compared with both the profile's harm types and its risk categories."""
    if facet == PARENT_TECHNIQUES:
        return frozenset(parent_technique(t) for t in incident.techniques)
    if facet == RISK_CATEGORIES:
        return incident.harm_types
    return getattr(incident, facet)


@dataclass(frozen=True)
class _Facet:
    vocabulary: Mapping[str, int]
    members: sparse.csr_matrix  # profiles x values, one where the profile has the value
    sizes: np.ndarray  # values each profile has


def _facet(values: Sequence[frozenset[str]]) -> _Facet:
    vocabulary: dict[str, int] = {}
    for value in sorted(set().union(*values)) if values else ():
        vocabulary[value] = len(vocabulary)
    rows = np.repeat(np.arange(len(values)), [len(v) for v in values])
    columns = np.fromiter(
        (vocabulary[v] for vs in values for v in sorted(vs)), dtype=np.int64, count=len(rows)
    )
    members = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, columns)), shape=(len(values), len(vocabulary))
    )
    return _Facet(vocabulary, members, np.array([len(v) for v in values], dtype=float))


class Index:
    """Profiles made ready to be matched against many incidents."""

    def __init__(
        self,
        profiles: Sequence[Profile],
        settings: Settings,
        facets: Mapping[str, _Facet],
        weighting: tuple[TextCounts, TfidfTransformer, np.ndarray] | None,
        texts: sparse.csr_matrix | None,
    ) -> None:
        self.profiles = profiles
        self.settings = settings
        self._facets = facets
        self._weighting = weighting
        self._texts = texts
        self._keys = np.array([p.key for p in profiles], dtype=np.int64)
        self._thresholds = np.array(
            [np.nan if p.threshold is None else p.threshold for p in profiles], dtype=float
        )

    @classmethod
    def build(
        cls,
        profiles: Iterable[Profile],
        settings: Settings | None = None,
        counts: TextCounts | None = None,
    ) -> Index:
        """``counts`` keeps texts' counts between builds (made anew if none);
        it must count with ``settings.text``."""
        settings = settings or Settings()
        if counts is None or counts.settings != settings.text:
            counts = TextCounts(settings.text)
        profiles = list(profiles)
        keys = [p.key for p in profiles]
        if len(set(keys)) != len(keys):
            raise MatchingInputError("key", lazy("two profiles have the same key"))
        facets = {
            facet: _facet([_profile_values(p, facet) for p in profiles])
            for facet in FACETS
            if settings.weight(facet) > 0
        }
        weighting, texts = None, None
        if settings.weight(TEXT) > 0 and any(p.text.strip() for p in profiles):
            counted = counts.of([p.text for p in profiles])
            # Only n-grams some profile has count: as with a vocabulary fitted on
            # the profiles, an incident's other n-grams neither add nor dilute.
            known = np.asarray((counted > 0).sum(axis=0)).ravel() > 0
            if known.any():
                transformer = TfidfTransformer(sublinear_tf=settings.text.sublinear_tf)
                texts = transformer.fit_transform(counted).tocsr()
                weighting = (counts, transformer, known)
        return cls(profiles, settings, facets, weighting, texts)

    @classmethod
    def of_incidents(
        cls,
        incidents: Mapping[int, IncidentFacts],
        settings: Settings | None = None,
        counts: TextCounts | None = None,
    ) -> Index:
        """An index of shared incidents, to rank them against an incident. They
        have no risk register, so their harm types are compared once."""
        settings = settings or Settings()
        settings = replace(settings, weights={**settings.weights, RISK_CATEGORIES: 0.0})
        return cls.build(
            (
                Profile(
                    key=key,
                    system_kinds=facts.system_kinds,
                    techniques=facts.techniques,
                    harm_types=facts.harm_types,
                    frameworks=facts.frameworks,
                    text=facts.text,
                )
                for key, facts in incidents.items()
            ),
            settings,
            counts,
        )

    def _similarities(self, incident: IncidentFacts) -> tuple[np.ndarray, float, np.ndarray | None]:
        """Every profile's weighted sum of facet similarities, the sum of the
        weights of the facets the incident has, and the text similarities."""
        total = np.zeros(len(self.profiles))
        weights = 0.0
        for facet, index in self._facets.items():
            values = _incident_values(incident, facet)
            if not values:
                continue
            weight = self.settings.weight(facet)
            weights += weight
            columns = [index.vocabulary[v] for v in values if v in index.vocabulary]
            if not columns:
                continue
            query = np.zeros(len(index.vocabulary))
            query[columns] = 1.0
            shared = index.members @ query
            with np.errstate(divide="ignore", invalid="ignore"):
                cosine = shared / np.sqrt(index.sizes * len(values))
            total += weight * np.nan_to_num(cosine)
        texts = None
        if self._weighting is not None and self._texts is not None and incident.text.strip():
            weights += self.settings.weight(TEXT)
            counts, transformer, known = self._weighting
            counted = counts.of([incident.text]).multiply(known).tocsr()
            counted.eliminate_zeros()  # a zero count's log would be minus infinity
            query = transformer.transform(counted)
            texts = (self._texts @ query.T).toarray().ravel()
            total += self.settings.weight(TEXT) * texts
        return total, weights, texts

    def _scored(self, incident: IncidentFacts) -> tuple[np.ndarray, np.ndarray | None]:
        total, weights, texts = self._similarities(incident)
        return (total / weights if weights else total), texts

    def scores(self, incident: IncidentFacts) -> np.ndarray:
        """Every profile's score in [0, 1], in the order of the profiles."""
        return self._scored(incident)[0]

    def _ordered(self, scores: np.ndarray, chosen: np.ndarray) -> np.ndarray:
        # Best first; equal scores by key, so that the order never depends on the input's.
        positions = np.flatnonzero(chosen)
        order = np.lexsort((self._keys[positions], -scores[positions]))
        return positions[order]

    def rank(self, incident: IncidentFacts, limit: int) -> list[Match]:
        """The ``limit`` best profiles with a score above zero, best first."""
        if limit < 1:
            raise MatchingInputError("limit", lazy("the limit must be at least 1"))
        scores, texts = self._scored(incident)
        chosen = scores > 0
        if chosen.sum() > limit:
            cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            chosen &= scores >= cut
        positions = self._ordered(scores, chosen)[:limit]
        return [self._match(incident, p, scores, texts) for p in positions]

    def matches(
        self, incident: IncidentFacts, default_threshold: float = DEFAULT_THRESHOLD
    ) -> list[Match]:
        """Every profile whose score is at least its threshold (its own, or the
        default) and above zero, best first, with the reasons."""
        scores, texts = self._scored(incident)
        thresholds = np.where(np.isnan(self._thresholds), default_threshold, self._thresholds)
        positions = self._ordered(scores, (scores >= thresholds) & (scores > 0))
        return [self._match(incident, p, scores, texts) for p in positions]

    def _match(
        self,
        incident: IncidentFacts,
        position: int,
        scores: np.ndarray,
        texts: np.ndarray | None,
    ) -> Match:
        profile = self.profiles[position]
        reasons: list[Reason] = []
        for facet in self._facets:
            shared = _profile_values(profile, facet) & _incident_values(incident, facet)
            if facet == PARENT_TECHNIQUES:
                # Parents already explained by a shared technique are not listed again.
                shared -= {parent_technique(t) for t in profile.techniques & incident.techniques}
            if shared:
                reasons.append(Reason(facet, tuple(sorted(shared))))
        if texts is not None and texts[position] > 0:
            reasons.append(Reason(TEXT, similarity=round(float(texts[position]), 4)))
        return Match(profile.key, round(float(scores[position]), 6), tuple(reasons))

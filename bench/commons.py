"""Benchmark of the commons' matching: one incident against 10,000 subscribed
scopes, and against 5,000 shared incidents, next to the plain scikit-learn
pipeline on the same texts, in the same run.

- agilegov: ``Index.build`` (``Index.of_incidents`` for the shared
  incidents) once, timed on its own, then ``Index.matches``
  (every scope at or above its threshold, with the reasons) and
  ``Index.rank`` (the 10 most similar shared incidents), the median of REPEAT
  incidents;
- scikit-learn: ``TfidfVectorizer.fit_transform`` over the corpus and the
  query (the same analyzer and n-grams), ``cosine_similarity`` and
  ``argsort``, the median of SKLEARN_REPEAT incidents. It reads the text only.
  The note gives the same with the vectorizer fitted once beforehand
  (``transform``, ``cosine_similarity``, ``argsort``), as an index would.

The workload is synthetic but shaped like the real one: ATLAS-style technique
ids (110 techniques, a third with sub-techniques), the twelve harm types, 40
system kinds, 8 frameworks, a vocabulary of 400 English words and 60 Japanese
ones; a scope's text is its description and its risks' titles and
descriptions (60 to 160 words), one scope in five written in Japanese.

Run from the repository root:

    PYTHONPATH=src python bench/commons.py
    PYTHONPATH=src python bench/commons.py --scopes 2000 --shared 1000
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import sklearn
from rich.console import Console
from rich.table import Table
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from agilegov.commons.matching import IncidentFacts, Index, Profile, Settings, TextCounts

TARGET_SECONDS = 0.2
REPEAT = 15
SKLEARN_REPEAT = 3
HARM_TYPES = (
    "privacy", "safety", "security", "fairness", "transparency", "human_rights",
    "environment", "convenience", "efficiency", "economic", "societal", "other",
)  # fmt: skip
FRAMEWORKS = ("aigb", "nist-ai-rmf", "iso-42001", "eu-ai-act", "meti-aigb", "oecd", "iso-23894",
              "nist-csf-2.0")  # fmt: skip
JAPANESE = (
    "個人情報", "漏洩", "差別", "採用", "審査", "モデル", "学習データ", "偏り", "説明", "透明性",
    "安全", "事故", "誤判定", "利用者", "顧客", "従業員", "不正", "攻撃", "改ざん", "推薦",
    "ランキング", "チャットボット", "回答", "誤情報", "著作権", "監視", "画像", "音声", "認識",
    "自動運転", "医療", "診断", "融資", "保険", "価格", "広告", "検索", "翻訳", "要約", "生成",
    "プロンプト", "注入", "情報", "流出", "評価", "リスク", "対策", "報告", "影響", "被害",
    "停止", "遅延", "品質", "精度", "低下", "公平性", "人権", "環境", "経済", "社会",
)  # fmt: skip
SYLLABLES = ("ka", "ri", "to", "mel", "van", "dor", "sen", "ti", "lor", "qua", "bex", "nu",
             "pra", "sil", "dem", "or", "ux", "fen", "gal", "ho")  # fmt: skip

console = Console(emoji=False)
if not console.is_terminal:  # piped or redirected: room for the whole table
    console = Console(emoji=False, width=160)


@dataclass(frozen=True)
class Vocabulary:
    techniques: list[str]
    system_kinds: list[str]
    words: list[str]


def vocabulary(rng: random.Random) -> Vocabulary:
    techniques = []
    for number in range(110):
        techniques.append(f"AML.T{number:04d}")
        if number % 3 == 0:
            techniques += [f"AML.T{number:04d}.{sub:03d}" for sub in range(rng.randint(1, 4))]
    words: set[str] = set()
    while len(words) < 400:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    kinds = [f"kind-{''.join(rng.choices(SYLLABLES, k=2))}-{n}" for n in range(40)]
    return Vocabulary(techniques, kinds, sorted(words))


def some_text(rng: random.Random, words: Vocabulary, low: int, high: int) -> str:
    count = rng.randint(low, high)
    if rng.random() < 0.2:
        # Japanese is written without spaces between words, sentences by 。
        picked = rng.choices(JAPANESE, k=count)
        return "。".join("".join(picked[i : i + 8]) for i in range(0, count, 8)) + "。"
    # Zipf-like: a few words are common, most are rare, as in real descriptions.
    weights = [1 / (rank + 1) for rank in range(len(words.words))]
    return " ".join(rng.choices(words.words, weights=weights, k=count))


def some(
    rng: random.Random, values: list[str] | tuple[str, ...], low: int, high: int
) -> frozenset[str]:
    return frozenset(rng.sample(values, rng.randint(low, high)))


def scope(rng: random.Random, words: Vocabulary, key: int) -> Profile:
    return Profile(
        key=key,
        system_kinds=some(rng, words.system_kinds, 1, 3),
        techniques=some(rng, words.techniques, 0, 8),
        harm_types=some(rng, HARM_TYPES, 0, 3),
        frameworks=some(rng, FRAMEWORKS, 0, 2),
        risk_categories=some(rng, HARM_TYPES, 1, 5),
        text=some_text(rng, words, 60, 160),
        threshold=rng.choice((None, None, None, 0.2, 0.4)),
    )


def incident(rng: random.Random, words: Vocabulary) -> IncidentFacts:
    return IncidentFacts(
        system_kinds=some(rng, words.system_kinds, 1, 2),
        techniques=some(rng, words.techniques, 1, 6),
        harm_types=some(rng, HARM_TYPES, 1, 3),
        frameworks=some(rng, FRAMEWORKS, 0, 2),
        text=some_text(rng, words, 30, 120),
    )


def timed(work: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def plain_pipeline(corpus: list[str], query: str, settings: Settings) -> np.ndarray:
    vectorizer = TfidfVectorizer(
        analyzer=settings.text.analyzer,
        ngram_range=settings.text.ngram_range,
        sublinear_tf=settings.text.sublinear_tf,
    )
    matrix = vectorizer.fit_transform([*corpus, query])
    similarities = cosine_similarity(matrix[-1], matrix[:-1]).ravel()
    return np.argsort(-similarities, kind="stable")


def measure(
    name: str,
    build_index: Callable[[], Index],
    rebuild_index: Callable[[], Index],
    corpus: list[str],
    queries: list[IncidentFacts],
    match: Callable[[Index, IncidentFacts], list],
    repeat: int,
    sklearn_repeat: int,
) -> list[tuple[str, float, float | None, str]]:
    settings = Settings()
    build, index = timed(build_index)
    assert isinstance(index, Index)
    # As the service does when an incident is shared: the index built anew, its
    # texts' counts kept from before but one text changed.
    rebuild, index = timed(rebuild_index)
    assert isinstance(index, Index)
    match(index, queries[0])  # warm up
    ours = []
    found = []
    for query in queries[:repeat]:
        seconds, matches = timed(lambda query=query: match(index, query))
        ours.append(seconds)
        found.append(len(matches))
    theirs = [
        timed(lambda query=query: plain_pipeline(corpus, query.text, settings))[0]
        for query in queries[:sklearn_repeat]
    ]
    # The text part alone, with the vectorizer fitted once, as the index does.
    vectorizer = TfidfVectorizer(
        analyzer=settings.text.analyzer,
        ngram_range=settings.text.ngram_range,
        sublinear_tf=settings.text.sublinear_tf,
    )
    fitted = vectorizer.fit_transform(corpus)
    text_alone = statistics.median(
        timed(
            lambda query=query: np.argsort(
                -cosine_similarity(vectorizer.transform([query.text]), fitted).ravel()
            )
        )[0]
        for query in queries[:repeat]
    )
    end_to_end = rebuild + statistics.median(ours)
    return [
        (f"{name}: build the index, every text counted", build, None, ""),
        (f"{name}: rebuild, one text changed", rebuild, None, ""),
        (
            f"{name}: one incident, median of {repeat} (scikit-learn: of {sklearn_repeat})",
            statistics.median(ours),
            statistics.median(theirs),
            f"{statistics.median(found):.0f} found; scikit-learn fitted once, text only: "
            f"{text_alone * 1000:.1f} ms",
        ),
        (
            f"{name}: rebuild and one incident",
            end_to_end,
            statistics.median(theirs),
            "what sharing one incident costs the matching",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scopes", type=int, default=10_000)
    parser.add_argument("--shared", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--sklearn-repeat", type=int, default=SKLEARN_REPEAT)
    parser.add_argument("--seed", type=int, default=51)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    words = vocabulary(rng)
    scopes = [scope(rng, words, key) for key in range(options.scopes)]
    shared_facts = [incident(rng, words) for _ in range(options.shared)]
    queries = [incident(rng, words) for _ in range(max(options.repeat, options.sklearn_repeat))]

    scope_counts, shared_counts = TextCounts(), TextCounts()
    changed = [replace(scopes[0], text=scopes[0].text + " changed"), *scopes[1:]]
    shared_index = dict(enumerate(shared_facts))
    shared_changed = {**shared_index, 0: replace(shared_facts[0], text="changed")}
    rows = measure(
        f"{options.scopes:,} subscribed scopes, matches()",
        lambda: Index.build(scopes, counts=scope_counts),
        lambda: Index.build(changed, counts=scope_counts),
        [s.text for s in scopes],
        queries,
        lambda index, query: index.matches(query),
        options.repeat,
        options.sklearn_repeat,
    )
    rows += measure(
        f"{options.shared:,} shared incidents, rank(limit=10)",
        lambda: Index.of_incidents(shared_index, counts=shared_counts),
        lambda: Index.of_incidents(shared_changed, counts=shared_counts),
        [f.text for f in shared_facts],
        queries,
        lambda index, query: index.rank(query, 10),
        options.repeat,
        options.sklearn_repeat,
    )

    table = Table(title="agilegov commons matching, next to the plain scikit-learn pipeline")
    for column in (
        "metric",
        "agilegov",
        "scikit-learn",
        "ratio (theirs/ours)",
        "target",
        "met?",
        "note",
    ):
        table.add_column(column)
    for metric, ours, theirs, note in rows:
        per_match = theirs is not None
        table.add_row(
            metric,
            f"{ours * 1000:.1f} ms",
            f"{theirs * 1000:.0f} ms" if per_match else "",
            f"{theirs / ours:.0f}x" if per_match else "",
            f"≤ {TARGET_SECONDS * 1000:.0f} ms" if per_match else "",
            ("yes" if ours <= TARGET_SECONDS else "no") if per_match else "",
            note,
        )
    console.print(table)
    settings = Settings()
    console.print(
        f"Text: {settings.text.analyzer} {settings.text.ngram_range[0]}-"
        f"{settings.text.ngram_range[1]}-grams, sublinear tf; seed {options.seed}. "
        f"Python {platform.python_version()}, NumPy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, {platform.machine()}."
    )


if __name__ == "__main__":
    main()

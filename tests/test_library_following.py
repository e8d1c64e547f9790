"""Scopes follow framework versions, their work cites requirements, and a new
version moves the loop: on SQLite and PostgreSQL, through the services.

A small framework in two versions and the mapping between them: A.1 is kept
(equivalent), A.2 is split into B.1 and B.2 (intersects), A.3 is removed, B.3 is
new; and a second framework the first is crosswalked to."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select

from agilegov import clock, scoped
from agilegov.auth import SYSTEM
from agilegov.cycle.models import Trigger
from agilegov.cycle.schemas import TriggerRead
from agilegov.errors import InvalidInput
from agilegov.goals.service import GOAL, INDICATOR
from agilegov.library import service
from agilegov.library.models import Citation, FrameworkChange
from agilegov.library.schemas import ApplicabilityDecision
from agilegov.scopes.schemas import ScopeCreate, ScopeUpdate
from agilegov.scopes.service import create_scope, get_scope, update_scope
from agilegov.uow import UnitOfWork
from api_helpers import assert_unchanged, snapshot
from builders import World, change, indicator, measure, new_scope, specific_goal


def catalogue(version: str, nodes: list[tuple[str, str, str | None]], **library: str) -> bytes:
    """A CISO Assistant library of framework ``fw``: nodes as (ref_id, name, parent ref_id)."""
    slug = f"fw-{version}"
    lines = [
        f"urn: urn:test:risk:library:{slug}",
        "name: Test framework",
        *(f"{key}: {value}" for key, value in library.items()),
        "objects:",
        "  framework:",
        f"    urn: urn:test:risk:framework:{slug}",
        f"    name: Test framework {version}",
        "    requirement_nodes:",
    ]
    for ref_id, name, parent in nodes:
        lines += [
            f"    - urn: urn:test:risk:req_node:{slug}:{ref_id.lower()}",
            f"      ref_id: {ref_id}",
            f"      name: {name}",
            f"      assessable: {'false' if parent is None else 'true'}",
            "      translations: {ja: {name: " + name + "・日本語}}",
        ]
        if parent is not None:
            lines.append(f"      parent_urn: urn:test:risk:req_node:{slug}:{parent.lower()}")
    return ("\n".join(lines) + "\n").encode()


V1 = catalogue(
    "1",
    [("A", "Group", None), ("A.1", "Keep logs", "A"), ("A.2", "Explain", "A"), ("A.3", "Old", "A")],
    publication_date="2024-01-01",
)
V2_NODES = [
    ("A", "Group", None),
    ("B.0", "Keep logs", "A"),
    ("B.1", "Explain reasons", "A"),
    ("B.2", "Explain limits", "A"),
    ("B.3", "New duty", "A"),
]


def mapping(source: str, target: str, rows: list[tuple[str, str, str]]) -> bytes:
    lines = [
        f"urn: urn:test:risk:library:map-{source}-{target}",
        "name: Mapping",
        "objects:",
        "  requirement_mapping_set:",
        f"    urn: urn:test:risk:req_mapping_set:{source}-{target}",
        "    name: Mapping",
        f"    source_framework_urn: urn:test:risk:framework:{source}",
        f"    target_framework_urn: urn:test:risk:framework:{target}",
        "    requirement_mappings:",
    ]
    for a, b, relationship in rows:
        lines += [
            f"    - source_requirement_urn: urn:test:risk:req_node:{source}:{a.lower()}",
            f"      target_requirement_urn: urn:test:risk:req_node:{target}:{b.lower()}",
            f"      relationship: {relationship}",
        ]
    return ("\n".join(lines) + "\n").encode()


V1_TO_V2 = mapping(
    "fw-1",
    "fw-2",
    [
        ("A", "A", "equal"),
        ("A.1", "B.0", "equal"),
        ("A.2", "B.1", "intersect"),
        ("A.2", "B.2", "intersect"),
    ],
)
OTHER = b"""urn: urn:test:risk:library:other-1
name: Other
objects:
  framework:
    urn: urn:test:risk:framework:other-1
    name: Other framework
    requirement_nodes:
    - {urn: "urn:test:risk:req_node:other-1:x.1", ref_id: X.1, name: Records, assessable: true}
    - {urn: "urn:test:risk:req_node:other-1:x.2", ref_id: X.2, name: Notices, assessable: true}
    - {urn: "urn:test:risk:req_node:other-1:x.3", ref_id: X.3, name: Audits, assessable: true}
"""
V1_TO_OTHER = mapping("fw-1", "other-1", [("A.1", "X.1", "equal"), ("A.2", "X.2", "subset")])


def v2(**library: str) -> bytes:
    return catalogue("2", V2_NODES, **library)


def load(uow: UnitOfWork, *files: tuple[bytes, str]) -> None:
    for data, name in files:
        service.import_file(uow, SYSTEM, data, name)


def framework_changes(uow: UnitOfWork, scope_id: int) -> list[TriggerRead]:
    with uow:
        return [
            TriggerRead.model_validate(row)
            for row in uow.session.scalars(
                select(Trigger).where(
                    Trigger.scope_id == scope_id, Trigger.kind == "framework_change"
                )
            )
        ]


@pytest.fixture
def library(world: World) -> World:
    load(world.uow, (V1, "v1.yaml"), (OTHER, "other.yaml"), (V1_TO_OTHER, "map-other.yaml"))
    return world


def following(world: World, *refs: str, name: str = "Screening") -> int:
    data = ScopeCreate(
        organization_id=world.business_id, name=name, kind="ai_system", frameworks=list(refs)
    )
    return create_scope(world.uow, world.owner, data).id


def test_a_scope_follows_versions_and_refuses_what_the_library_lacks(
    library: World, engine: Engine
) -> None:
    world = library
    scope_id = following(world, "fw@1")
    assert get_scope(world.uow, world.owner, scope_id).frameworks == ["fw@1"]
    before = snapshot(engine)
    with pytest.raises(InvalidInput, match=re.escape("fw@9 is not in the library")) as refused:
        update_scope(world.uow, world.owner, scope_id, ScopeUpdate(frameworks=["other@1", "fw@9"]))
    assert refused.value.problems[0].field == "frameworks"
    assert_unchanged(before, engine)
    # Starting and ceasing to follow a framework is a plain edit: no trigger.
    update_scope(world.uow, world.owner, scope_id, ScopeUpdate(frameworks=["fw@1", "other@1"]))
    update_scope(world.uow, world.owner, scope_id, ScopeUpdate(frameworks=["other@1"]))
    assert get_scope(world.uow, world.owner, scope_id).frameworks == ["other@1"]
    assert framework_changes(world.uow, scope_id) == []


def test_measures_goals_and_indicators_cite_requirements_of_followed_versions(
    library: World, engine: Engine
) -> None:
    world = library
    scope_id = following(world, "fw@1")
    cited = measure(world.uow, world.owner, scope_id, requirements=["fw@1#A.1", "fw@1#A.2"])
    assert cited.requirements == ["fw@1#A.1", "fw@1#A.2"]
    goal = specific_goal(world.uow, world.owner, scope_id, requirements=["fw@1#A.1"])
    assert goal.requirements == ["fw@1#A.1"]
    gauge = indicator(world.uow, world.owner, scope_id, goal.id, requirements=["fw@1#A.3"])
    assert gauge.requirements == ["fw@1#A.3"]
    listed = scoped.list_items(world.uow, world.owner, scope_id, INDICATOR, 10, 0)
    assert [item.requirements for item in listed.items] == [["fw@1#A.3"]]
    before = snapshot(engine)
    for refs, problem in (
        (["other@1#X.1"], "other@1#X.1: the scope does not follow other@1"),
        (["fw@1#Z.9"], "fw@1#Z.9: fw@1 has no such requirement"),
        (["A.1"], "A.1: not a requirement of the library"),
    ):
        with pytest.raises(InvalidInput, match=re.escape(problem)) as refused:
            change(world.uow, world.owner, scope_id, GOAL, goal.id, requirements=refs)
        assert refused.value.problems[0].field == "requirements"
    assert_unchanged(before, engine)
    # A change of citations is a new version of the measure, on the record.
    changed = change(
        world.uow, world.owner, scope_id, scoped_measure(), cited.id, requirements=["fw@1#A.2"]
    )
    assert (changed.requirements, changed.version) == (["fw@1#A.2"], 2)


def scoped_measure() -> scoped.Kind:
    from agilegov.design.service import MEASURE

    return MEASURE


def test_a_new_version_opens_a_framework_change_on_exactly_the_following_scopes(
    library: World,
) -> None:
    world = library
    first, second = following(world, "fw@1", name="One"), following(world, "fw@1", name="Two")
    other = following(world, "other@1", name="Other")
    archived = following(world, "fw@1", name="Archived")
    update_scope(world.uow, world.owner, archived, ScopeUpdate(status="archived"))
    elsewhere = new_scope(world.uow, world.outsider, world.regulator_id, name="Rules")
    update_scope(world.uow, world.outsider, elsewhere, ScopeUpdate(frameworks=["fw@1"]))
    load(world.uow, (v2(publication_date="2025-01-01"), "v2.yaml"), (V1_TO_V2, "map.yaml"))
    for scope_id in (first, second, elsewhere):
        [trigger] = framework_changes(world.uow, scope_id)
        assert (trigger.loop, trigger.opened_by, trigger.status) == ("outer", None, "open")
        facts = trigger.facts
        assert (facts["from"], facts["to"]) == ("fw@1", "fw@2")
        # The difference is the evidence: by identifier here, as the version came
        # before its mapping (A.1 became B.0, which the identifiers cannot tell).
        assert facts["by_mapping"] is False
        assert set(facts["removed"]) == {"fw@1#A.1", "fw@1#A.2", "fw@1#A.3"}
        assert set(facts["added"]) == {"fw@2#B.0", "fw@2#B.1", "fw@2#B.2", "fw@2#B.3"}
    assert framework_changes(world.uow, other) == []
    assert framework_changes(world.uow, archived) == []


def test_the_mapping_decides_what_is_carried_and_what_is_to_review(library: World) -> None:
    world = library
    load(world.uow, (v2(publication_date="2025-01-01"), "v2.yaml"), (V1_TO_V2, "map.yaml"))
    scope_id = following(world, "fw@1")
    kept = measure(world.uow, world.owner, scope_id, requirements=["fw@1#A.1"])
    split = measure(world.uow, world.owner, scope_id, title="Notices", requirements=["fw@1#A.2"])
    gone = measure(world.uow, world.owner, scope_id, title="Old", requirements=["fw@1#A.3"])
    service.decide_applicability(
        world.uow,
        world.owner,
        scope_id,
        ApplicabilityDecision(requirement="fw@1#A.1", applicable=False, reason="No logs kept"),
    )
    moved = service.move_scope(world.uow, world.owner, scope_id, "fw@1", "fw@2")
    assert moved == {"carried": 1, "to_review": 2}
    with world.uow:
        rows = world.uow.session.scalars(select(Citation).order_by(Citation.id)).all()
        states = {(row.subject_id, row.status) for row in rows}
        refs = service.requirement_refs(world.uow.session, [row.requirement_id for row in rows])
        by_subject = {}
        for row in rows:
            by_subject.setdefault(row.subject_id, []).append((refs[row.requirement_id], row.status))
    assert by_subject[kept.id] == [("fw@2#B.0", "current")]
    assert sorted(by_subject[split.id]) == [("fw@2#B.1", "review"), ("fw@2#B.2", "review")]
    assert by_subject[gone.id] == [("fw@1#A.3", "review")]
    assert (kept.id, "current") in states
    # The decision of applicability followed the equivalent requirement.
    [statement] = service.statement_of_applicability(world.uow, world.owner, scope_id)
    lines = {line.ref: line for line in statement.requirements}
    assert statement.version == "fw@2"
    assert (lines["fw@2#B.0"].applicable, lines["fw@2#B.0"].reason) == (False, "No logs kept")
    assert lines["fw@2#B.1"].cited_by[0].citation == "review"
    assert not lines["fw@2#B.1"].addressed
    # The move opened the outer loop's trigger once.
    [trigger] = framework_changes(world.uow, scope_id)
    assert trigger.facts["by_mapping"] is True


def test_a_future_effective_date_schedules_the_change(library: World) -> None:
    world = library
    scope_id = following(world, "fw@1")
    later = clock.today() + timedelta(days=30)
    arriving = v2(publication_date="2025-01-01", effective_date=later.isoformat())
    load(world.uow, (arriving, "v2.yaml"))
    assert framework_changes(world.uow, scope_id) == []
    with world.uow:
        [pending] = world.uow.session.scalars(select(FrameworkChange)).all()
        assert (pending.due, pending.trigger_id) == (later, None)
    assert service.open_due_framework_changes(world.uow) == 0
    with clock.frozen_at(clock.now() + timedelta(days=30)):
        assert service.open_due_framework_changes(world.uow) == 1
        assert service.open_due_framework_changes(world.uow) == 0
    [trigger] = framework_changes(world.uow, scope_id)
    assert trigger.facts["effective"] == later.isoformat()


def test_an_older_version_imported_later_moves_nothing(world: World) -> None:
    load(world.uow, (v2(publication_date="2025-01-01"), "v2.yaml"))
    scope_id = following(world, "fw@2")
    load(world.uow, (V1, "v1.yaml"))
    assert framework_changes(world.uow, scope_id) == []


def test_the_statement_and_coverage_put_gaps_first_and_reach_other_frameworks(
    library: World, engine: Engine
) -> None:
    world = library
    scope_id = following(world, "fw@1")
    measure(world.uow, world.owner, scope_id, requirements=["fw@1#A.1", "fw@1#A.2"])
    before = snapshot(engine)
    with pytest.raises(InvalidInput, match="say why") as refused:
        service.decide_applicability(
            world.uow,
            world.owner,
            scope_id,
            ApplicabilityDecision(requirement="fw@1#A.3", applicable=False),
        )
    assert refused.value.problems[0].field == "reason"
    with pytest.raises(InvalidInput) as refused:
        service.decide_applicability(
            world.uow,
            world.owner,
            scope_id,
            ApplicabilityDecision(requirement="fw@1#A", applicable=False, reason="x"),
        )
    assert refused.value.problems[0].field == "requirement"
    assert_unchanged(before, engine)
    coverage = service.scope_coverage(world.uow, world.owner, scope_id)
    [followed] = coverage.followed
    assert (followed.applicable, followed.addressed) == (3, 2)
    assert [gap.ref for gap in followed.gaps] == ["fw@1#A.3"]
    assert followed.gaps[0].translations["ja"]["name"] == "Old・日本語"
    service.decide_applicability(
        world.uow,
        world.owner,
        scope_id,
        ApplicabilityDecision(requirement="fw@1#A.3", applicable=False, reason="Not used"),
    )
    coverage = service.scope_coverage(world.uow, world.owner, scope_id)
    assert (coverage.followed[0].gaps, coverage.followed[0].not_applicable) == ([], 1)
    # Through the crosswalk: A.1 = X.1 covers it; A.2 ⊂ X.2 covers it partly.
    [reached] = coverage.reached
    assert (reached.version, reached.covered, reached.partly) == (
        "other@1",
        ["other@1#X.1"],
        ["other@1#X.2"],
    )
    assert reached.not_reached == 1
    # Others read a private scope's statement no more than the scope.
    with pytest.raises(Exception, match="not found"):
        service.scope_coverage(world.uow, world.outsider, scope_id)


def test_text_written_before_the_library_held_it_is_matched_on_install(world: World) -> None:
    with world.uow:
        session = world.uow.session
        scope_id = new_scope(world.uow, world.owner, world.business_id)
        from agilegov.library.models import UnresolvedCitation

        session.add_all(
            [
                UnresolvedCitation(
                    scope_id=scope_id,
                    subject_kind="scope",
                    subject_id=scope_id,
                    text="AI Guidelines for Business 1.0",
                ),
                UnresolvedCitation(
                    scope_id=scope_id,
                    subject_kind="scope",
                    subject_id=scope_id,
                    text="Employment Security Act 2024",
                ),
            ]
        )
        world.uow.commit()
    service.install_shipped(world.uow, SYSTEM, leave_out=[])
    assert get_scope(world.uow, world.owner, scope_id).frameworks == ["aigb@1.0"]
    left = service.unresolved(world.uow, world.owner, scope_id)
    assert [row.text for row in left] == ["Employment Security Act 2024"]
    service.dismiss_unresolved(world.uow, world.owner, scope_id, left[0].id)
    assert service.unresolved(world.uow, world.owner, scope_id) == []
    # Installing again imports nothing.
    assert service.install_shipped(world.uow, SYSTEM) == []


def test_every_shipped_catalogue_names_itself_in_both_languages() -> None:
    from agilegov.library.catalogue import Catalogue, MappingSet
    from agilegov.library.ciso import read_library

    catalogues = {}
    for path in service.shipped_files():
        found = read_library(path.read_bytes(), path.name)
        if isinstance(found, Catalogue):
            catalogues[found.ref] = found
            assert found.source_url and found.source_url.startswith("https://")
            assert found.licence and found.published is not None
            assert found.translations["ja"].name
            for node in found.requirements:
                assert node.translations["ja"].name, (path.name, node.key)
        else:
            assert isinstance(found, MappingSet) and found.source_url
            for ref in (found.source, found.target):
                assert ref in catalogues or any(
                    p.name == ref.replace("@", "-") + ".yaml" for p in service.shipped_files()
                )
    assert {
        "aigb@1.0",
        "aigb@1.1",
        "hiroshima-coc@2023",
        "haip-reporting@2025",
        "oecd-ai-principles@2019",
        "oecd-ai-principles@2024",
        "nist-ai-rmf@1.0",
        "eu-ai-act@2024",
        "eu-ai-act@2026",
        "iso-iec-42001@2023",
    } <= set(catalogues)
    assert len(catalogues["hiroshima-coc@2023"].requirements) == 11
    subcategories = [r for r in catalogues["nist-ai-rmf@1.0"].requirements if r.assessable]
    assert len(subcategories) == 72
    # The Digital Omnibus is a later version with an effective date, not an edit.
    amended, original = catalogues["eu-ai-act@2026"], catalogues["eu-ai-act@2024"]
    assert amended.effective and amended.effective > (original.effective or date.min)
    later = {
        r.ref_id
        for r, o in zip(amended.requirements, original.requirements, strict=True)
        if r.applies_from and o.applies_from and r.applies_from > o.applies_from
    }
    assert later


def test_concurrent_decisions_and_moves_take_turns(
    library: World, database_url: str, engine: Engine
) -> None:
    """Four editors decide the same requirement at once, then four move the scope
    at once: one decision row (the last word), one move, never a 500."""
    from concurrent.futures import ThreadPoolExecutor

    from agilegov.organizations.service import issue_token
    from api_helpers import bearer, make_client

    world = library
    load(world.uow, (v2(publication_date="2025-01-01"), "v2.yaml"), (V1_TO_V2, "map.yaml"))
    scope_id = following(world, "fw@1")
    token = issue_token(world.uow, world.editor, "editor").token
    client = make_client(database_url)
    base = f"/api/v1/scopes/{scope_id}/frameworks"

    def decide(number: int) -> int:
        body = {"requirement": "fw@1#A.3", "applicable": False, "reason": f"reason {number}"}
        return client.put(f"{base}/applicability", json=body, headers=bearer(token)).status_code

    def move(_: int) -> int:
        body = {"from": "fw@1", "to": "fw@2"}
        return client.post(f"{base}/move", json=body, headers=bearer(token)).status_code

    with client, ThreadPoolExecutor(4) as pool:
        assert sorted(pool.map(decide, range(4))) == [200, 200, 200, 200]
        [statement] = service.statement_of_applicability(world.uow, world.owner, scope_id)
        [decided] = [line for line in statement.requirements if line.decided]
        assert decided.ref == "fw@1#A.3" and decided.reason.startswith("reason ")
        moved = sorted(pool.map(move, range(4)))
    assert moved == [200, 422, 422, 422]  # the others no longer follow fw@1
    [statement] = service.statement_of_applicability(world.uow, world.owner, scope_id)
    assert statement.version == "fw@2"
    assert len(framework_changes(world.uow, scope_id)) == 1
    with world.uow:
        from agilegov.library.models import Applicability

        # A.3 has no successor in fw@2: its decision is to be made again.
        assert world.uow.session.scalar(select(func.count()).select_from(Applicability)) == 0

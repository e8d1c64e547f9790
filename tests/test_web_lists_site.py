"""The site's own lists (web/lists.py beyond a scope's tabs): assessments,
organizations, a person's notifications and the record's entries, each
searched, filtered, sorted, paged and downloaded as the CSV of what is shown,
listing only what the visitor may read; and an entry's receipt as a file that
``agilegov record verify --receipt`` accepts."""

import csv
import dataclasses
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from agilegov.assurance import pages as assurance_pages
from agilegov.cli import app as cli
from agilegov.notify.service import notify_owners
from agilegov.organizations.schemas import OrganizationCreate
from agilegov.organizations.service import create_organization
from agilegov.record import pages as record_pages
from agilegov.record.models import Event
from agilegov.record.notes import verifier_key
from agilegov.record.verify import ReceiptError, verify_receipt
from api_helpers import World, world_from_fixture
from builders import completed_assessment, new_scope
from web_helpers import browser, post_form, sign_in


@dataclasses.dataclass
class Site:
    api: World
    public_scope: int
    private_scope: int
    assessor_id: int


@pytest.fixture
def site(database_url: str, engine: Engine, world: Any) -> Site:
    """The business's public and private scopes, each assessed by an assessor
    the outsider owns; three notifications for the business's owner."""
    public = new_scope(world.uow, world.owner, world.business_id, "Loan scoring", "public")
    private = new_scope(world.uow, world.owner, world.business_id, "Secret screening")
    assessor = create_organization(
        world.uow,
        world.outsider,
        OrganizationCreate(slug="fairbench", name="FairBench Assurance", kind="assessor"),
    )
    # The business's owner also runs an in-house assessor (with no assessment yet);
    # the business audits its private scope itself.
    create_organization(
        world.uow,
        world.owner,
        OrganizationCreate(slug="inhouse", name="In-house Audit", kind="assessor"),
    )
    for who, by, scope, method, result in (
        ("outsider", assessor.id, public, "peer_review", "Meets the criteria"),
        ("outsider", assessor.id, public, "expert_declaration", "Two findings on logging"),
        ("owner", world.business_id, private, "internal_audit", "Confidential result"),
    ):
        actor = world.refresh(who)
        completed_assessment(world.uow, actor, world.owner, by, scope, method=method, result=result)
    with world.uow:
        for kind, title in (
            ("indicator.breach", "Selection ratio is in breach"),
            ("indicator.recovered", "Selection ratio recovered"),
            ("goal.failure", "=Fairness failed"),
        ):
            notify_owners(
                world.uow.session,
                world.owner,
                world.business_id,
                kind,
                title,
                f"{title} in Loan scoring",
                link=f"/scopes/{public}",
            )
        world.uow.commit()
    api = world_from_fixture(database_url, engine, world)
    return Site(api, public, private, assessor.id)


def rows_of(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "a BOM, so a spreadsheet reads Japanese right"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def cells(page: str, pattern: str) -> list[str]:
    """The texts of the links matching ``pattern`` in the page's table."""
    table = page.split("<tbody>")[-1].split("</tbody>")[0]
    return re.findall(rf'<a href="{pattern}">([^<]*)</a>', table)


# ---------------------------------------------------------------- assessments


def test_assessments_are_listed_only_where_the_visitor_may_read_them(site: Site) -> None:
    anonymous = browser(site.api).get("/assessments")
    assert anonymous.status_code == 200
    assert cells(anonymous.text, r"/scopes/\d+") == ["Loan scoring", "Loan scoring"]
    assert "Confidential result" not in anonymous.text
    outsider = sign_in(site.api, "outsider")
    download = outsider.get("/assessments", params={"format": "csv", "q": "result"})
    assert "Confidential" not in download.text and len(rows_of(download.content)) == 1
    viewer = sign_in(site.api, "viewer")
    page = viewer.get("/assessments", params={"sort": "scope"})
    assert cells(page.text, r"/scopes/\d+") == ["Loan scoring", "Loan scoring", "Secret screening"]


def test_assessments_are_searched_filtered_sorted_and_downloaded(site: Site) -> None:
    client = sign_in(site.api, "viewer")
    page = client.get("/assessments", params={"q": "FAIRBENCH", "sort": "-method"})
    assert cells(page.text, r"/organizations/\d+") == ["FairBench Assurance"] * 2
    table = page.text.split("<tbody>")[-1]
    assert table.index("Peer review") < table.index("Expert declaration")
    assert 'aria-sort="descending"' in page.text
    only = client.get("/assessments", params={"method": "internal_audit"})
    assert cells(only.text, r"/scopes/\d+") == ["Secret screening"]
    mine = client.get("/assessments", params={"scope_id": str(site.public_scope)})
    assert len(cells(mine.text, r"/scopes/\d+")) == 2
    download = client.get(
        "/assessments",
        params={"q": "FAIRBENCH", "sort": "-method", "format": "csv"},
        headers={"Accept-Language": "ja"},
    )
    rows = rows_of(download.content)
    assert rows[0] == ["評価日時", "スコープ", "評価者", "手法", "結果"]
    assert [row[1] for row in rows[1:]] == ["Loan scoring"] * 2
    assert [row[4] for row in rows[1:]] == ["Meets the criteria", "Two findings on logging"]


def test_assessments_page_on(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    one = dataclasses.replace(assurance_pages.ASSESSMENTS, per_page=1)
    monkeypatch.setattr(assurance_pages, "ASSESSMENTS", one)
    client = sign_in(site.api, "viewer")
    first = client.get("/assessments", params={"sort": "scope", "q": "i"})
    assert 'href="?q=i&amp;sort=scope&amp;offset=1"' in first.text
    second = client.get("/assessments", params={"sort": "scope", "q": "i", "offset": "1"})
    download = client.get(
        "/assessments", params={"sort": "scope", "q": "i", "offset": "1", "format": "csv"}
    )
    assert [row[1] for row in rows_of(download.content)[1:]] == cells(second.text, r"/scopes/\d+")


# ---------------------------------------------------------------- organizations


def test_organizations_are_searched_filtered_and_sorted(site: Site) -> None:
    client = browser(site.api)
    names = cells(client.get("/organizations").text, r"/organizations/\d+")
    assert names == ["FairBench Assurance", "HireRight", "In-house Audit", "Ministry"]
    assessors = client.get("/organizations", params={"kind": "assessor", "sort": "-name"})
    assert cells(assessors.text, r"/organizations/\d+") == ["In-house Audit", "FairBench Assurance"]
    by_published = client.get("/organizations", params={"sort": "-published"})
    assert cells(by_published.text, r"/organizations/\d+")[0] == "HireRight"
    assert cells(
        client.get("/organizations", params={"q": "RIGHT"}).text, "/organizations/\\d+"
    ) == ["HireRight"]
    download = client.get("/organizations", params={"sort": "-published", "format": "csv"})
    rows = rows_of(download.content)
    assert rows[0] == ["Organization", "Kind", "Published scopes"]
    assert rows[1] == ["HireRight", "Business", "1"]
    assert [row[0] for row in rows[1:]] == cells(by_published.text, r"/organizations/\d+")
    japanese = client.get(
        "/organizations",
        params={"kind": "government", "format": "csv"},
        headers={"Accept-Language": "ja"},
    )
    assert rows_of(japanese.content) == [
        ["組織", "種類", "公開中のスコープ"],
        ["Ministry", "行政機関", "0"],
    ]


# ---------------------------------------------------------------- notifications


def test_notifications_are_ones_own_filtered_by_kind_and_read(site: Site) -> None:
    owner = sign_in(site.api, "owner")
    shown = cells(owner.get("/notifications", params={"sort": "title"}).text, r"/scopes/\d+")
    assert shown == [
        "=Fairness failed",
        "Selection ratio is in breach",
        "Selection ratio recovered",
    ]
    breach = owner.get("/notifications", params={"kind": "indicator.breach"})
    assert cells(breach.text, r"/scopes/\d+") == ["Selection ratio is in breach"]
    # Kinds the person has none of are not offered, and refused.
    assert owner.get("/notifications", params={"kind": "trigger.opened"}).status_code == 400
    page = owner.get("/notifications", params={"q": "recovered"})
    action = re.search(r'action="(/notifications/\d+/read)"', page.text)
    assert action is not None
    assert post_form(owner, "/notifications", action.group(1), {}).status_code == 303
    unread = owner.get("/notifications", params={"status": "unread", "sort": "-title"})
    assert cells(unread.text, r"/scopes/\d+") == [
        "Selection ratio is in breach",
        "=Fairness failed",
    ]
    download = owner.get(
        "/notifications", params={"status": "unread", "sort": "-title", "format": "csv"}
    )
    # The owner was also told of the assessors' engagements and assessments (linked elsewhere).
    rows = [
        row
        for row in rows_of(download.content)
        if not row[3].startswith(("engagement.", "assessment."))
    ]
    assert rows[0] == ["Time", "Notification", "Details", "Kind", "Status"]
    assert [row[1] for row in rows[1:]] == ["Selection ratio is in breach", "'=Fairness failed"]
    assert [row[4] for row in rows[1:]] == ["Unread", "Unread"]
    read = owner.get("/notifications", params={"status": "read"})
    assert cells(read.text, r"/scopes/\d+") == ["Selection ratio recovered"]
    # Others' notifications are not theirs to see.
    viewer = sign_in(site.api, "viewer")
    assert cells(viewer.get("/notifications").text, r"/scopes/\d+") == []
    assert len(rows_of(viewer.get("/notifications", params={"format": "csv"}).content)) == 1
    anonymous = browser(site.api).get("/notifications", params={"format": "csv"})
    assert "text/csv" not in anonymous.headers["content-type"]


# ---------------------------------------------------------------- the record


def entries(page: str) -> list[int]:
    return [int(index) for index in cells(page, r"\?index=\d+#entry-heading")]


def test_the_record_is_browsed_newest_first_without_private_entries(site: Site) -> None:
    with site.api.engine.connect() as connection:
        rows = connection.execute(
            select(Event.leaf_index, Event.scope_id, Event.organization_id)
        ).all()
    private = {index for index, scope, _ in rows if scope == site.private_scope}
    public = {index for index, scope, _ in rows if scope == site.public_scope}
    # Every entry about the private scope is the business's own (it audits itself).
    filed_under = {index: organization for index, _, organization in rows}
    business = {index for index in private if filed_under[index] == site.api.business_id}
    assert private and public
    anonymous = browser(site.api).get("/record")
    shown = entries(anonymous.text)
    assert shown == sorted(shown, reverse=True) and public <= set(shown)
    assert not private & set(shown)
    assert "Secret screening" not in anonymous.text
    download = browser(site.api).get("/record", params={"format": "csv"})
    assert not private & {int(row[0]) for row in rows_of(download.content)[1:]}
    viewer = sign_in(site.api, "viewer")
    own = entries(viewer.get("/record", params={"scope": str(site.private_scope)}).text)
    assert set(own) == business == private
    hidden = browser(site.api).get("/record", params={"scope": str(site.private_scope)})
    assert entries(hidden.text) == []


def test_the_record_is_filtered_searched_sorted_and_downloaded(site: Site) -> None:
    client = sign_in(site.api, "owner")
    page = client.get("/record", params={"type": "assessment.created"})
    created = entries(page.text)
    assert len(created) == 3
    oldest = client.get("/record", params={"type": "assessment.created", "sort": "index"})
    assert entries(oldest.text) == sorted(created)
    assert 'aria-sort="ascending"' in oldest.text
    searched = entries(client.get("/record", params={"q": "ASSESSMENT"}).text)
    assert set(created) <= set(searched)
    subject = client.get("/record", params={"subject": "scope", "scope": str(site.public_scope)})
    assert len(entries(subject.text)) >= 1
    assert "Loan scoring" in subject.text
    download = client.get(
        "/record", params={"type": "assessment.created", "sort": "index", "format": "csv"}
    )
    rows = rows_of(download.content)
    assert rows[0] == ["Entry", "Time", "Type", "Subject", "Scope"]
    assert [int(row[0]) for row in rows[1:]] == entries(oldest.text)
    assert {row[2] for row in rows[1:]} == {"assessment.created"}
    # The lookup of an entry and the list go together on one page.
    both = client.get("/record", params={"index": str(created[0]), "type": "assessment.created"})
    assert both.status_code == 200 and 'id="entry-heading"' in both.text
    assert f'href="/record/entries/{created[0]}/receipt"' in both.text


def test_the_record_pages_on(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    two = dataclasses.replace(record_pages.ENTRIES, per_page=2)
    monkeypatch.setattr(record_pages, "ENTRIES", two)
    client = sign_in(site.api, "owner")
    first = client.get("/record", params={"q": "assessment"})
    assert len(entries(first.text)) == 2
    assert 'href="?q=assessment&amp;offset=2"' in first.text
    second = client.get("/record", params={"q": "assessment", "offset": "2"})
    assert not set(entries(first.text)) & set(entries(second.text))
    download = client.get("/record", params={"q": "assessment", "offset": "2", "format": "csv"})
    assert [int(row[0]) for row in rows_of(download.content)[1:]] == entries(second.text)


# ---------------------------------------------------------------- receipts


def test_a_downloaded_receipt_verifies_offline(site: Site, tmp_path: Path) -> None:
    client = browser(site.api)
    shown = entries(client.get("/record", params={"type": "assessment.created"}).text)
    index = shown[0]
    response = client.get(f"/record/entries/{index}/receipt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert f'filename="receipt-{index}.json"' in response.headers["content-disposition"]
    document = response.json()
    assert document["index"] == index and document["event"]["type"] == "assessment.created"
    key = verifier_key(site.api.client.app.state.signer)
    assert verify_receipt(document, key).event_checked
    saved = tmp_path / f"receipt-{index}.json"
    saved.write_bytes(response.content)
    result = CliRunner().invoke(cli, ["record", "verify", "--receipt", str(saved), "--key", key])
    assert result.exit_code == 0, result.output
    assert f"receipt ok: event and leaf {index}" in result.output
    # A changed event no longer gives the leaf the log holds.
    document["event"]["payload"]["result"] = "Fails the criteria"
    with pytest.raises(ReceiptError):
        verify_receipt(document, key)
    saved.write_text(json.dumps(document))
    failed = CliRunner().invoke(cli, ["record", "verify", "--receipt", str(saved), "--key", key])
    assert failed.exit_code != 0


def test_a_private_entrys_receipt_proves_only_its_leaf(site: Site) -> None:
    with site.api.engine.connect() as connection:
        index = connection.scalar(
            select(Event.leaf_index).where(Event.scope_id == site.private_scope).limit(1)
        )
    response = browser(site.api).get(f"/record/entries/{index}/receipt")
    document = response.json()
    assert document["event"] is None and document["payload_salt"] is None
    key = verifier_key(site.api.client.app.state.signer)
    assert not verify_receipt(document, key).event_checked


@pytest.mark.parametrize("index", ["999999", "99999999999999999999999"])
def test_a_receipt_beyond_the_log_is_not_found(site: Site, index: str) -> None:
    response = browser(site.api).get(f"/record/entries/{index}/receipt")
    assert response.status_code == 404


# ---------------------------------------------------------------- bad addresses


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/assessments", {"method": "guess"}),
        ("/assessments", {"scope_id": "x1"}),
        ("/assessments", {"sort": "result"}),
        ("/organizations", {"kind": "club"}),
        ("/organizations", {"sort": "slug"}),
        ("/organizations", {"offset": "-1"}),
        ("/notifications", {"status": "archived"}),
        ("/notifications", {"sort": "body"}),
        ("/record", {"type": "Drop table"}),
        ("/record", {"scope": "99999999999999999999999"}),
        ("/record", {"sort": "type"}),
        ("/record", {"organization": "-1"}),
        ("/record", {"q": "x" * 201}),
        ("/record", {"format": "json"}),
    ],
)
def test_bad_list_addresses_are_named_never_failures(site: Site, path: str, query: dict) -> None:
    client = sign_in(site.api, "owner")
    page = client.get(path, params={"format": "csv", **query})
    assert page.status_code == 400, (path, query, page.status_code)
    assert 'role="alert"' in page.text and "text/html" in page.headers["content-type"]

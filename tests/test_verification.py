"""Who vouches for whom: the site's operator and verifiers verify organizations
(a domain through a real DNS server or a real web server, a corporate number by
its check digit, a registry entry as stated), until an expiry or a withdrawal;
look-alike names are told apart on every page; an unverified government
publishes nothing others can adopt."""

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from dnslib import QTYPE, RR, TXT
from dnslib.server import BaseResolver, DNSServer
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from agilegov import clock
from agilegov.auth import Principal
from agilegov.cli import app
from agilegov.db import make_engine, make_session_factory
from agilegov.errors import Forbidden, InvalidInput
from agilegov.goals.service import GOAL
from agilegov.migrations import upgrade
from agilegov.organizations.names import (
    corporate_number_check_digit,
    name_key,
    valid_corporate_number,
)
from agilegov.organizations.proof import DomainCheck
from agilegov.organizations.schemas import OrganizationCreate, UserCreate, VerificationCreate
from agilegov.organizations.service import (
    create_organization,
    create_user,
    get_organization,
    is_verified,
    issue_token,
    list_verifications,
    organization_by_slug,
    principal_for_user,
    set_verifier,
    update_organization,
    verification_challenge,
    verify_organization,
    withdraw_verification,
)
from agilegov.record.models import Event
from agilegov.scopes.schemas import ScopeUpdate
from agilegov.scopes.service import update_scope
from agilegov.settings import get_settings
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from api_helpers import API, assert_problem, assert_unchanged, bearer, ok, snapshot
from api_helpers import world_from_fixture as pages_of
from builders import World, add, new_scope, site_operator, specific_goal
from web_helpers import csrf_of, sign_in

# ---------------------------------------------------------------- pure rules


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("FairBench Assurance", "falrbenchassurance"),
        ("FairBench Assurance Inc.", "falrbenchassurance"),
        ("fairbench  assurance, LLC", "falrbenchassurance"),
        ("Fair-Bench Assurance", "falrbenchassurance"),
        ("\u0046\u0430irBench Assurance", "falrbenchassurance"),  # a Cyrillic a
        ("ＦａｉｒＢｅｎｃｈ Ａｓｓｕｒａｎｃｅ", "falrbenchassurance"),  # noqa: RUF001 - full-width
        ("FairBench Assurance Co., Ltd.", "falrbenchassurance"),
        ("株式会社フェアベンチ", "フェアベンチ"),
        ("フェアベンチ株式会社", "フェアベンチ"),
        ("(株)フェアベンチ", "フェアベンチ"),
        ("一般社団法人 求職者の声", "求職者の声"),
        ("HireRight", "hlrerlght"),
        ("Hire Right Corp", "hlrerlght"),
        ("Inc", "lnc"),
    ],
)
def test_the_name_key_is_the_names_skeleton(name: str, key: str) -> None:
    assert name_key(name) == key


def test_different_names_keep_different_keys() -> None:
    assert name_key("FairBench Assurance") != name_key("FairBench Audit")
    assert name_key("Ministry of Work") != name_key("Ministry of Health")


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("7000012050002", True),  # National Tax Agency
        ("5000012080001", True),
        ("9010401123456", True),
        ("1000012050002", False),  # a wrong check digit
        ("700001205000", False),  # 12 digits
        ("70000120500021", False),  # 14 digits
        ("700001205000a", False),
        ("７０００１２０５０００２", False),  # noqa: RUF001 - full-width digits are not ASCII
        ("", False),
    ],
)
def test_corporate_numbers_are_checked_by_their_check_digit(number: str, valid: bool) -> None:
    assert valid_corporate_number(number) is valid


@pytest.mark.parametrize(
    ("base", "digit"),
    [("000012050002", 7), ("000012080001", 5), ("010401123456", 9), ("000000000000", 9)],
)
def test_the_check_digit_is_nine_minus_the_weighted_sum_mod_nine(base: str, digit: int) -> None:
    assert corporate_number_check_digit(base) == digit


# ---------------------------------------------------------------- servers


class _Txt(BaseResolver):  # type: ignore[misc]
    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}

    def resolve(self, request: Any, handler: Any) -> Any:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".")
        if request.q.qtype == QTYPE.TXT:
            for value in self.records.get(name, []):
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=60))
        return reply


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dns() -> Iterator[tuple[_Txt, DomainCheck]]:
    """A real DNS server on a local UDP port, answering the TXT records set."""
    resolver = _Txt()
    port = _free_udp_port()
    server = DNSServer(resolver, port=port, address="127.0.0.1")
    server.start_thread()
    try:
        yield resolver, DomainCheck(nameserver=f"127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture
def web() -> Iterator[tuple[dict[str, bytes], str, DomainCheck]]:
    """A real HTTP server on a local port, serving the files set."""
    files: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host = f"127.0.0.1:{server.server_address[1]}"
        yield files, host, DomainCheck(http_hosts=frozenset({"127.0.0.1"}))
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- helpers


def _events(uow: UnitOfWork, type: str) -> int:
    with uow:
        return int(
            uow.session.scalar(select(func.count()).select_from(Event).where(Event.type == type))
            or 0
        )


def _verified(uow: UnitOfWork, organization_id: int) -> bool:
    with uow:
        return is_verified(uow.session, organization_id)


def _organization(world: World, actor: Principal, slug: str, name: str, kind: str) -> int:
    data = OrganizationCreate(slug=slug, name=name, kind=kind)
    return create_organization(world.uow, actor, data).id


def _refused(engine: Engine, call: Any, problem: type[Exception], field: str | None = None) -> Any:
    """``call`` is refused with ``problem`` (naming ``field``) and changes nothing."""
    before = snapshot(engine)
    with pytest.raises(problem) as raised:
        call()
    if field is not None:
        assert isinstance(raised.value, InvalidInput)
        assert field in [p.field for p in raised.value.problems]
    assert_unchanged(before, engine)
    return raised.value


REGISTRY = VerificationCreate(method="registry_entry", evidence="Registry X, entry 42")


# ---------------------------------------------------------------- the methods


def test_a_dns_txt_record_with_the_challenge_verifies(
    world: World, engine: Engine, dns: tuple[_Txt, DomainCheck]
) -> None:
    records, check = dns
    operator = site_operator(world.uow)
    business = world.business_id
    challenge = verification_challenge(world.uow, world.owner, business)
    assert len(challenge) >= 32
    data = VerificationCreate(method="dns_txt", evidence="HireRight.example.jp")

    # No record, then a record with another value: refused, nothing stored.
    verify = lambda: verify_organization(world.uow, operator, business, data, check)  # noqa: E731
    _refused(engine, verify, InvalidInput, "evidence")
    records.records["_agilegov-verification.hireright.example.jp"] = ["someone-else's"]
    problem = _refused(engine, verify, InvalidInput, "evidence")
    assert "_agilegov-verification.hireright.example.jp" in str(problem)
    assert not _verified(world.uow, business)

    records.records["_agilegov-verification.hireright.example.jp"] = ["v=1", challenge]
    done = verify()
    assert done.method == "dns_txt" and done.evidence == "hireright.example.jp"
    assert done.verifier_id is None and done.verified_by == operator.user_id
    assert timedelta(days=364) < done.expires_at - clock.now() <= timedelta(days=365)
    assert _verified(world.uow, business)
    profile = get_organization(world.uow, business)
    assert profile.verified and profile.verified_until == done.expires_at
    assert _events(world.uow, "organization.verified") == 2  # the ministry's, in the cast


def test_the_dns_challenge_of_another_organization_does_not_verify(
    world: World, engine: Engine, dns: tuple[_Txt, DomainCheck]
) -> None:
    records, check = dns
    operator = site_operator(world.uow)
    theirs = verification_challenge(world.uow, world.outsider, world.regulator_id)
    records.records["_agilegov-verification.hireright.example.jp"] = [theirs]
    data = VerificationCreate(method="dns_txt", evidence="hireright.example.jp")
    _refused(
        engine,
        lambda: verify_organization(world.uow, operator, world.business_id, data, check),
        InvalidInput,
        "evidence",
    )


def test_a_well_known_file_with_the_challenge_verifies(
    world: World, engine: Engine, web: tuple[dict[str, bytes], str, DomainCheck]
) -> None:
    files, host, check = web
    operator = site_operator(world.uow)
    business = world.business_id
    challenge = verification_challenge(world.uow, world.owner, business)
    data = VerificationCreate(method="well_known_file", evidence=host)
    verify = lambda: verify_organization(world.uow, operator, business, data, check)  # noqa: E731

    _refused(engine, verify, InvalidInput, "evidence")  # no file
    files["/.well-known/agilegov-verification.txt"] = b"not-the-challenge\n"
    _refused(engine, verify, InvalidInput, "evidence")
    # Plain http only for the hosts a setting names: by default https, which fails here.
    files["/.well-known/agilegov-verification.txt"] = f"{challenge}\n".encode()
    strict = lambda: verify_organization(world.uow, operator, business, data, DomainCheck())  # noqa: E731
    _refused(engine, strict, InvalidInput, "evidence")

    done = verify()
    assert done.method == "well_known_file" and done.evidence == host
    assert _verified(world.uow, business)


def test_a_corporate_number_needs_its_check_digit(world: World, engine: Engine) -> None:
    operator = site_operator(world.uow)
    business = world.business_id
    for evidence in ("1000012050002 (NTA site)", "70000120500 NTA", "NTA site: 7000012050002"):
        data = VerificationCreate(method="corporate_number", evidence=evidence)
        _refused(
            engine,
            lambda data=data: verify_organization(world.uow, operator, business, data),
            InvalidInput,
            "evidence",
        )
    data = VerificationCreate(
        method="corporate_number", evidence="9010401123456 (NTA corporate number site)"
    )
    assert verify_organization(world.uow, operator, business, data).method == "corporate_number"
    assert _verified(world.uow, business)


def test_a_registry_entry_is_the_verifiers_statement(world: World) -> None:
    operator = site_operator(world.uow)
    done = verify_organization(world.uow, operator, world.business_id, REGISTRY)
    assert done.evidence == "Registry X, entry 42"
    assert [v.id for v in list_verifications(world.uow, world.business_id)] == [done.id]


# ---------------------------------------------------------------- who may verify


def test_only_the_site_operator_or_a_verifiers_editor_verifies(
    world: World, engine: Engine
) -> None:
    business = world.business_id
    for who in (world.owner, world.outsider, Principal(user_id=None)):
        _refused(
            engine,
            lambda who=who: verify_organization(world.uow, who, business, REGISTRY),
            Exception,
        )
    assert not _verified(world.uow, business)


def test_nobody_verifies_their_own_organization(world: World, engine: Engine) -> None:
    operator = site_operator(world.uow)
    own = _organization(world, operator, "site-ops", "Site operations", "infrastructure_operator")
    with world.uow:
        operator = principal_for_user(world.uow.session, operator.user_id)
    problem = _refused(
        engine, lambda: verify_organization(world.uow, operator, own, REGISTRY), Forbidden
    )
    assert "own organization" in str(problem)


def test_verifiers_are_verified_infrastructure_operators(world: World, engine: Engine) -> None:
    operator = site_operator(world.uow)
    registry = _organization(
        world, world.outsider, "trust-registry", "Trust Registry", "infrastructure_operator"
    )
    outsider = world.refresh("outsider")
    # Not an infrastructure operator; not yet verified; not the site's operator.
    _refused(
        engine,
        lambda: set_verifier(world.uow, operator, world.business_id, True),
        InvalidInput,
        "organization_id",
    )
    _refused(
        engine,
        lambda: set_verifier(world.uow, operator, registry, True),
        InvalidInput,
        "organization_id",
    )
    verify_organization(world.uow, operator, registry, REGISTRY)
    _refused(engine, lambda: set_verifier(world.uow, outsider, registry, True), Forbidden)
    assert set_verifier(world.uow, operator, registry, True).is_verifier
    assert _events(world.uow, "organization.verifier_set") == 1

    # Its editors (the outsider owns it) verify others, in its name.
    done = verify_organization(world.uow, outsider, world.business_id, REGISTRY)
    assert done.verifier_id == registry and _verified(world.uow, world.business_id)
    # ... but not the ministry, which the outsider owns too.
    _refused(
        engine,
        lambda: verify_organization(world.uow, outsider, world.regulator_id, REGISTRY),
        Forbidden,
    )
    # Once it is no verifier, they verify nobody.
    set_verifier(world.uow, operator, registry, False)
    _refused(
        engine,
        lambda: verify_organization(world.uow, outsider, world.business_id, REGISTRY),
        Forbidden,
    )


# ---------------------------------------------------------------- expiry and withdrawal


def test_a_verification_lasts_three_years_at_most(world: World, engine: Engine) -> None:
    operator = site_operator(world.uow)
    today = clock.now().date()
    for days in (3 * 366, -1, 0):
        data = REGISTRY.model_copy(update={"expires_on": today + timedelta(days=days)})
        _refused(
            engine,
            lambda data=data: verify_organization(world.uow, operator, world.business_id, data),
            InvalidInput,
            "expires_on",
        )
    data = REGISTRY.model_copy(update={"expires_on": today + timedelta(days=3 * 365)})
    assert verify_organization(world.uow, operator, world.business_id, data)


def test_an_expired_verification_leaves_the_organization_unverified(world: World) -> None:
    operator = site_operator(world.uow)
    soon = REGISTRY.model_copy(update={"expires_on": clock.now().date() + timedelta(days=30)})
    done = verify_organization(world.uow, operator, world.business_id, soon)
    assert _verified(world.uow, world.business_id)
    with clock.frozen_at(done.expires_at + timedelta(seconds=1)):
        assert not _verified(world.uow, world.business_id)
        assert not get_organization(world.uow, world.business_id).verified


def test_a_withdrawn_verification_is_recorded_and_ends(world: World, engine: Engine) -> None:
    operator = site_operator(world.uow)
    done = verify_organization(world.uow, operator, world.business_id, REGISTRY)
    _refused(
        engine,
        lambda: withdraw_verification(world.uow, world.owner, world.business_id, done.id, "no"),
        Forbidden,
    )
    withdrawn = withdraw_verification(
        world.uow, operator, world.business_id, done.id, "The registry entry was struck off"
    )
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.withdrawal_reason == "The registry entry was struck off"
    assert not _verified(world.uow, world.business_id)
    assert get_organization(world.uow, world.business_id).verified_until is None
    assert _events(world.uow, "organization.verification_withdrawn") == 1


# ---------------------------------------------------------------- government publishing


def test_an_unverified_government_publishes_nothing(world: World, engine: Engine) -> None:
    agency = _organization(world, world.owner, "agency", "Digital Agency", "government")
    owner = world.refresh("owner")
    scope = new_scope(world.uow, owner, agency, "Rules")
    problem = _refused(
        engine,
        lambda: update_scope(world.uow, owner, scope, ScopeUpdate(visibility="public")),
        InvalidInput,
        "visibility",
    )
    assert "unverified government" in str(problem)
    _refused(
        engine,
        lambda: new_scope(world.uow, owner, agency, "Published rules", "public"),
        InvalidInput,
        "visibility",
    )
    verify_organization(world.uow, site_operator(world.uow), agency, REGISTRY)
    assert update_scope(world.uow, owner, scope, ScopeUpdate(visibility="public")).visibility


def test_goals_of_a_government_no_longer_verified_cannot_be_adopted(
    world: World, engine: Engine
) -> None:
    # The ministry is verified in the cast: it publishes a requirement.
    ministry_scope = new_scope(world.uow, world.outsider, world.regulator_id, "Rules", "public")
    requirement = specific_goal(world.uow, world.outsider, ministry_scope)
    scope = new_scope(world.uow, world.owner, world.business_id)

    def offered() -> list[int]:
        with world.uow as uow:
            choices = GOAL.other_choices(uow.session, uow.session.get(Scope, scope))
            return [id_ for id_, _ in choices["derives_from_id"]]

    assert requirement.id in offered()
    with world.uow:
        (vid,) = [v.id for v in list_verifications(world.uow, world.regulator_id)]
    withdraw_verification(world.uow, site_operator(world.uow), world.regulator_id, vid, "moved")
    assert requirement.id not in offered()  # the goal form no longer offers it
    problem = _refused(
        engine,
        lambda: add(
            world.uow,
            world.editor,
            scope,
            GOAL,
            title="Adopted",
            level="specific",
            direction="higher_is_better",
            unit="ratio",
            acceptable_level=0.85,
            derives_from_id=requirement.id,
        ),
        InvalidInput,
        "derives_from_id",
    )
    assert "unverified government" in str(problem)


# ---------------------------------------------------------------- look-alikes and pages


def test_look_alikes_are_told_apart_on_every_mark(
    database_url: str, engine: Engine, world: World
) -> None:
    verify_organization(world.uow, site_operator(world.uow), world.business_id, REGISTRY)
    pages = pages_of(database_url, engine, world)
    outsider = sign_in(pages, "outsider")
    created = outsider.post(
        "/organizations",
        data={
            "slug": "hireright-jp",
            "name": "Hire-Right Inc.",
            "kind": "business",
            "csrf_token": csrf_of(outsider.get("/organizations/new")),
        },
    )
    # Allowed, but the founder is told.
    assert created.status_code == 200
    assert "looks like the name of HireRight (@hireright)" in created.text
    copy_id = organization_by_slug(world.uow, "hireright-jp").id
    page = outsider.get(f"/organizations/{copy_id}").text
    assert "@hireright-jp" in page and "unverified" in page
    assert f'not the verified <a href="/organizations/{world.business_id}">HireRight</a>' in page
    assert "(@hireright)" in page
    listing = outsider.get("/organizations").text
    assert "@hireright-jp" in listing and "@hireright<" in listing
    assert 'title="Verified by the site&#39;s operator until' in listing
    # A name no other resembles shows no handle.
    assert "@ministry" not in listing
    # Renaming away from the collision: the marks lose the handles.
    update_organization(
        world.uow,
        world.refresh("outsider"),
        copy_id,
        OrganizationCreate.model_validate(
            {"slug": "hireright-jp", "name": "Talent Scouts", "kind": "business"}
        ),
    )
    assert "@hireright-jp" not in outsider.get("/organizations").text


def test_the_organization_page_verifies_and_withdraws(
    database_url: str, engine: Engine, world: World
) -> None:
    site_operator(world.uow)
    pages = pages_of(database_url, engine, world)
    operator = sign_in(pages, "site")
    path = f"/organizations/{world.business_id}"
    page = operator.get(path)
    assert page.status_code == 200 and 'action="/organizations/' in page.text
    challenge = verification_challenge(world.uow, world.owner, world.business_id)
    assert challenge in page.text
    # An outsider sees the status but neither the form nor the challenge.
    outsider_page = sign_in(pages, "outsider").get(path).text
    assert challenge not in outsider_page and f"{path}/verifications" not in outsider_page

    before = snapshot(engine)
    refused = operator.post(
        f"{path}/verifications",
        data={"method": "corporate_number", "evidence": "123", "csrf_token": csrf_of(page)},
    )
    assert refused.status_code == 422 and "13-digit corporate number" in refused.text
    assert_unchanged(before, engine)
    done = operator.post(
        f"{path}/verifications",
        data={
            "method": "corporate_number",
            "evidence": "9010401123456 NTA site",
            "csrf_token": csrf_of(page),
        },
    )
    assert done.status_code == 200 and "Verified until" in done.text
    (verification,) = list_verifications(world.uow, world.business_id)
    action = f"{path}/verifications/{verification.id}/withdraw"
    token = csrf_of(operator.get(path))
    before = snapshot(engine)
    asked = operator.post(action, data={"reason": "struck off", "csrf_token": token})
    assert f"Withdraw verification #{verification.id}?" in asked.text
    assert_unchanged(before, engine)
    withdrawn = operator.post(
        action, data={"reason": "struck off", "confirmed": "yes", "csrf_token": token}
    )
    assert withdrawn.status_code == 200 and not _verified(world.uow, world.business_id)


def test_the_site_operator_makes_verifiers_on_their_page(
    database_url: str, engine: Engine, world: World
) -> None:
    operator = site_operator(world.uow)
    registry = _organization(
        world, world.outsider, "trust-registry", "Trust Registry", "infrastructure_operator"
    )
    verify_organization(world.uow, operator, registry, REGISTRY)
    pages = pages_of(database_url, engine, world)
    browser = sign_in(pages, "site")
    page = browser.get("/verifiers")
    assert f'action="/organizations/{registry}/verifier"' in page.text
    made = browser.post(
        f"/organizations/{registry}/verifier",
        data={"is_verifier": "true", "csrf_token": csrf_of(page)},
    )
    assert made.status_code == 200 and "Trust Registry is a verifier" in made.text
    # Nobody else may.
    owner = sign_in(pages, "owner")
    before = snapshot(engine)
    refused = owner.post(
        f"/organizations/{registry}/verifier",
        data={"is_verifier": "false", "csrf_token": csrf_of(owner.get("/verifiers"))},
    )
    assert refused.status_code == 403
    assert_unchanged(before, engine)


# ---------------------------------------------------------------- the API


def test_the_api_shapes(database_url: str, engine: Engine, world: World) -> None:
    operator = site_operator(world.uow)
    token = issue_token(world.uow, operator, "tests").token
    pages = pages_of(database_url, engine, world)
    client, business = pages.client, world.business_id
    with client:
        profile = ok(client.get(f"{API}/organizations/{business}"))
        assert profile["verified"] is False and profile["verified_until"] is None
        assert ok(client.get(f"{API}/me", headers=bearer(token)))["site_admin"] is True
        assert ok(client.get(f"{API}/me", headers=pages.auth("owner")))["site_admin"] is False

        before = snapshot(engine)
        body = {"method": "registry_entry", "evidence": "Registry X, entry 42"}
        assert_problem(
            client.post(
                f"{API}/organizations/{business}/verifications",
                json=body,
                headers=pages.auth("owner"),
            ),
            403,
        )
        assert_problem(
            client.post(
                f"{API}/organizations/{business}/verifications",
                json={**body, "expires_on": "2999-01-01"},
                headers=bearer(token),
            ),
            422,
            "expires_on",
        )
        assert_unchanged(before, engine)

        made = ok(
            client.post(
                f"{API}/organizations/{business}/verifications", json=body, headers=bearer(token)
            ),
            201,
        )
        assert set(made) == {
            "id",
            "organization_id",
            "verifier_id",
            "verified_by",
            "method",
            "evidence",
            "note",
            "verified_at",
            "expires_at",
            "withdrawn_at",
            "withdrawal_reason",
        }
        profile = ok(client.get(f"{API}/organizations/{business}"))
        assert profile["verified"] is True and profile["verified_until"] == made["expires_at"]
        listed = ok(client.get(f"{API}/organizations/{business}/verifications"))
        assert [item["id"] for item in listed["items"]] == [made["id"]]
        withdrawn = ok(
            client.post(
                f"{API}/organizations/{business}/verifications/{made['id']}/withdraw",
                json={"reason": "struck off"},
                headers=bearer(token),
            )
        )
        assert withdrawn["withdrawal_reason"] == "struck off"
        assert ok(client.get(f"{API}/organizations/{business}"))["verified"] is False
        assert ok(client.get(f"{API}/verifiers"))["items"] == []
        assert_problem(
            client.put(
                f"{API}/organizations/{business}/verifier",
                json={"is_verifier": True},
                headers=bearer(token),
            ),
            422,
            "organization_id",
        )


# ---------------------------------------------------------------- the command line


@pytest.fixture
def cli_database(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[UnitOfWork]:
    """A migrated SQLite file that the ``agilegov`` command is pointed at."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("AGILEGOV_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    yield UnitOfWork(make_session_factory(engine))
    engine.dispose()
    get_settings.cache_clear()


def test_the_command_line_makes_the_operator_who_verifies(cli_database: UnitOfWork) -> None:
    uow, runner = cli_database, CliRunner()
    made = runner.invoke(
        app,
        ["user", "create", "--email", "op@example.com", "--name", "Op", "--site-admin"],
        input="a-long-password\na-long-password\n",
    )
    assert made.exit_code == 0, made.output
    founder = create_user(
        uow, UserCreate(email="gov@example.com", name="Gov", password="a-long-password")
    )
    with uow:
        actor = principal_for_user(uow.session, founder.id)
    agency = create_organization(
        uow, actor, OrganizationCreate(slug="agency", name="Agency", kind="government")
    )

    wrong = runner.invoke(
        app,
        ["organization", "verify", "agency", "--method", "corporate_number", "--evidence", "123"],
    )
    assert wrong.exit_code != 0 and "corporate number" in wrong.output
    assert not _verified(uow, agency.id)
    done = runner.invoke(
        app,
        [
            "organization",
            "verify",
            "agency",
            "--method",
            "corporate_number",
            "--evidence",
            "7000012050002 NTA site",
            "--expires",
            "2099-01-01",
        ],
    )
    assert done.exit_code != 0 and "three years" in done.output  # too far
    done = runner.invoke(
        app,
        [
            "organization",
            "verify",
            "agency",
            "--method",
            "corporate_number",
            "--evidence",
            "7000012050002 NTA site",
        ],
    )
    assert done.exit_code == 0, done.output
    assert "Agency is verified until" in done.output and _verified(uow, agency.id)

    revoked = runner.invoke(app, ["user", "site-admin", "op@example.com", "--revoke"])
    assert revoked.exit_code == 0 and "no longer" in revoked.output
    refused = runner.invoke(
        app,
        ["organization", "verify", "agency", "--method", "registry_entry", "--evidence", "X 1"],
    )
    assert refused.exit_code != 0 and "site-admin" in refused.output

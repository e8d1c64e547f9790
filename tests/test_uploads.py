"""Uploads are read only once the caller may send them, and within limits: the
body's size, what an archive unpacks to (declared and counted), nested archives,
the rows of each CSV file. Every refusal stores nothing."""

import gzip
import io
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from agilegov.dialogue import api as dialogue_api
from agilegov.dialogue import archive
from agilegov.scopes import api as scopes_api
from api_helpers import (
    API,
    World,
    assert_problem,
    assert_unchanged,
    bearer,
    make_client,
    snapshot,
)

VOTES_HEADER = b"timestamp,datetime,comment-id,voter-id,vote\n"
COMMENTS = (
    b"timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    b"1500000000000,x,0,1,0,0,1,A statement\n"
)
PARTICIPANTS = b"participant,group-id,n-comments,n-votes,n-agree,n-disagree\n"
SUMMARY = b"topic,An upload\n"
# A zip bomb: 44 MB of votes that deflate to a few tens of KB.
BOMB_BYTES = 44 * 1024 * 1024


def export_zip(votes: bytes, **extra: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as packed:
        packed.writestr("votes.csv", votes)
        packed.writestr("comments.csv", COMMENTS)
        packed.writestr("participants-votes.csv", PARTICIPANTS)
        packed.writestr("summary.csv", SUMMARY)
        for name, content in extra.items():
            packed.writestr(name.replace("_", "."), content)
    return buffer.getvalue()


def votes(count: int) -> bytes:
    return VOTES_HEADER + b"".join(b"%d,x,0,%d,1\n" % (1500000001000 + n, n) for n in range(count))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    line = b"1500000001000,x,0,1,1\n"
    data = export_zip(VOTES_HEADER + line * (BOMB_BYTES // len(line)))
    assert len(data) < 200_000
    return data


def lying(data: bytes, name: bytes, declared: int) -> bytes:
    """``data`` with the size its directory declares for ``name`` set to ``declared``."""
    entry = data.index(b"PK\x01\x02")
    while True:
        length = int.from_bytes(data[entry + 28 : entry + 30], "little")
        if data[entry + 46 : entry + 46 + length] == name:
            break
        entry = data.index(b"PK\x01\x02", entry + 4)
    return data[: entry + 24] + declared.to_bytes(4, "little") + data[entry + 28 :]


def upload(client: TestClient, scope_id: int, data: bytes, token: str | None = None) -> Response:
    return client.post(
        f"{API}/scopes/{scope_id}/consultations/import",
        files={"export": ("export.zip", data, "application/zip")},
        headers=bearer(token) if token else {},
    )


def quickest(send: Callable[[], Response]) -> tuple[Response, float]:
    """The last answer to three tries of ``send``, and the shortest time one took
    (the machine may be busy with other work meanwhile)."""
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        response = send()
        timings.append(time.perf_counter() - started)
    return response, min(timings)


@pytest.fixture
def never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading or unpacking the upload fails the test."""

    def reached(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the upload was read")

    monkeypatch.setattr(dialogue_api, "read_upload", reached)
    monkeypatch.setattr(archive, "unpack", reached)


@pytest.fixture
def small(shared: World) -> Iterator[TestClient]:
    """A client of the same database whose limits a small upload exceeds."""
    url = shared.engine.url.render_as_string(hide_password=False)
    client = make_client(
        url, max_upload_bytes=300_000, max_unpacked_bytes=100_000, max_import_rows=100
    )
    with client:
        yield client


# ---------------------------------------------------------------- the caller first


@pytest.mark.parametrize("scope", ["private", "public"])
def test_an_anonymous_zip_bomb_is_refused_unread(
    shared: World, bomb: bytes, never_read: None, scope: str
) -> None:
    before = snapshot(shared.engine)
    response, seconds = quickest(lambda: upload(shared.client, shared.scopes[scope]["id"], bomb))
    assert_problem(response, 401)
    # Tracing slows every allocation down: the memory is measured on a second try.
    tracemalloc.start()
    again = upload(shared.client, shared.scopes[scope]["id"], bomb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert_problem(again, 401)
    print(f"anonymous zip bomb ({scope}): {seconds * 1000:.0f} ms, peak {peak / 2**20:.2f} MiB")
    assert peak < 4 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"
    assert_unchanged(before, shared.engine)


@pytest.mark.parametrize(
    ("who", "scope", "status"),
    [("outsider", "private", 404), ("outsider", "public", 403), ("viewer", "private", 403)],
)
def test_a_caller_who_may_not_write_the_scope_is_refused_unread(
    shared: World, bomb: bytes, never_read: None, who: str, scope: str, status: int
) -> None:
    before = snapshot(shared.engine)
    scope_id = shared.scopes[scope]["id"]
    response, seconds = quickest(lambda: upload(shared.client, scope_id, bomb, shared.tokens[who]))
    assert_problem(response, status)
    print(f"{who} on a {scope} scope: {status} in {seconds * 1000:.0f} ms")
    assert_unchanged(before, shared.engine)


def test_an_anonymous_chunked_upload_is_refused_before_its_body(
    shared: World, never_read: None
) -> None:
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(1000):
            sent += 1
            yield b"x" * 65536

    response = shared.client.post(
        f"{API}/scopes/{shared.scopes['public']['id']}/consultations/import",
        content=body(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert_problem(response, 401)
    assert sent < 1000, "the whole body was read"


# ---------------------------------------------------------------- the limits


def test_an_archive_declaring_too_much_is_refused(shared: World, small: TestClient) -> None:
    before = snapshot(shared.engine)
    response = upload(
        small, shared.scopes["private"]["id"], export_zip(votes(5000)), shared.tokens["editor"]
    )
    problem = assert_problem(response, 413, "export")
    assert "100000 bytes" in problem["detail"]
    assert_unchanged(before, shared.engine)


def test_an_archive_lying_about_its_sizes_is_refused(shared: World, small: TestClient) -> None:
    before = snapshot(shared.engine)
    data = lying(export_zip(votes(5000)), b"votes.csv", 100)
    with zipfile.ZipFile(io.BytesIO(data)) as packed:
        assert packed.getinfo("votes.csv").file_size == 100
    response = upload(small, shared.scopes["private"]["id"], data, shared.tokens["editor"])
    problem = assert_problem(response, 422, "export")
    assert "votes.csv" in problem["detail"]
    assert_unchanged(before, shared.engine)


def test_an_archive_inside_the_archive_is_refused(shared: World) -> None:
    before = snapshot(shared.engine)
    data = export_zip(votes(3), inner_zip=export_zip(votes(3)))
    response = upload(shared.client, shared.scopes["private"]["id"], data, shared.tokens["editor"])
    problem = assert_problem(response, 422, "export")
    assert "inner.zip" in problem["detail"]
    assert_unchanged(before, shared.engine)


def test_too_many_rows_are_refused(shared: World, small: TestClient) -> None:
    before = snapshot(shared.engine)
    response = upload(
        small, shared.scopes["private"]["id"], export_zip(votes(101)), shared.tokens["editor"]
    )
    problem = assert_problem(response, 413, "export")
    assert "votes.csv line 102: more than 100 rows" in problem["detail"]
    assert_unchanged(before, shared.engine)


def test_an_upload_over_its_size_is_refused(shared: World, small: TestClient) -> None:
    before = snapshot(shared.engine)
    data = b"x" * 400_000
    response = upload(small, shared.scopes["private"]["id"], data, shared.tokens["editor"])
    assert "300000" in assert_problem(response, 413)["detail"]

    def chunked() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="export"; filename="e.zip"\r\n\r\n'
        for _ in range(10):
            yield b"x" * 65536

    streamed = small.post(
        f"{API}/scopes/{shared.scopes['private']['id']}/consultations/import",
        content=chunked(),
        headers={
            **bearer(shared.tokens["editor"]),
            "Content-Type": "multipart/form-data; boundary=b",
        },
    )
    assert "content-length" not in streamed.request.headers
    assert "300000" in assert_problem(streamed, 413)["detail"]
    assert_unchanged(before, shared.engine)


def test_a_page_form_sent_as_an_upload_is_refused_unread(shared: World) -> None:
    response = shared.client.post(
        "/login", files={"email": ("e.txt", b"x" * 100_000, "text/plain")}
    )
    assert response.status_code == 422
    assert "url-encoded" in response.text


# ---------------------------------------------------------------- a scope's document


@pytest.fixture
def never_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the document fails the test."""

    async def reached(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the document was read")

    monkeypatch.setattr(scopes_api, "read_document", reached)


@pytest.mark.parametrize(("who", "status"), [(None, 401), ("viewer", 403), ("outsider", 403)])
def test_a_scope_document_from_a_caller_who_may_not_import_is_refused_unread(
    shared: World, never_validated: None, who: str | None, status: int
) -> None:
    before = snapshot(shared.engine)
    response = shared.client.post(
        f"{API}/scopes/import?organization_id={shared.business_id}",
        content=b'{"scope": ' + b"[" * 100_000,
        headers={**shared.auth(who), "Content-Type": "application/json"},
    )
    assert_problem(response, status)
    assert_unchanged(before, shared.engine)


def test_a_scope_document_is_checked_once_the_caller_may_import(shared: World) -> None:
    before = snapshot(shared.engine)
    path = f"{API}/scopes/import?organization_id={shared.business_id}"
    headers = {**shared.auth("editor"), "Content-Type": "application/json"}
    broken = shared.client.post(path, content=b'{"scope": ', headers=headers)
    assert "character 10" in assert_problem(broken, 422, "body")["detail"]
    invalid = shared.client.post(path, content=b'{"format": 1}', headers=headers)
    assert_problem(invalid, 422, "format", "scope")
    assert_unchanged(before, shared.engine)


# A batch of a megabyte whose every row is invalid: validating it would answer 422.
INVALID_BATCH = {"observations": [{"indicator": "x", "value": "not a number"}] * 20_000}


@pytest.mark.parametrize(
    ("who", "scope", "status"),
    [(None, "public", 401), ("viewer", "private", 403), ("outsider", "private", 404)],
)
def test_an_observation_batch_from_a_caller_who_may_not_store_it_is_refused_unvalidated(
    shared: World, who: str | None, scope: str, status: int
) -> None:
    before = snapshot(shared.engine)
    scope_id = shared.scopes[scope]["id"]
    for path in (f"{API}/scopes/{scope_id}/observations", f"{API}/observations?scope={scope_id}"):
        response = shared.client.post(path, json=INVALID_BATCH, headers=shared.auth(who))
        assert_problem(response, status)
    assert_unchanged(before, shared.engine)


@pytest.mark.parametrize(("who", "status"), [(None, 401), ("viewer", 403)])
def test_an_observation_batch_for_any_scope_needs_an_editor(
    shared: World, who: str | None, status: int
) -> None:
    before = snapshot(shared.engine)
    response = shared.client.post(
        f"{API}/observations", json=INVALID_BATCH, headers=shared.auth(who)
    )
    assert_problem(response, status)
    assert_unchanged(before, shared.engine)
    invalid = shared.client.post(
        f"{API}/observations", json=INVALID_BATCH, headers=shared.auth("editor")
    )
    assert_problem(invalid, 422, "observations")


def test_a_compressed_body_is_not_inflated(shared: World) -> None:
    """No route accepts Content-Encoding: a gzip body is taken as the bytes it
    is (not JSON: refused), so a small compressed body cannot grow past the body limit."""
    document = b'{"organization_id": 1, "name": "' + b"x" * 10_000_000 + b'", "kind": "ai_system"}'
    packed = gzip.compress(document)
    assert len(packed) < shared.client.app.state.settings.max_body_bytes < len(document)
    before = snapshot(shared.engine)
    response = shared.client.post(
        f"{API}/scopes",
        content=packed,
        headers={
            **shared.auth("owner"),
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        },
    )
    assert_problem(response, 422, "body")
    assert_unchanged(before, shared.engine)

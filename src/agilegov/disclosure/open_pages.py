"""The open data's pages: the latest cut with its files, its checkpoint and how
to verify it; the files themselves; and the DCAT-AP catalogue."""

import json
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from agilegov import i18n
from agilegov.disclosure import dcat
from agilegov.disclosure.dump import MANIFEST, DumpError, latest_cut, read_manifest
from agilegov.errors import NotFound
from agilegov.i18n import lazy
from agilegov.web.render import render
from agilegov.web.signin import VisitorDep
from agilegov.web.viewer import language_of

router = APIRouter(include_in_schema=False)

# A cut's folder name (its time): nothing else is served from the folder.
_CUT = re.compile(r"^[0-9]{8}T[0-9]{12}Z$")
PUBLISHER = "agilegov"


def _latest(request: Request) -> dict[str, Any] | None:
    folder = latest_cut(request.app.state.settings.open_data_dir)
    if folder is None:
        return None
    try:
        return read_manifest(folder)
    except DumpError:
        return None


@router.get("/open")
def open_data(request: Request, visitor: VisitorDep) -> Response:
    """The latest cut of the open data: its files, checkpoint and how to verify it."""
    manifest = _latest(request)
    return render(
        request,
        "open.html",
        visitor=visitor,
        manifest=manifest,
        titles=dcat.TABLE_TITLES,
        licence_document=dcat.licence_document,
    )


@router.get("/open/files/{cut}/{name}")
def open_file(request: Request, cut: str, name: str) -> Response:
    """One file of a cut, as its manifest lists it, with its media type."""
    folder = request.app.state.settings.open_data_dir / cut
    if not _CUT.match(cut) or not (folder / MANIFEST).is_file():
        raise NotFound(lazy("no open data cut %(cut)s", cut=cut))
    if name == MANIFEST:
        return FileResponse(folder / MANIFEST, media_type="application/json")
    listed = {item["name"]: item for item in read_manifest(folder)["files"]}
    if name not in listed:
        raise NotFound(lazy("no file %(name)s in open data cut %(cut)s", name=name, cut=cut))
    item = listed[name]
    return FileResponse(
        folder / name,
        media_type=item["media_type"],
        filename=name,
        headers={"Digest": f"sha-256={item['sha256']}"},
    )


@router.get("/open/catalog.jsonld")
def catalog(request: Request) -> Response:
    """The DCAT-AP catalogue of the latest cut (JSON-LD)."""
    manifest = _latest(request)
    if manifest is None:
        raise NotFound(lazy("no open data has been cut yet"))
    site = request.app.state.settings.public_url.rstrip("/")
    with i18n.speaking(language_of(request)):
        document = dcat.catalog(manifest, site, PUBLISHER)
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2), media_type="application/ld+json"
    )

"""The regulation part's pages."""

# ---------------------------------------------------------------- A: requirements and reports

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.errors import Conflict, InvalidInput
from agilegov.i18n import N_, lazy
from agilegov.part import Tab
from agilegov.regulation import service
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.web.crud import kind_pages
from agilegov.web.render import redirect, render
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)

KIND_PAGES = [kind_pages(kind) for kind in service.KINDS]


@router.get("/requirements")
def requirements_page(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    published = service.list_published(uow, 200, 0)
    return render(request, "requirements.html", visitor=visitor, published=published)


@router.get("/requirements/{requirement_id}")
def requirement_page(
    request: Request, requirement_id: int, uow: Uow, visitor: VisitorDep
) -> Response:
    requirement = service.get_requirement(uow, visitor.principal, requirement_id)
    adopters = service.adopters(uow, visitor.principal, requirement_id)
    with uow:
        scope = uow.session.get(Scope, requirement.scope_id)
        assert scope is not None
        regulator = visitor.can(scope.organization_id, Role.viewer)
        can_publish = visitor.can(scope.organization_id, Role.editor)
        scope_name = scope.name
    return render(
        request,
        "requirement.html",
        visitor=visitor,
        requirement=requirement,
        adopters=adopters,
        regulator=regulator,
        can_publish=can_publish and requirement.status == "draft",
        scope_name=scope_name,
    )


@router.post("/requirements/{requirement_id}/publish")
def publish(requirement_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    service.publish_requirement(uow, visitor.principal, requirement_id)
    return redirect(
        f"/requirements/{requirement_id}",
        message=lazy("Requirement #%(id)s published", id=requirement_id),
    )


def _report_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    report_id: int,
    problems: dict[str, str] | None = None,
    general: str | None = None,
    texts: dict[str, str] | None = None,
) -> Response:
    report = service.get_report(uow, visitor.principal, report_id)
    requirement = service.report_requirement(uow, visitor.principal, report_id)
    editable = report.status in ("draft", "correction_requested") and visitor.can(
        report.organization_id, Role.editor
    )
    return render(
        request,
        "report.html",
        status=422 if problems or general else 200,
        visitor=visitor,
        report=report,
        requirement=requirement,
        editable=editable,
        problems=problems or {},
        general=general,
        texts={**report.explanations, **(texts or {})},
    )


@router.get("/reports/{report_id}")
def report_page(request: Request, report_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _report_page(request, uow, visitor, report_id)


def _refused(problem: InvalidInput | Conflict) -> tuple[dict[str, str], str | None]:
    problems = {p.field: str(p.message) for p in problem.problems}
    return problems, None if problems else str(problem.detail)


@router.post("/reports/{report_id}/explanations")
def explain(
    request: Request, report_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    texts = {
        name.removeprefix("item-"): str(value)
        for name, value in form.items()
        if name.startswith("item-")
    }
    try:
        service.set_explanations(uow, visitor.principal, report_id, texts)
    except (InvalidInput, Conflict) as problem:
        problems, general = _refused(problem)
        return _report_page(request, uow, visitor, report_id, problems, general, texts)
    return redirect(f"/reports/{report_id}", message=lazy("Explanations saved"))


@router.post("/reports/{report_id}/submit")
def submit(request: Request, report_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    key_dir = request.app.state.settings.assessor_key_dir
    try:
        service.submit_report(uow, visitor.principal, report_id, key_dir)
    except (InvalidInput, Conflict) as problem:
        problems, general = _refused(problem)
        return _report_page(request, uow, visitor, report_id, problems, general)
    return redirect(
        f"/reports/{report_id}", message=lazy("Report #%(id)s submitted, signed", id=report_id)
    )


def _reports(session: Session, scope: Scope, visitor: Visitor, **_: Any) -> dict[str, Any]:
    return {"reports": service.scope_reports(session, visitor.principal, scope)}


def _requirements(session: Session, scope: Scope, visitor: Visitor, **_: Any) -> dict[str, Any]:
    return {
        "requirements": service.requirements_in_scope(session, scope.id),
        "government": service.is_government(session, scope.organization_id),
    }


TABS = (
    Tab(
        "requirements",
        N_("Requirements"),
        85,
        "scope/requirements.html",
        _requirements,
        badge="requirements",
    ),
    Tab("reports", N_("Reports"), 86, "scope/reports.html", _reports),
)

"""Transparency reports' pages: the scope's "transparency" tab (its reports and
a form to draft one), a report's page (public once published, for a public
scope; the draft's editing form for its editors) and its PDF."""

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.disclosure import reports
from agilegov.disclosure.report_schemas import ReportCreate
from agilegov.disclosure.report_templates import TEMPLATES
from agilegov.errors import Conflict, DomainError, InvalidInput
from agilegov.i18n import N_, lazy
from agilegov.part import Tab
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.web.render import confirm_page, confirmed, redirect, render
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)

TAB = "transparency"
# Where the PDF's HTML would find anything it named: nothing is fetched from elsewhere.
PRINT_BASE = Path(__file__).parent / "templates"
# The PDF's page and type: Japanese and Latin alike in IPAGothic (fonts-ipafont-gothic).
PRINT_STYLE = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "IPAGothic", sans-serif; font-size: 10pt; line-height: 1.5; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 1.2em; } h3 { font-size: 11pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #888; padding: 2pt 4pt; text-align: left; vertical-align: top; }
.muted { color: #555; }
code { font-family: "IPAGothic", monospace; font-size: 8pt; word-break: break-all; }
"""


# A report's status as the pages say it (through the catalogs: ``|t``).
STATUS_WORDS = {
    "draft": N_("Draft"),
    "published": N_("Published, signed"),
    "superseded": N_("Superseded"),
}


def _transparency(session: Session, scope: Scope, visitor: Visitor, **_: Any) -> dict[str, Any]:
    return {
        "transparency_reports": reports.scope_reports(session, visitor.principal, scope),
        "report_templates": TEMPLATES,
        "can_draft": visitor.can(scope.organization_id, Role.editor),
    }


TABS = (Tab(TAB, N_("Transparency"), 87, "report_tab.html", _transparency),)


def _refused(problem: InvalidInput | Conflict) -> tuple[dict[str, str], str | None]:
    problems = {p.field: str(p.message) for p in problem.problems}
    return problems, None if problems else str(problem.detail)


def _form_date(form: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(form.get(field, "")))
    except ValueError:
        raise InvalidInput.on(field, lazy("a date is asked for (YYYY-MM-DD)")) from None


@router.post("/scopes/{scope_id}/transparency-reports")
def create(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    try:
        template = str(form.get("template", ""))
        if template not in TEMPLATES:
            raise InvalidInput.on(
                "template",
                lazy(
                    "no template %(template)s: %(known)s",
                    template=template,
                    known=", ".join(TEMPLATES),
                ),
            )
        data = ReportCreate(
            scope_id=scope_id,
            template=template,
            period_start=_form_date(form, "period_start"),
            period_end=_form_date(form, "period_end"),
        )
        report = reports.create_report(uow, visitor.principal, data)
    except (InvalidInput, Conflict) as problem:
        problems, general = _refused(problem)
        why = general or "; ".join(f"{field}: {message}" for field, message in problems.items())
        return redirect(
            f"/scopes/{scope_id}/{TAB}", message=lazy("Nothing was drafted: %(why)s", why=why)
        )
    return redirect(
        f"/transparency-reports/{report.id}",
        message=lazy("Report #%(id)s drafted", id=report.id),
    )


def _context(uow: UnitOfWork, visitor: Visitor, report_id: int) -> dict[str, Any]:
    report = reports.get_report(uow, visitor.principal, report_id)
    document = reports.document(uow, visitor.principal, report_id)
    return {
        "report": report,
        "document": document,
        "title": TEMPLATES[report.template],
        "editable": report.status == "draft" and visitor.can(report.organization_id, Role.editor),
        "can_publish": report.status == "draft" and visitor.can(report.organization_id, Role.owner),
        "can_supersede": report.status == "published"
        and visitor.can(report.organization_id, Role.editor),
    }


def _report_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    report_id: int,
    problems: dict[str, str] | None = None,
    general: str | None = None,
    texts: dict[str, str] | None = None,
) -> Response:
    context = _context(uow, visitor, report_id)
    return render(
        request,
        "report_transparency.html",
        status=422 if problems or general else 200,
        visitor=visitor,
        problems=problems or {},
        general=general,
        texts={**context["report"].explanations, **(texts or {})},
        **context,
    )


@router.get("/transparency-reports/{report_id:int}")
def report_page(request: Request, report_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _report_page(request, uow, visitor, report_id)


@router.post("/transparency-reports/{report_id:int}/explanations")
def explain(
    request: Request, report_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    texts = {
        name.removeprefix("explain-"): str(value)
        for name, value in form.items()
        if name.startswith("explain-")
    }
    try:
        reports.set_explanations(uow, visitor.principal, report_id, texts)
    except (InvalidInput, Conflict) as problem:
        problems, general = _refused(problem)
        return _report_page(request, uow, visitor, report_id, problems, general, texts)
    return redirect(f"/transparency-reports/{report_id}", message=lazy("Explanations saved"))


@router.post("/transparency-reports/{report_id:int}/publish")
def publish(
    request: Request, report_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    if not confirmed(form):
        return confirm_page(
            request,
            question=lazy("Publish report #%(id)s?", id=report_id),
            detail=lazy(
                "It is signed with your organization's key and cannot be changed afterwards; "
                "a new version can supersede it."
            ),
            action=f"/transparency-reports/{report_id}/publish",
            submit=lazy("Sign and publish"),
            cancel=f"/transparency-reports/{report_id}",
        )
    key_dir = request.app.state.settings.assessor_key_dir
    try:
        reports.publish_report(uow, visitor.principal, report_id, key_dir)
    except (InvalidInput, Conflict) as problem:
        problems, general = _refused(problem)
        return _report_page(request, uow, visitor, report_id, problems, general)
    return redirect(
        f"/transparency-reports/{report_id}",
        message=lazy("Report #%(id)s published, signed", id=report_id),
    )


@router.post("/transparency-reports/{report_id:int}/supersede")
def supersede(
    request: Request, report_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    try:
        new = reports.supersede_report(uow, visitor.principal, report_id)
    except (InvalidInput, Conflict) as problem:
        problems, general = _refused(problem)
        return _report_page(request, uow, visitor, report_id, problems, general)
    return redirect(
        f"/transparency-reports/{new.id}",
        message=lazy("Version %(version)s drafted", version=new.version),
    )


def _refuse_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"the report's PDF fetches nothing: {url}")


class PdfUnavailable(DomainError):
    """The PDF renderer (WeasyPrint, an optional dependency) is not installed."""

    status = 503
    title = "Service unavailable"


@router.get("/transparency-reports/{report_id:int}.pdf")
def report_pdf(request: Request, report_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    """The report's page for print, as a PDF (Japanese set in IPAGothic)."""
    context = _context(uow, visitor, report_id)
    try:
        from weasyprint import CSS, HTML
    except ImportError:
        raise PdfUnavailable(
            lazy("PDFs cannot be made here: WeasyPrint is not installed")
        ) from None
    page = render(request, "report_print.html", visitor=visitor, **context)
    pdf = HTML(
        string=bytes(page.body).decode(),
        base_url=str(PRINT_BASE),
        url_fetcher=_refuse_fetching,
    ).write_pdf(stylesheets=[CSS(string=PRINT_STYLE, url_fetcher=_refuse_fetching)])
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="transparency-report-{report_id}.pdf"'},
    )

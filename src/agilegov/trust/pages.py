"""The trust page: who accredits whom for which scheme, the published trust
list and its anchor; and the forms of the site's operator (appointing
accreditation bodies) and of accreditation bodies (schemes, accreditations)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.i18n import N_, lazy
from agilegov.organizations.service import organization_choices
from agilegov.trust import service
from agilegov.trust.schemas import (
    AccreditationBodyAppoint,
    AccreditationChangeReason,
    AccreditationCreate,
    SchemeCreate,
)
from agilegov.uow import UnitOfWork
from agilegov.web.forms import FormState
from agilegov.web.render import confirm_page, render, submit_form
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)

# Each change of an accreditation: its button, its question, and what is said once done.
ACTIONS = {
    "suspend": (
        N_("Suspend"),
        N_("Suspend accreditation #%(id)s?"),
        N_("Accreditation #%(id)s suspended"),
    ),
    "reinstate": (
        N_("Reinstate"),
        N_("Reinstate accreditation #%(id)s?"),
        N_("Accreditation #%(id)s reinstated"),
    ),
    "withdraw": (
        N_("Withdraw"),
        N_("Withdraw accreditation #%(id)s?"),
        N_("Accreditation #%(id)s withdrawn"),
    ),
}


def _trust_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    *,
    failed: str | None = None,
    values: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    shown = service.overview(uow)
    key_dir = request.app.state.settings.assessor_key_dir
    body_ids = [b.organization_id for b in shown["bodies"] if b.ended_at is None]
    editing = [b for b in body_ids if visitor.can(b, Role.editor)]
    with uow:
        session = uow.session
        verified_choices = organization_choices(session)
        assessors = organization_choices(session, kind="assessor")
        body_choices = organization_choices(session, editing)
    own_schemes = [s for s in shown["schemes"] if s.accreditation_body_id in editing]

    def state(name: str, shape: Any, choices: dict[str, Any], labels: Any = None) -> FormState:
        mine = failed == name
        return FormState.of(
            shape,
            values if mine else None,
            problems if mine else None,
            choices=choices,
            labels=labels,
        )

    return render(
        request,
        "trust.html",
        status=422 if problems else 200,
        visitor=visitor,
        anchor=service.trust_anchor(key_dir),
        editing=editing,
        site_admin=visitor.principal.site_admin,
        appoint=state(
            "appoint",
            AccreditationBodyAppoint,
            {"organization_id": [(str(i), n) for i, n in verified_choices]},
            {"organization_id": N_("Organization")},
        ),
        scheme=state(
            "scheme",
            SchemeCreate,
            {"accreditation_body_id": [(str(i), n) for i, n in body_choices]},
            {"accreditation_body_id": N_("Accreditation body")},
        ),
        accredit=state(
            "accredit",
            AccreditationCreate,
            {
                "scheme_id": [(str(s.id), s.name) for s in own_schemes],
                "assessor_organization_id": [(str(i), n) for i, n in assessors],
            },
            {"scheme_id": N_("Scheme"), "assessor_organization_id": N_("Assessor")},
        ),
        change=FormState.of(AccreditationChangeReason),
        # The change refused, shown filled with what was sent, on its own form only.
        failed=failed,
        change_refused=FormState.of(AccreditationChangeReason, values, problems),
        actions=ACTIONS,
        scheme_by_id={s.id: s for s in shown["schemes"]},
        **shown,
    )


@router.get("/trust")
def trust(request: Request, uow: Uow, visitor: VisitorDep) -> Response:
    return _trust_page(request, uow, visitor)


def _refused(request: Request, uow: UnitOfWork, visitor: Visitor, failed: str) -> Any:
    return lambda values, problems: _trust_page(
        request, uow, visitor, failed=failed, values=values, problems=problems
    )


@router.post("/trust/accreditation-bodies")
def appoint(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    return submit_form(
        AccreditationBodyAppoint,
        form,
        lambda data: service.appoint_accreditation_body(uow, visitor.principal, data),
        refused=_refused(request, uow, visitor, "appoint"),
        done="/trust#bodies",
        message=lazy("Accreditation body appointed"),
    )


@router.post("/trust/schemes")
def create_scheme(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    return submit_form(
        SchemeCreate,
        form,
        lambda data: service.create_scheme(uow, visitor.principal, data),
        refused=_refused(request, uow, visitor, "scheme"),
        done="/trust#schemes",
        message=lazy("Scheme created"),
    )


@router.post("/trust/accreditations")
def accredit(request: Request, uow: Uow, visitor: VisitorDep, form: Form) -> Response:
    key_dir = request.app.state.settings.assessor_key_dir
    return submit_form(
        AccreditationCreate,
        form,
        lambda data: service.accredit(uow, visitor.principal, data, key_dir),
        refused=_refused(request, uow, visitor, "accredit"),
        done=lambda made: f"/trust#accreditation-{made.id}",
        message=lazy("Accreditation granted; the trust list is published anew"),
    )


def _change_route(action: str) -> Any:
    label, question, said = ACTIONS[action]

    def change(
        request: Request, accreditation_id: int, uow: Uow, visitor: VisitorDep, form: Form
    ) -> Response:
        key_dir = request.app.state.settings.assessor_key_dir
        back = f"/trust#accreditation-{accreditation_id}"

        def ask(data: AccreditationChangeReason) -> Response | None:
            service.check_changeable(uow, visitor.principal, accreditation_id, action)
            if action == "reinstate":
                return None  # undoes a suspension: nothing to ask
            return confirm_page(
                request,
                question=lazy(question, id=accreditation_id),
                detail=lazy(
                    "The trust list is published anew at once; anyone checking a credential "
                    "of this issuer for this scheme is told, for this reason: %(reason)s",
                    reason=data.reason,
                ),
                action=f"/trust/accreditations/{accreditation_id}/{action}",
                submit=lazy(label),
                cancel=back,
                carried=form,
            )

        return submit_form(
            AccreditationChangeReason,
            form,
            lambda data: service.change_accreditation(
                uow, visitor.principal, accreditation_id, action, data, key_dir
            ),
            refused=_refused(request, uow, visitor, f"{action}-{accreditation_id}"),
            done=back,
            message=lazy(said, id=accreditation_id),
            confirm=ask,
        )

    return change


for _action in ACTIONS:
    router.add_api_route(
        f"/trust/accreditations/{{accreditation_id}}/{_action}",
        _change_route(_action),
        methods=["POST"],
    )

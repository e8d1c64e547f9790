"""The ``agilegov credential`` and ``agilegov assurance`` commands."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from agilegov.i18n import gettext
from agilegov.terminal import console, error_line, errors, fail, open_uow

credential_app = typer.Typer(
    name="credential", help="Attestations as verifiable credentials.", no_args_is_help=True
)
assurance_app = typer.Typer(
    name="assurance", help="How robust trust must be, and by which methods.", no_args_is_help=True
)

# A status list fetched with --online is refused beyond this size: the minimum
# list is about 100 bytes compressed, the largest accepted decodes to 16 MiB.
_MAX_STATUS_LIST_RESPONSE = 1_048_576


class Verdict:
    """The exit codes of ``agilegov credential verify`` (plain numbers: an enum
    here would be taken for words to translate)."""

    valid = 0
    invalid = 1
    not_accredited = 2
    revoked = 3
    expired = 4
    status_not_checked = 5
    status_unknown = 6


def _stop(verdict: int, message: str) -> NoReturn:
    errors.print(error_line(message), highlight=False)
    raise typer.Exit(code=verdict)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as problem:
        fail(f"{path}: {problem.strerror}")
    except ValueError as problem:
        fail(gettext("%(path)s: not JSON: %(problem)s", path=path, problem=problem))


def http_client() -> Any:
    """The HTTP client --online fetches status lists with."""
    import httpx  # only --online needs it

    return httpx.Client(timeout=10.0, follow_redirects=False)


def _fetch_status_lists(urls: set[str]) -> list[Any]:
    """Each status list named, fetched from its issuer's platform."""
    fetched = []
    with http_client() as client:
        for url in sorted(urls):
            try:
                response = client.get(url, headers={"Accept": "application/json"})
            except Exception as problem:  # any failure to reach it: say so, check nothing
                _stop(
                    Verdict.status_unknown,
                    gettext("status not checked: %(url)s: %(problem)s", url=url, problem=problem),
                )
            if response.status_code != 200 or len(response.content) > _MAX_STATUS_LIST_RESPONSE:
                _stop(
                    Verdict.status_unknown,
                    gettext(
                        "status not checked: %(url)s answered %(status)s",
                        url=url,
                        status=response.status_code,
                    ),
                )
            try:
                fetched.append(response.json())
            except ValueError:
                _stop(
                    Verdict.status_unknown,
                    gettext("status not checked: %(url)s did not answer JSON", url=url),
                )
    return fetched


def _check_proof(file: Path, secured: Any) -> set[str]:
    """The issuer's eddsa-jcs-2022 proof by its did:key; the status lists the
    credential names (each must be checked before its status is known)."""
    from agilegov.record.credentials import CredentialError, verify_attestation_proof
    from agilegov.record.status_lists import status_lists_named

    try:
        if not isinstance(secured, dict):
            raise CredentialError("a credential is a JSON object")
        verify_attestation_proof(secured)
        return status_lists_named(secured)
    except CredentialError as problem:
        _stop(
            Verdict.invalid,
            gettext("%(path)s: invalid credential: %(problem)s", path=file, problem=problem),
        )


def _check_status(
    file: Path, secured: dict[str, Any], named: set[str], given: list[Path], online: bool
) -> bool:
    """Each status entry's bit (revocation, suspension) in its issuer's signed
    list, given as files or fetched; whether every named list was checked."""
    from agilegov.record.credentials import CredentialError
    from agilegov.record.status_lists import StatusPurpose, checked_status

    if not named or not (given or online):
        return False
    lists = [_read_json(path) for path in given]
    if online:
        lists += _fetch_status_lists(
            named - {listed.get("id") for listed in lists if isinstance(listed, dict)}
        )
    # After fetching: a list made during the fetch is valid from then on.
    now = datetime.now(UTC)
    unchecked = set(named)
    for listed in lists:
        try:
            found = checked_status(secured, listed, at=now)
        except CredentialError as problem:
            _stop(
                Verdict.status_unknown,
                gettext("status list refused: %(problem)s", problem=problem),
            )
        if found is None:
            continue
        purpose, is_set = found
        unchecked.discard(listed["id"])
        if is_set:
            which = (
                gettext("revoked") if purpose is StatusPurpose.revocation else gettext("suspended")
            )
            _stop(
                Verdict.revoked,
                gettext(
                    "%(path)s: revoked or suspended: %(which)s, its bit is set in the "
                    "issuer's %(purpose)s list",
                    path=file,
                    which=which,
                    purpose=purpose.value,
                ),
            )
    if unchecked:
        _stop(
            Verdict.status_unknown,
            gettext(
                "status not checked: no status list given is the one the credential names "
                "(%(lists)s)",
                lists=", ".join(sorted(unchecked)),
            ),
        )
    return True


def _fetch_json(url: str, what: str) -> Any:
    """A document from the platform (the trust list, its anchor)."""
    with http_client() as client:
        try:
            response = client.get(url, headers={"Accept": "application/json"})
        except Exception as problem:  # any failure to reach it: say so, check nothing
            _stop(
                Verdict.status_unknown,
                gettext(
                    "%(what)s not checked: %(url)s: %(problem)s",
                    what=what,
                    url=url,
                    problem=problem,
                ),
            )
    if response.status_code != 200 or len(response.content) > _MAX_STATUS_LIST_RESPONSE:
        _stop(
            Verdict.status_unknown,
            gettext(
                "%(what)s not checked: %(url)s answered %(status)s",
                what=what,
                url=url,
                status=response.status_code,
            ),
        )
    try:
        return response.json()
    except ValueError:
        _stop(
            Verdict.status_unknown,
            gettext("%(what)s not checked: %(url)s did not answer JSON", what=what, url=url),
        )


def _anchor(given: str | None, online: bool, platform: str) -> str:
    """The trust anchor to check the list by: as given (pinned), else this
    installation's own (where its key is on this machine), else, online, the one
    the platform publishes."""
    if given:
        return given
    from agilegov.settings import get_settings

    if (get_settings().assessor_key_dir / "trust-anchor.key").exists():
        from agilegov.trust.service import trust_anchor

        return trust_anchor(get_settings().assessor_key_dir)
    if online:
        published = _fetch_json(f"{platform}/api/v1/trust-anchor", gettext("issuer"))
        if isinstance(published, dict) and isinstance(published.get("did"), str):
            return published["did"]
    _stop(
        Verdict.status_unknown,
        gettext("issuer not checked: give the platform's --trust-anchor DID to check the list by"),
    )


def _check_issuer(
    file: Path,
    secured: dict[str, Any],
    trust_list: Path | None,
    anchor: str | None,
    online: bool,
    platform: str,
) -> str | None:
    """The issuer's key against the signed trust list (given as a file, or
    fetched): accredited for the credential's scheme when it signed it, and not
    suspended or withdrawn since. The accreditation body's name, or None when
    not checked."""
    from agilegov.record.credentials import CredentialError
    from agilegov.record.trust_lists import (
        accreditation_finding,
        check_trust_list,
        credential_scheme,
        signed_at,
    )

    if trust_list is None and not online:
        return None
    listed = (
        _read_json(trust_list)
        if trust_list is not None
        else _fetch_json(f"{platform}/api/v1/trust-list", gettext("issuer"))
    )
    now = datetime.now(UTC)
    try:
        check_trust_list(listed, anchor=_anchor(anchor, online, platform), at=now)
        issuer = secured["issuer"]
        found = accreditation_finding(
            listed,
            issuer=issuer["id"] if isinstance(issuer, dict) else issuer,
            scheme=credential_scheme(secured),
            issued_at=signed_at(secured),
            at=now,
        )
    except CredentialError as problem:
        _stop(Verdict.status_unknown, gettext("trust list refused: %(problem)s", problem=problem))
    if not found.accredited:
        _stop(
            Verdict.not_accredited,
            gettext(
                "%(path)s: valid, but the issuer is not accredited: %(reason)s",
                path=file,
                reason=found.reason,
            ),
        )
    return found.accredited_by or ""


def _check_validity(file: Path, secured: dict[str, Any]) -> None:
    from agilegov.record.credentials import CredentialError, check_validity

    try:
        check_validity(secured, datetime.now(UTC))
    except CredentialError as problem:
        _stop(
            Verdict.expired,
            gettext("%(path)s: expired: %(problem)s", path=file, problem=problem),
        )


@credential_app.command("verify")
def credential_verify(
    file: Annotated[Path, typer.Argument(help="A credential (JSON) issued by an assessor.")],
    status_list: Annotated[
        list[Path] | None,
        typer.Option(
            "--status-list",
            help="One of the issuer's status list credentials (JSON), to check offline; "
            "give it once per list the credential names.",
        ),
    ] = None,
    online: Annotated[
        bool,
        typer.Option(
            "--online",
            help="Fetch the issuer's status lists, and the trust list, from their platform.",
        ),
    ] = False,
    trust_list: Annotated[
        Path | None,
        typer.Option("--trust-list", help="The platform's signed trust list (JSON), offline."),
    ] = None,
    trust_anchor: Annotated[
        str | None,
        typer.Option(
            "--trust-anchor",
            envvar="AGILEGOV_TRUST_ANCHOR",
            help="The did:key the trust list must be signed with (default: this platform's).",
        ),
    ] = None,
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform", help="Where --online fetches the trust list (default: the public URL)."
        ),
    ] = None,
) -> None:
    """Check an attestation: its eddsa-jcs-2022 proof by the issuer's did:key;
    its status (revoked, suspended) in each of the issuer's signed status lists
    it names; the issuer's key against the platform's signed trust list
    (accredited for the credential's scheme when it signed it, and still); and
    its validity period today. Exit codes: 0 valid, every check made; 1 invalid;
    2 valid, but the issuer is not accredited for this scheme; 3 revoked or
    suspended; 4 expired or not yet valid; 5 valid, the status or the issuer not
    checked; 6 a status list or the trust list is unavailable or refused."""
    from agilegov.settings import get_settings

    # Each check stops with its exit code when it fails, in this order.
    secured = _read_json(file)
    named = _check_proof(file, secured)
    checked = _check_status(file, secured, named, status_list or [], online)
    accredited_by = _check_issuer(
        file,
        secured,
        trust_list,
        trust_anchor,
        online,
        (platform or get_settings().public_url).rstrip("/"),
    )
    _check_validity(file, secured)

    subject = secured.get("credentialSubject", {})
    details = {
        "issuer": secured["issuer"]["id"]
        if isinstance(secured["issuer"], dict)
        else secured["issuer"],
        "subject": subject.get("id") if isinstance(subject, dict) else None,
        "method": subject.get("method") if isinstance(subject, dict) else None,
        "until": secured.get("validUntil"),
    }
    if checked and accredited_by is not None:
        verdict = gettext(
            "valid: issued by %(issuer)s to %(subject)s (%(method)s), until %(until)s", **details
        )
        hint = gettext("Not revoked or suspended: checked in the issuer's signed status lists.")
    elif checked:
        verdict = gettext(
            "valid, issuer not checked: issued by %(issuer)s to %(subject)s (%(method)s), "
            "until %(until)s",
            **details,
        )
        hint = gettext("Not revoked or suspended: checked in the issuer's signed status lists.")
    elif named:
        verdict = gettext(
            "valid, status not checked: issued by %(issuer)s to %(subject)s (%(method)s), "
            "until %(until)s",
            **details,
        )
        hint = gettext(
            "Give --status-list FILE (once per list) or --online to check whether it was "
            "revoked or suspended."
        )
    else:
        verdict = gettext(
            "valid, no status: issued by %(issuer)s to %(subject)s (%(method)s), until %(until)s",
            **details,
        )
        hint = gettext(
            "It names no status list; its revocation is public in the record: see %(path)s.",
            path="/api/v1/attestations/{id}/status",
        )
    if accredited_by is None:
        issuer_line = gettext(
            "Issuer not checked: give --trust-list FILE or --online to check its accreditation."
        )
    else:
        issuer_line = gettext(
            "Issuer accredited for %(scheme)s by %(body)s: checked in the signed trust list.",
            scheme=subject.get("scheme", {}).get("name", "") if isinstance(subject, dict) else "",
            body=accredited_by,
        )
    console.print(verdict, highlight=False)
    console.print(hint, highlight=False)
    console.print(issuer_line, highlight=False)
    if not checked or accredited_by is None:
        raise typer.Exit(code=Verdict.status_not_checked)


@assurance_app.command("robustness")
def assurance_robustness(
    level: Annotated[
        str | None, typer.Option("--level", help="The level to set: low, medium or high.")
    ] = None,
    methods: Annotated[
        str | None,
        typer.Option("--methods", help="The methods that reach it, separated by commas."),
    ] = None,
) -> None:
    """Show which methods reach each robustness level, or set a level's (with
    --level and --methods); the first change replaces the default table."""
    from agilegov.assurance.robustness import Robustness
    from agilegov.assurance.service import read_robustness_table, set_robustness_methods
    from agilegov.auth import SYSTEM
    from agilegov.errors import DomainError
    from agilegov.record.credentials import AttestationMethod

    if (level is None) != (methods is None):
        fail(gettext("give --level and --methods together"))
    if level is None or methods is None:
        table = read_robustness_table(open_uow())
    else:
        try:
            chosen = Robustness(level)
            named = [AttestationMethod(name.strip()) for name in methods.split(",") if name.strip()]
        except ValueError as problem:
            fail(str(problem))
        try:
            table = set_robustness_methods(open_uow(), SYSTEM, chosen, named)
        except DomainError as problem:
            fail(str(problem))
    if not table.customized:
        console.print(gettext("(the default table)"), highlight=False)
    for row in table.levels:
        listed = ", ".join(str(method) for method in row.methods)
        console.print(f"{row.robustness}: {listed}", highlight=False, markup=False)

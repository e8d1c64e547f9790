"""The ``agilegov credential`` commands."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from agilegov.i18n import gettext
from agilegov.terminal import console, error_line, errors, fail

credential_app = typer.Typer(
    name="credential", help="Attestations as verifiable credentials.", no_args_is_help=True
)

# A status list fetched with --online is refused beyond this size: the minimum
# list is about 100 bytes compressed, the largest accepted decodes to 16 MiB.
_MAX_STATUS_LIST_RESPONSE = 1_048_576


class Verdict:
    """The exit codes of ``agilegov credential verify`` (plain numbers: an enum
    here would be taken for words to translate)."""

    valid = 0
    invalid = 1
    # Reserved: checking the issuer's key against the trust list comes later.
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
        bool, typer.Option("--online", help="Fetch the issuer's status lists from its platform.")
    ] = False,
) -> None:
    """Check an attestation: its eddsa-jcs-2022 proof by the issuer's did:key,
    its status (revoked, suspended) in each of the issuer's signed status lists
    it names, and its validity period today. Exit codes: 0 valid; 1 invalid;
    2 reserved (issuer not accredited, once trust lists exist); 3 revoked or
    suspended; 4 expired or not yet valid; 5 valid, status not checked; 6 a
    status list is unavailable or refused."""
    # Each check stops with its exit code when it fails, in this order.
    secured = _read_json(file)
    named = _check_proof(file, secured)
    checked = _check_status(file, secured, named, status_list or [], online)
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
    if checked:
        verdict = gettext(
            "valid: issued by %(issuer)s to %(subject)s (%(method)s), until %(until)s", **details
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
    console.print(verdict, highlight=False)
    console.print(hint, highlight=False)
    if not checked:
        raise typer.Exit(code=Verdict.status_not_checked)

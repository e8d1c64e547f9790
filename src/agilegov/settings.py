"""Configuration, read once from the environment (prefix ``AGILEGOV_``)."""

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# scrypt's cost (N) for passwords: the floor is the production strength; the
# ceiling is what hashlib can give memory for (128 * r * N bytes must fit an int).
PASSWORD_HASH_COST_FLOOR = 2**14
PASSWORD_HASH_COST_CEILING = 2**20


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGILEGOV_")

    # The embedded default is a SQLite file in the working directory;
    # PostgreSQL is selected with a postgresql+psycopg:// URL.
    database_url: str = f"sqlite:///{Path('agilegov.db').resolve()}"
    # Largest accepted request body, in bytes; an upload (a multipart/form-data
    # body, such as a zipped Pol.is export) may be up to max_upload_bytes instead.
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 8 * 1_048_576
    # An uploaded or imported archive may unpack to this many bytes at most, all
    # its files together (checked against what it declares, and again while reading).
    max_unpacked_bytes: int = 32 * 1_048_576
    # An imported CSV file may hold this many rows at most (its header aside).
    max_import_rows: int = 500_000
    # The site is served over https (directly or behind a proxy): every response
    # then carries Strict-Transport-Security and every cookie is Secure.
    https: bool = False
    # How often the server checks review-by dates, in seconds. 0 turns off the server's
    # periodic work altogether: these checks, webhook deliveries, scrapes and evaluations.
    tick_interval_seconds: int = 3600
    # How often the server sends the webhook deliveries due and scrapes the Prometheus
    # targets due (each at its own interval), in seconds (0 turns both off).
    poll_interval_seconds: int = 10
    # How often the server evaluates every active scope's indicators, in seconds (0: never).
    evaluation_interval_seconds: int = 3600
    # How often the server evaluates the indicators new observations were stored
    # for, in seconds (0: never; they wait for the evaluation above).
    queued_evaluation_interval_seconds: int = 1
    # The log's signing key: kept outside the database, readable by its owner only.
    log_key_file: Path = Path("agilegov-keys/log.key").resolve()
    # The key webhook signing secrets are derived from (never stored): kept the same way.
    webhook_key_file: Path = Path("agilegov-keys/webhook.key").resolve()
    # Assessors' signing keys (one Ed25519 key per assessor organization).
    assessor_key_dir: Path = Path("agilegov-keys/assessors").resolve()
    # How often the server cuts a new dump of the open data, in seconds (0: never).
    open_data_interval_seconds: int = 86_400
    # Where the open data's cuts are written, one folder each, and served from.
    open_data_dir: Path = Path("agilegov-open-data").resolve()
    # The address the site is reached at (scheme and host, no trailing slash): the
    # links signed into credentials (their status list's) and the links in mails
    # start with it, never with a request's Host header, which its sender chooses.
    public_url: str = "http://localhost:8000"
    # The log's name in its checkpoints (the C2SP "origin" line and key name).
    log_origin: str = "agilegov.localhost/record"
    # The pages' language for visitors who chose none and whose browser asks for
    # neither of ours: "ja" or "en".
    default_language: Literal["ja", "en"] = "en"
    page_size_default: int = 50
    page_size_max: int = 500
    # scrypt's cost (N) for new password hashes, as get_settings reads it: a power
    # of two from 2**14 (the floor) to 2**20. Each hash keeps its own parameters,
    # so hashes made at another cost still verify.
    password_hash_cost: int = PASSWORD_HASH_COST_FLOOR
    # For test suites only: lets password_hash_cost go below the floor, so the
    # many accounts tests create are cheap. Never set in production.
    insecure_password_hashing_for_tests: bool = False
    # Where mails are sent: smtp://[user:password@]host[:port] (add ?starttls=1 to
    # upgrade the connection) or smtps://… for TLS from the start. With none, each
    # mail is written to mail_dir as an .eml file.
    smtp_url: str | None = None
    mail_from: str = "agilegov <agilegov@localhost>"
    mail_dir: Path = Path("agilegov-mail").resolve()
    # Who may create an account on the site: "invitation" (only with an invitation
    # from an organization's owner) or "open" (anyone).
    signup: Literal["open", "invitation"] = "invitation"
    # The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed:
    # addresses or networks (CIDR), separated by commas or spaces. None by default,
    # so a client's own forwarding headers never change who it is taken to be.
    trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = []
    # The DNS server asked for organizations' verification TXT records, as
    # host[:port] (None: the system's resolver).
    dns_nameserver: str | None = None
    # Hosts whose verification file is fetched over plain http (for tests and
    # closed networks; by default every file is fetched over https only).
    verification_http_hosts: Annotated[list[str], NoDecode] = []
    # Who may read /metrics: with a token, whoever sends it as a bearer token;
    # without one, only clients on this machine (127.0.0.1, ::1).
    metrics_token: SecretStr = SecretStr("")
    # The server's and the command line's log lines: "text", or "json" (one JSON
    # object a line: time, level, logger, message and the line's fields).
    log_format: Literal["text", "json"] = "text"

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError("must be an http(s) URL such as https://gov.example")
        return value.rstrip("/")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        if isinstance(value, list | tuple):
            # A single address is a network of one; host bits of a CIDR are ignored.
            return [ip_network(str(item).strip(), strict=False) for item in value]
        return value

    @field_validator("verification_http_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(",", " ").split()
        return value

    @model_validator(mode="after")
    def _password_hash_cost_is_safe(self) -> Self:
        cost = self.password_hash_cost
        if cost < 2 or cost & (cost - 1):
            raise ValueError(f"password_hash_cost must be a power of two, not {cost}")
        if cost > PASSWORD_HASH_COST_CEILING:
            raise ValueError(f"password_hash_cost is at most {PASSWORD_HASH_COST_CEILING}")
        if cost < PASSWORD_HASH_COST_FLOOR and not self.insecure_password_hashing_for_tests:
            raise ValueError(
                f"password_hash_cost is at least {PASSWORD_HASH_COST_FLOOR}; a lower cost "
                "is for tests only (AGILEGOV_INSECURE_PASSWORD_HASHING_FOR_TESTS=1)"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()

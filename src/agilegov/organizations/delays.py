"""How long a sign-in must wait after failed ones: the rule, with no I/O.

Wrong passwords are counted under three keys, each with its own allowance:

- the **account from one address** (``PAIR``): 5 free failures;
- the **address**, whatever the accounts (``ADDRESS``): 20 free failures, since
  many people may share one address behind a NAT;
- the **account**, whatever the addresses (``ACCOUNT``): 10 free failures,
  against guessing spread over many addresses.

Past its free failures, the k-th further failure under a key makes the next
attempt under it wait ``2**(k-1)`` seconds (1, 2, 4, …), at most an hour (a
quarter of an hour for the account). An attempt made during a wait is refused
without its password being checked, and does not lengthen the wait.

The owner is never locked out by someone else's guesses: the account's own
delay does not apply to an address (IPv6: its /64) from which the account has
signed in within the last 90 days, and the other two keys are about the
guesser's address.
A successful sign-in forgets the failures counted for the account and for the
account from that address (the address's own count is kept, so that signing in
to an account of one's own does not buy more guesses at others). A count is
also forgotten after a quiet time with no failure (a day; for the account,
30 days).
"""

from dataclasses import dataclass
from datetime import timedelta
from ipaddress import IPv6Network

from agilegov.web.client import parse_address


@dataclass(frozen=True)
class Backoff:
    free: int
    cap: timedelta
    forget_after: timedelta
    base: timedelta = timedelta(seconds=1)

    def wait_after(self, failures: int) -> timedelta:
        """The wait before the next attempt, once ``failures`` have been counted."""
        beyond = failures - self.free
        if beyond <= 0:
            return timedelta(0)
        # 2**k overflows timedelta long before k is large: stop doubling at the cap.
        doublings = min(beyond - 1, 40)
        return min(self.cap, self.base * 2**doublings)


PAIR = Backoff(free=5, cap=timedelta(hours=1), forget_after=timedelta(days=1))
ADDRESS = Backoff(free=20, cap=timedelta(hours=1), forget_after=timedelta(days=1))
ACCOUNT = Backoff(free=10, cap=timedelta(minutes=15), forget_after=timedelta(days=30))
# Mailed links (a password reset, a sign-up's confirmation) asked for one address:
# a few are free, then each waits twice as long, so nobody floods a mailbox.
MAIL_REQUESTS = Backoff(free=3, cap=timedelta(hours=1), forget_after=timedelta(days=1))
# How long an address is remembered as one the account has signed in from.
KNOWN_ADDRESS_FOR = timedelta(days=90)


def address_group(address: str) -> str:
    """The unit an address is counted in: an IPv4 address itself, an IPv6
    address's /64 (one subscriber's network, whose hosts choose their own low
    bits); anything that is not an address, as it is."""
    parsed = parse_address(address)
    if parsed is None:
        return address
    if parsed.version == 6:
        return str(IPv6Network((int(parsed) >> 64 << 64, 64)))
    return str(parsed)


@dataclass(frozen=True)
class SignInKeys:
    """The names the failures of one attempt are counted under."""

    pair: str
    address: str
    account: str

    @classmethod
    def of(cls, email: str, address: str) -> "SignInKeys":
        account = email.strip().lower()
        group = address_group(address)
        return cls(f"pair {account} {group}", f"address {group}", f"account {account}")

"""Budgets per client address: password spraying and floods of the public faces get a 429.

    login    failed log-ins, whatever the id       JIANDU_LOGIN_RATE_LIMIT
    intake   posts of a window's intake form       JIANDU_INTAKE_RATE_LIMIT
    api      POST /api/complaints                  JIANDU_API_INTAKE_RATE_LIMIT

Counted by the `limits` library (moving window) in JIANDU_RATE_LIMIT_STORAGE. The address is the
peer's; when the peer is a proxy named by JIANDU_TRUSTED_PROXIES, it is the right-most
X-Forwarded-For entry that is not such a proxy (what a client writes to the left is not believed).
Over budget nothing is hashed or written: 429 with Retry-After and one line saying when to retry.
"""

from __future__ import annotations

import ipaddress
import math
import time

from fastapi import Request
from starlette.exceptions import HTTPException

from core.errors import InvalidInput

FLOOD = "提交过于频繁，请 {minutes} 分钟后再试 / too many complaints from your address: try again in {minutes} minutes"
# The budget's setting and what its 429 says ("{minutes}" is filled in).
REFUSALS = {
    "login": ("JIANDU_LOGIN_RATE_LIMIT", "登录失败次数过多，请 {minutes} 分钟后再试 / too many failed log-ins "
                                         "from your address: try again in {minutes} minutes"),
    "intake": ("JIANDU_INTAKE_RATE_LIMIT", FLOOD),
    "api": ("JIANDU_API_INTAKE_RATE_LIMIT", FLOOD),
}


class Budgets:
    """Built once per app from its settings: a bad number stops the start with the setting named."""

    def __init__(self, settings):
        from limits import parse, storage, strategies

        self._limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(settings.rate_limit_storage))
        rates = {"login": settings.login_rate_limit, "intake": settings.intake_rate_limit,
                 "api": settings.api_intake_rate_limit}
        self._items = {}
        for name, value in rates.items():
            try:
                self._items[name] = parse(value)
            except ValueError:
                raise InvalidInput(f"{REFUSALS[name][0]}: '{value}' is not a rate such as '20/15minutes' "
                                   "不是有效的频率") from None
        self._proxies = trusted_networks(settings.trusted_proxies)

    def spend(self, name: str, request: Request) -> None:
        """One unit of the address's budget, or 429 when none is left."""
        if not self._limiter.hit(self._items[name], name, self.address(request)):
            self._refuse(name, request)

    def check(self, name: str, request: Request) -> None:
        """429 when the budget is spent, without spending (log-ins spend on failure only)."""
        if not self._limiter.test(self._items[name], name, self.address(request)):
            self._refuse(name, request)

    def address(self, request: Request) -> str:
        return client_address(request.client.host if request.client else "",
                              request.headers.getlist("x-forwarded-for"), self._proxies)

    def _refuse(self, name: str, request: Request):
        reset = self._limiter.get_window_stats(self._items[name], name, self.address(request)).reset_time
        seconds = max(1, math.ceil(reset - time.time()))
        raise HTTPException(429, REFUSALS[name][1].format(minutes=math.ceil(seconds / 60)),
                            headers={"Retry-After": str(seconds)})


def trusted_networks(setting: str) -> tuple:
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip())
    except ValueError as exc:
        raise InvalidInput(f"JIANDU_TRUSTED_PROXIES: {exc} 不是有效的地址") from None


def client_address(peer: str, forwarded: list[str], proxies: tuple) -> str:
    """The peer, or behind trusted proxies the right-most forwarded hop that is none of them."""
    if not _is_in(peer, proxies):
        return peer
    hops = [hop.strip() for header in forwarded for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_in(hop, proxies):
            return hop[:64]
    return peer


def _is_in(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def spend_budget(name: str):
    """A route dependency: the request spends one unit of the address's ``name`` budget."""

    def spend(request: Request) -> None:
        request.app.state.budgets.spend(name, request)

    return spend

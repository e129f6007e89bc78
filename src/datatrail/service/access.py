"""Who may do what: bearer tokens, the upload rate limit and daily quotas, private reads.

The API and the pages ask the same questions here, so a browser and a script meet the same rules:
uploads need a token once any token exists (or always, with ``require_token``); reads are public
unless the service is ``private``.
"""

from __future__ import annotations

import time

from fastapi import Request

from datatrail.service.config import ServiceConfig
from datatrail.service.errors import ApiError
from datatrail.service.limits import RateLimiter
from datatrail.store import Store
from datatrail.store.queue import uploads_since
from datatrail.store.tokens import any_tokens, verify_token

__all__ = ["Access"]

_BEARER = {"WWW-Authenticate": "Bearer"}


class Access:
    def __init__(self, config: ServiceConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.limiter = RateLimiter(config.rate_limit)

    def token(self, request: Request, secret: str | None = None) -> int | None:
        """The token id the request carries (its ``Authorization`` header, or ``secret`` a form
        sent); None without one; 401/403 for a malformed or unknown one."""
        if secret is None:
            header = request.headers.get("authorization", "")
            if not header:
                return None
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise ApiError(401, "send the token as 'Authorization: Bearer <token>'", _BEARER)
        if not secret.strip():
            return None
        with self.store.read() as conn:
            token_id = verify_token(conn, secret.strip())
        if token_id is None:
            raise ApiError(403, "the token is not valid (unknown or revoked)")
        return token_id

    def uploader(self, request: Request, secret: str | None = None) -> int | None:
        """May this request upload? Its token id (None without one), or 401/403/429."""
        config = self.config
        token_id = self.token(request, secret)
        if token_id is None and self.tokens_needed():
            raise ApiError(401, "uploads need a token: 'Authorization: Bearer <token>' (datatrail token create NAME)", _BEARER)
        client = f"token:{token_id}" if token_id is not None else f"address:{request.client.host if request.client else '?'}"
        wait = self.limiter.check(client)
        if wait is not None:
            raise ApiError(429, f"more than {config.rate_limit} uploads a minute; try again in {wait:.0f} s",
                           {"Retry-After": str(max(1, round(wait)))})
        if token_id is not None and config.daily_quota > 0:
            with self.store.begin() as conn:
                used = uploads_since(conn, token_id, time.time() - 86_400)
            if used >= config.daily_quota:
                raise ApiError(429, f"this token's quota of {config.daily_quota} uploads a day is used up", {"Retry-After": "3600"})
        return token_id

    def reader(self, request: Request) -> None:
        """May this request read? 401 on a private service without a token."""
        if self.config.private and self.token(request) is None:
            raise ApiError(401, "this service is private: send 'Authorization: Bearer <token>'", _BEARER)

    def tokens_needed(self) -> bool:
        """Uploads need a token now (for the upload page to ask for one)."""
        if self.config.require_token:
            return True
        with self.store.read() as conn:
            return any_tokens(conn)

"""API tokens: a random secret shown once, kept only as its SHA-256 (a 256-bit random secret
needs no slow hash: nothing short enough to guess is ever hashed)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from datatrail.store.tables import tokens

__all__ = ["create_token", "verify_token", "revoke_token", "list_tokens", "any_tokens", "TOKEN_PREFIX"]

TOKEN_PREFIX = "dt_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(conn: Connection, name: str, now: float) -> str:
    """A new token named ``name``; the secret is returned once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(insert(tokens).values(name=name, digest=_digest(secret), created_at=now))
    return secret


# Asked on every upload (and every read of a private service): built once, with a bound parameter.
_VERIFY = select(tokens.c.id).where(tokens.c.digest == bindparam("digest"), tokens.c.revoked_at.is_(None))
_ANY = select(tokens.c.id).where(tokens.c.revoked_at.is_(None)).limit(1)


def verify_token(conn: Connection, secret: str) -> int | None:
    """The id of the live token with this secret, or None."""
    row = conn.execute(_VERIFY, {"digest": _digest(secret)}).first()
    return int(row.id) if row is not None else None


def revoke_token(conn: Connection, name: str, now: float) -> bool:
    result = conn.execute(update(tokens).where(tokens.c.name == name, tokens.c.revoked_at.is_(None)).values(revoked_at=now))
    return bool(result.rowcount)


def any_tokens(conn: Connection) -> bool:
    """Whether any token is live."""
    return conn.execute(_ANY).first() is not None


def list_tokens(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(tokens.c.name, tokens.c.created_at, tokens.c.revoked_at).order_by(tokens.c.name))]

"""Sessions (only a hash of the token is stored), CSRF checks and the auth cookies."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from starlette.requests import HTTPConnection
from starlette.responses import Response

from papertrade.clock import Clock
from papertrade.db import Database
from papertrade.domain.accounts import user_dict
from papertrade.models import Account, Session

SESSION_COOKIE = "pt_session"
CSRF_COOKIE = "pt_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Auth:
    account_id: int
    user: dict[str, Any]
    csrf_token: str
    token_hash: str


@dataclass(frozen=True)
class Lookup:
    auth: Auth | None
    expired: bool  # the cookie named a session that has expired


class SessionStore:
    """Sessions in the database, with an in-process cache of the live ones.

    Every change to a session goes through this object (sign-in, sign-out, expiry, reset), so the
    cache never outlives the row; it spares each API request a database round trip.
    """

    CACHE_LIMIT = 10_000

    def __init__(self, db: Database, clock: Clock, ttl_seconds: int) -> None:
        self.db = db
        self.clock = clock
        self.ttl = timedelta(seconds=ttl_seconds)
        self._cache: dict[str, tuple[Auth, datetime]] = {}
        self._lock = threading.Lock()

    def cached(self, token: str | None) -> Lookup | None:
        """The answer from the cache, or None when the database must be asked."""
        if not token:
            return Lookup(None, False)
        hit = self._cache.get(hash_token(token))
        if hit is None:
            return None
        auth, expires_at = hit
        if expires_at <= self.clock.now():
            return Lookup(None, True)
        return Lookup(auth, False)

    def _remember(self, auth: Auth, expires_at: datetime) -> None:
        with self._lock:
            if len(self._cache) >= self.CACHE_LIMIT:
                self._cache.clear()
            self._cache[auth.token_hash] = (auth, expires_at)

    def forget_account(self, account_id: int) -> None:
        with self._lock:
            for key in [key for key, (auth, _) in self._cache.items() if auth.account_id == account_id]:
                del self._cache[key]

    def forget_all(self) -> None:
        with self._lock:
            self._cache.clear()

    def create(self, account_id: int) -> tuple[str, str]:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self.clock.now()
        with self.db.write() as session:
            session.add(
                Session(
                    token_hash=hash_token(token),
                    account_id=account_id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + self.ttl,
                )
            )
        return token, csrf

    def lookup(self, token: str | None) -> Lookup:
        cached = self.cached(token)
        if cached is not None:
            return cached
        token_hash = hash_token(token)
        with self.db.read() as session:
            row = session.execute(
                select(Session, Account)
                .join(Account, Account.id == Session.account_id)
                .where(Session.token_hash == token_hash)
            ).first()
            if row is None:
                return Lookup(None, False)
            stored, account = row
            if stored.expires_at <= self.clock.now():
                return Lookup(None, True)
            auth = Auth(account.id, user_dict(account), stored.csrf_token, token_hash)
            expires_at = stored.expires_at
        self._remember(auth, expires_at)
        return Lookup(auth, False)

    def revoke(self, token_hash: str) -> None:
        with self._lock:
            self._cache.pop(token_hash, None)
        with self.db.write() as session:
            session.query(Session).filter(Session.token_hash == token_hash).delete()

    def expire_user(self, username: str) -> int:
        now = self.clock.now()
        with self.db.write() as session:
            account_id = session.scalar(select(Account.id).where(Account.username == username))
            if account_id is None:
                return 0
            result = session.execute(
                update(Session)
                .where(Session.account_id == account_id, Session.expires_at > now)
                .values(expires_at=now)
            )
        self.forget_account(account_id)
        return result.rowcount or 0


def is_secure(connection: HTTPConnection) -> bool:
    forwarded = connection.headers.get("x-forwarded-proto", "")
    return connection.url.scheme in ("https", "wss") or forwarded.lower() == "https"


def set_auth_cookies(response: Response, connection: HTTPConnection, token: str, csrf: str) -> None:
    secure = is_secure(connection)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/")
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, samesite="lax", secure=secure, path="/")


def clear_auth_cookies(response: Response, connection: HTTPConnection) -> None:
    secure = is_secure(connection)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
    response.delete_cookie(CSRF_COOKIE, path="/", samesite="lax", secure=secure)


def csrf_matches(auth: Auth, supplied: str | None) -> bool:
    return bool(supplied) and hmac.compare_digest(supplied.encode(), auth.csrf_token.encode())

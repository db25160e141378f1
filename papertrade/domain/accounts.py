"""Accounts: creation, scrypt passwords, sign-in with lockout, watchlists and notifications."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from papertrade.clock import iso
from papertrade.domain.errors import AccountLocked, Conflict, InvalidCredentials, ValidationFailed
from papertrade.domain.instruments import LISTED_SYMBOLS
from papertrade.models import Account, Notification, WatchlistEntry

INITIAL_CASH_CENTS = 10_000_000
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# scrypt cost; tests lower SCRYPT_N to stay fast (the parameters are stored with each hash).
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=2**26,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


_DUMMY_HASH: str | None = None


def burn_password_check(password: str) -> None:
    """Spend the time of a real check, so unknown usernames cannot be told apart by timing."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(8))
    verify_password(password, _DUMMY_HASH)


def user_dict(account: Account) -> dict[str, Any]:
    return {"id": account.id, "username": account.username, "display_name": account.display_name}


def create_account(
    session: Session,
    *,
    username: str,
    password: str,
    display_name: str,
    cash_cents: int,
    now: datetime,
    password_hash: str | None = None,
) -> Account:
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise Conflict(f"Username {username} is already taken.", field="username")
    account = Account(
        username=username,
        password_hash=password_hash or hash_password(password),
        display_name=display_name,
        cash_cents=cash_cents,
        initial_cash_cents=cash_cents,
        realized_pnl_cents=0,
        day_start_date=now.date(),
        day_start_value_cents=cash_cents,
        failed_logins=0,
        locked_until=None,
        created_at=now,
    )
    session.add(account)
    session.flush()
    session.connection().execute(
        insert(WatchlistEntry.__table__),
        [
            {"account_id": account.id, "symbol": symbol, "position": i}
            for i, symbol in enumerate(LISTED_SYMBOLS)
        ],
    )
    return account


@dataclass(frozen=True)
class LoginCandidate:
    account_id: int
    password_hash: str
    locked: bool


def find_login_candidate(session: Session, username: str, now: datetime) -> LoginCandidate | None:
    account = session.scalar(select(Account).where(Account.username == username))
    if account is None:
        return None
    locked = account.locked_until is not None and account.locked_until > now
    return LoginCandidate(account.id, account.password_hash, locked)


def record_login(session: Session, account_id: int, *, success: bool, now: datetime) -> Account:
    """Apply a checked password to the account's lockout state; raises if it must be refused."""
    account = session.get(Account, account_id, with_for_update=True)
    if account is None:
        raise InvalidCredentials()
    if account.locked_until is not None:
        if account.locked_until > now:
            raise AccountLocked()
        account.locked_until = None  # the lockout is over: the count starts again
        account.failed_logins = 0
    if success:
        account.failed_logins = 0
        return account
    account.failed_logins += 1
    if account.failed_logins >= MAX_FAILED_LOGINS:
        account.locked_until = now + LOCKOUT  # its end resets the count (above)
    return account


def validate_credentials(payload: object) -> tuple[str, str]:
    if not isinstance(payload, dict):
        raise ValidationFailed("Username and password are required.")
    username, password = payload.get("username"), payload.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username.strip() or not password:
        raise ValidationFailed("Username and password are required.")
    return username.strip(), password


# watchlist ----------------------------------------------------------------------------------
def watchlist_symbols(session: Session, account_id: int) -> list[str]:
    return list(
        session.scalars(
            select(WatchlistEntry.symbol)
            .where(WatchlistEntry.account_id == account_id)
            .order_by(WatchlistEntry.position, WatchlistEntry.symbol)
        )
    )


def add_to_watchlist(session: Session, account_id: int, symbol: str) -> None:
    if session.get(WatchlistEntry, (account_id, symbol)) is not None:
        return
    last = session.scalar(
        select(func.max(WatchlistEntry.position)).where(WatchlistEntry.account_id == account_id)
    )
    session.add(WatchlistEntry(account_id=account_id, symbol=symbol, position=(last or 0) + 1))


def remove_from_watchlist(session: Session, account_id: int, symbol: str) -> None:
    session.execute(
        delete(WatchlistEntry).where(WatchlistEntry.account_id == account_id, WatchlistEntry.symbol == symbol)
    )


# notifications ------------------------------------------------------------------------------
def notification_dict(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "message": notification.message,
        "created_at": iso(notification.created_at),
    }


def list_notifications(session: Session, account_id: int, *, limit: int) -> list[Notification]:
    table = Notification.__table__
    query = select(table).where(table.c.account_id == account_id).order_by(table.c.id.desc()).limit(limit)
    return session.execute(query).all()

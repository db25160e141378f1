"""Valuation of an account at the current prices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from papertrade.domain.market import Market
from papertrade.domain.money import cents_to_str, pct_str, round_half_up
from papertrade.domain.orders import reserved_cash_cents
from papertrade.models import Account, Position


@dataclass(frozen=True)
class Valuation:
    body: dict[str, Any]
    total_cents: int
    # Set when this is the account's first valuation of the UTC day: (day, total) to record.
    day_start: tuple[date, int] | None


ACCOUNTS = Account.__table__
POSITIONS = Position.__table__


SQL_ACCOUNT = select(
    ACCOUNTS.c.id,
    ACCOUNTS.c.cash_cents,
    ACCOUNTS.c.realized_pnl_cents,
    ACCOUNTS.c.day_start_date,
    ACCOUNTS.c.day_start_value_cents,
).where(ACCOUNTS.c.id == bindparam("account_id"))
SQL_POSITIONS = (
    select(POSITIONS.c.symbol, POSITIONS.c.quantity, POSITIONS.c.cost_cents)
    .where(POSITIONS.c.account_id == bindparam("account_id"), POSITIONS.c.quantity > 0)
    .order_by(POSITIONS.c.symbol)
)
SQL_HOLDERS = select(POSITIONS.c.account_id).where(  # in_() makes each list parameter expanding
    POSITIONS.c.account_id.in_(bindparam("accounts")),
    POSITIONS.c.symbol.in_(bindparam("symbols")),
    POSITIONS.c.quantity > 0,
)


def account_row(session: Session, account_id: int):
    """What valuation needs of an account, as a row (None when it does not exist)."""
    return session.connection().execute(SQL_ACCOUNT, {"account_id": account_id}).first()


def value_account(session: Session, market: Market, account, today: date) -> Valuation:
    """Value `account` (an `account_row`) at the market's current prices."""
    positions = session.connection().execute(SQL_POSITIONS, {"account_id": account.id}).all()
    rows = []
    positions_value = unrealized_total = 0
    for position in positions:
        state = market.get(position.symbol)
        last = (
            state.last_cents if state is not None else round_half_up(position.cost_cents, position.quantity)
        )
        market_value = position.quantity * last
        unrealized = market_value - position.cost_cents
        positions_value += market_value
        unrealized_total += unrealized
        rows.append((position, last, market_value, unrealized))
    cash = account.cash_cents
    reserved = reserved_cash_cents(session, account.id)
    total = cash + positions_value
    day_start = None
    if account.day_start_date == today and account.day_start_value_cents is not None:
        day_start_value = account.day_start_value_cents
    else:
        day_start_value = total
        day_start = (today, total)
    body = {
        "cash": cents_to_str(cash),
        "reserved_cash": cents_to_str(reserved),
        "available_cash": cents_to_str(cash - reserved),
        "positions_value": cents_to_str(positions_value),
        "total_value": cents_to_str(total),
        "day_pnl": cents_to_str(total - day_start_value),
        "realized_pnl": cents_to_str(account.realized_pnl_cents),
        "unrealized_pnl": cents_to_str(unrealized_total),
        "positions": [
            {
                "symbol": position.symbol,
                "quantity": position.quantity,
                "avg_cost": cents_to_str(round_half_up(position.cost_cents, position.quantity)),
                "last": cents_to_str(last),
                "market_value": cents_to_str(market_value),
                "unrealized_pnl": cents_to_str(unrealized),
                "unrealized_pnl_pct": pct_str(unrealized, position.cost_cents),
                "allocation_pct": pct_str(market_value, total),
            }
            for position, last, market_value, unrealized in rows
        ],
        "cash_allocation_pct": pct_str(cash, total),
    }
    return Valuation(body, total, day_start)


def record_day_start(session: Session, account_id: int, day: date, total_cents: int) -> None:
    session.connection().execute(
        update(ACCOUNTS)
        .where(
            ACCOUNTS.c.id == account_id,
            or_(ACCOUNTS.c.day_start_date.is_(None), ACCOUNTS.c.day_start_date != day),
        )
        .values(day_start_date=day, day_start_value_cents=total_cents)
    )


def held_by(session: Session, account_ids: list[int], symbols: list[str]) -> list[int]:
    """Which of `account_ids` hold any of `symbols`."""
    if not account_ids or not symbols:
        return []
    params = {"accounts": account_ids, "symbols": symbols}
    return sorted(set(session.connection().execute(SQL_HOLDERS, params).scalars()))

"""Orders: validation, placement with reservations, fills, matching of resting limits, cancels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from papertrade.clock import iso
from papertrade.domain.errors import (
    InsufficientCash,
    InsufficientShares,
    NotFound,
    OrderNotOpen,
    UnknownSymbol,
    ValidationFailed,
)
from papertrade.domain.events import Outbox
from papertrade.domain.market import MAX_PRICE_CENTS, InstrumentState, Market, normalize_symbol
from papertrade.domain.money import MoneyError, cents_to_str, format_money, parse_cents, round_half_up
from papertrade.domain.numbers import whole_number
from papertrade.models import Account, Notification, Order, Position, Transaction

MAX_QUANTITY = 10_000
SIDES = ("buy", "sell")
TYPES = ("market", "limit")
STATUSES = ("open", "filled", "cancelled")

MSG_SYMBOL = "Enter a symbol."
MSG_SIDE = "Side must be buy or sell."
MSG_TYPE = "Order type must be market or limit."
MSG_QUANTITY = "Quantity must be a whole number between 1 and 10,000."
MSG_LIMIT = "Limit price must be greater than 0."
MSG_LIMIT_MAX = "Limit price must be at most 1,000,000.00."
MSG_LIMIT_DECIMALS = "Limit price must have at most 2 decimals."
MSG_LIMIT_ON_MARKET = "Market orders take no limit price."


@dataclass(frozen=True)
class OrderRequest:
    symbol: str
    side: str
    type: str
    quantity: int
    limit_price_cents: int | None


def _parse_quantity(value: object) -> int | None:
    """A JSON number with a whole value (`10`, `10.0`) or a string of ASCII digits (`"10"`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return whole_number(value)
    return None


def validate_order(payload: object) -> OrderRequest:
    """The first problem found, as a `validation_error` naming the field."""
    if not isinstance(payload, dict):
        raise ValidationFailed("The order must be a JSON object.")
    symbol = normalize_symbol(payload.get("symbol"))
    if not symbol:
        raise ValidationFailed(MSG_SYMBOL, field="symbol")
    side, type_ = payload.get("side"), payload.get("type", "market")
    if side not in SIDES:
        raise ValidationFailed(MSG_SIDE, field="side")
    if type_ not in TYPES:
        raise ValidationFailed(MSG_TYPE, field="type")
    quantity = _parse_quantity(payload.get("quantity"))
    if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(MSG_QUANTITY, field="quantity")
    raw_limit = payload.get("limit_price")
    if isinstance(raw_limit, str) and not raw_limit.strip():
        raw_limit = None
    limit_cents = None
    if type_ == "market":
        if raw_limit is not None:
            raise ValidationFailed(MSG_LIMIT_ON_MARKET, field="limit_price")
    else:
        if raw_limit is None:
            raise ValidationFailed(MSG_LIMIT, field="limit_price")
        try:
            limit_cents = parse_cents(raw_limit)
        except MoneyError as exc:
            message = MSG_LIMIT_DECIMALS if "decimals" in str(exc) else MSG_LIMIT
            raise ValidationFailed(message, field="limit_price") from exc
        if limit_cents <= 0:
            raise ValidationFailed(MSG_LIMIT, field="limit_price")
        if limit_cents > MAX_PRICE_CENTS:
            raise ValidationFailed(MSG_LIMIT_MAX, field="limit_price")
    return OrderRequest(symbol, side, type_, quantity, limit_cents)


# serialization ------------------------------------------------------------------------------
def _money_or_none(cents: int | None) -> str | None:
    return None if cents is None else cents_to_str(cents)


def order_dict(order: Any) -> dict[str, Any]:
    """The contract's `order` from an OrderRecord or a row of the orders table."""
    return {
        "id": order.id,
        "symbol": order.symbol,
        "side": order.side,
        "type": order.type,
        "quantity": order.quantity,
        "limit_price": _money_or_none(order.limit_price_cents),
        "status": order.status,
        "fill_price": _money_or_none(order.fill_price_cents),
        "created_at": iso(order.created_at),
        "filled_at": iso(order.filled_at),
        "cancelled_at": iso(order.cancelled_at),
    }


def transaction_dict(transaction: Any) -> dict[str, Any]:
    """The contract's `transaction` from a row of the transactions table (or its values)."""
    return {
        "id": transaction.id,
        "order_id": transaction.order_id,
        "symbol": transaction.symbol,
        "side": transaction.side,
        "quantity": transaction.quantity,
        "price": cents_to_str(transaction.price_cents),
        "amount": cents_to_str(transaction.amount_cents),
        "realized_pnl": cents_to_str(transaction.realized_pnl_cents),
        "executed_at": iso(transaction.executed_at),
    }


# reservations -------------------------------------------------------------------------------
# The write paths use Core statements on the session's connection: an order is a handful of
# short statements inside the write lock, and the ORM's unit of work would multiply that time.
ACCOUNTS = Account.__table__
ORDERS = Order.__table__
POSITIONS = Position.__table__
TRANSACTIONS = Transaction.__table__
NOTIFICATIONS = Notification.__table__

# Built once: constructing a statement costs several times more than executing it.
SQL_ACCOUNT_CASH = (
    select(ACCOUNTS.c.cash_cents).where(ACCOUNTS.c.id == bindparam("account_id")).with_for_update()
)
SQL_RESERVED_CASH = select(func.coalesce(func.sum(ORDERS.c.quantity * ORDERS.c.limit_price_cents), 0)).where(
    ORDERS.c.account_id == bindparam("account_id"), ORDERS.c.status == "open", ORDERS.c.side == "buy"
)
SQL_RESERVED_SHARES = select(func.coalesce(func.sum(ORDERS.c.quantity), 0)).where(
    ORDERS.c.account_id == bindparam("account_id"),
    ORDERS.c.status == "open",
    ORDERS.c.side == "sell",
    ORDERS.c.symbol == bindparam("symbol"),
)
SQL_POSITION = select(POSITIONS.c.id, POSITIONS.c.quantity, POSITIONS.c.cost_cents).where(
    POSITIONS.c.account_id == bindparam("account_id"), POSITIONS.c.symbol == bindparam("symbol")
)
SQL_SET_POSITION = (
    update(POSITIONS)
    .where(POSITIONS.c.id == bindparam("b_id"))
    .values(quantity=bindparam("b_quantity"), cost_cents=bindparam("b_cost"))
)
SQL_MOVE_CASH = (
    update(ACCOUNTS)
    .where(ACCOUNTS.c.id == bindparam("b_id"))
    .values(
        cash_cents=ACCOUNTS.c.cash_cents + bindparam("b_cash"),
        realized_pnl_cents=ACCOUNTS.c.realized_pnl_cents + bindparam("b_realized"),
    )
)
SQL_MARK_FILLED = (
    update(ORDERS)
    .where(ORDERS.c.id == bindparam("b_id"))
    .values(status="filled", fill_price_cents=bindparam("b_price"), filled_at=bindparam("b_at"))
)
SQL_MARK_CANCELLED = (
    update(ORDERS)
    .where(ORDERS.c.id == bindparam("b_id"))
    .values(status="cancelled", cancelled_at=bindparam("b_at"))
)
SQL_RESTING = (
    select(ORDERS)
    .where(
        ORDERS.c.symbol.in_(bindparam("symbols")),  # in_() makes the list parameter expanding
        ORDERS.c.status == "open",
        ORDERS.c.type == "limit",
    )
    .order_by(ORDERS.c.id)
)
SQL_ORDER = select(ORDERS).where(ORDERS.c.id == bindparam("order_id"))
SQL_INSERT_ORDER = insert(ORDERS)
SQL_INSERT_POSITION = insert(POSITIONS)
SQL_INSERT_TRANSACTION = insert(TRANSACTIONS)
SQL_INSERT_NOTIFICATION = insert(NOTIFICATIONS)
SQL_ORDERS = (
    select(ORDERS)
    .where(ORDERS.c.account_id == bindparam("account_id"))
    .order_by(ORDERS.c.id.desc())
    .limit(bindparam("limit"))
)
SQL_ORDERS_BY_STATUS = (
    select(ORDERS)
    .where(ORDERS.c.account_id == bindparam("account_id"), ORDERS.c.status == bindparam("status"))
    .order_by(ORDERS.c.id.desc())
    .limit(bindparam("limit"))
)


@dataclass
class OrderRecord:
    id: int
    account_id: int
    symbol: str
    side: str
    type: str
    quantity: int
    limit_price_cents: int | None
    status: str
    fill_price_cents: int | None
    created_at: datetime
    filled_at: datetime | None
    cancelled_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> OrderRecord:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


def reserved_cash_cents(session: Session, account_id: int) -> int:
    total = session.connection().execute(SQL_RESERVED_CASH, {"account_id": account_id}).scalar()
    return int(total or 0)


def reserved_shares(session: Session, account_id: int, symbol: str) -> int:
    params = {"account_id": account_id, "symbol": symbol}
    total = session.connection().execute(SQL_RESERVED_SHARES, params).scalar()
    return int(total or 0)


def _position(connection: Connection, account_id: int, symbol: str):
    return connection.execute(SQL_POSITION, {"account_id": account_id, "symbol": symbol}).first()


def _lock_account(connection: Connection, account_id: int):
    """The account's cash, with its row locked where the database supports it (not SQLite)."""
    return connection.execute(SQL_ACCOUNT_CASH, {"account_id": account_id}).first()


# placing and filling ------------------------------------------------------------------------
def _check_funds(session: Session, cash_cents: int, account_id: int, request: OrderRequest, quote) -> None:
    if request.side == "buy":
        price = quote.ask_cents if request.type == "market" else request.limit_price_cents
        needed = request.quantity * price
        available = cash_cents - reserved_cash_cents(session, account_id)
        if needed > available:
            raise InsufficientCash(
                f"Insufficient cash: this order needs {format_money(cents_to_str(needed))} "
                f"but only {format_money(cents_to_str(max(available, 0)))} is available.",
                field="quantity",
            )
    else:
        position = _position(session.connection(), account_id, request.symbol)
        held = position.quantity if position else 0
        available = held - reserved_shares(session, account_id, request.symbol)
        if request.quantity > available:
            raise InsufficientShares(
                f"Insufficient shares: you can sell at most {max(available, 0)} {request.symbol}.",
                field="quantity",
            )


def _marketable_price(request: OrderRequest, quote: InstrumentState) -> int | None:
    """The price an order fills at on arrival, or None when it must rest."""
    if request.side == "buy":
        if request.type == "market" or quote.ask_cents <= request.limit_price_cents:
            return quote.ask_cents
    elif request.type == "market" or quote.bid_cents >= request.limit_price_cents:
        return quote.bid_cents
    return None


def fill_message(order: OrderRecord, price_cents: int) -> str:
    verb = "Bought" if order.side == "buy" else "Sold"
    return f"{verb} {order.quantity} {order.symbol} at {format_money(cents_to_str(price_cents))}."


def _insert_notification(connection: Connection, account_id: int, kind: str, message: str, now: datetime):
    result = connection.execute(
        SQL_INSERT_NOTIFICATION,
        {"account_id": account_id, "kind": kind, "message": message, "created_at": now},
    )
    return {"id": result.inserted_primary_key[0], "kind": kind, "message": message, "created_at": iso(now)}


def _fill(
    connection: Connection, order: OrderRecord, price_cents: int, now: datetime, outbox: Outbox
) -> None:
    """Book a fill of `order` (stored as filled already, or still open) at `price_cents`."""
    amount = order.quantity * price_cents
    position = _position(connection, order.account_id, order.symbol)
    realized = 0
    if order.side == "buy":
        if position is None:
            connection.execute(
                SQL_INSERT_POSITION,
                {
                    "account_id": order.account_id,
                    "symbol": order.symbol,
                    "quantity": order.quantity,
                    "cost_cents": amount,
                },
            )
        else:
            connection.execute(
                SQL_SET_POSITION,
                {
                    "b_id": position.id,
                    "b_quantity": position.quantity + order.quantity,
                    "b_cost": position.cost_cents + amount,
                },
            )
        cash_change = -amount
    else:
        removed_cost = round_half_up(position.cost_cents * order.quantity, position.quantity)
        realized = amount - removed_cost
        remaining = position.quantity - order.quantity
        remaining_cost = 0 if remaining == 0 else position.cost_cents - removed_cost
        connection.execute(
            SQL_SET_POSITION, {"b_id": position.id, "b_quantity": remaining, "b_cost": remaining_cost}
        )
        cash_change = amount
    connection.execute(
        SQL_MOVE_CASH, {"b_id": order.account_id, "b_cash": cash_change, "b_realized": realized}
    )
    if order.status != "filled":
        connection.execute(SQL_MARK_FILLED, {"b_id": order.id, "b_price": price_cents, "b_at": now})
        order.status, order.fill_price_cents, order.filled_at = "filled", price_cents, now
    row = {
        "account_id": order.account_id,
        "order_id": order.id,
        "symbol": order.symbol,
        "side": order.side,
        "quantity": order.quantity,
        "price_cents": price_cents,
        "amount_cents": amount,
        "realized_pnl_cents": realized,
        "executed_at": now,
    }
    transaction_id = connection.execute(SQL_INSERT_TRANSACTION, row).inserted_primary_key[0]
    transaction = transaction_dict(SimpleNamespace(id=transaction_id, **row))
    notification = _insert_notification(
        connection, order.account_id, "fill", fill_message(order, price_cents), now
    )
    body = order_dict(order)
    outbox.add("order", {"order": body}, account_id=order.account_id)
    outbox.add("fill", {"order": body, "transaction": transaction}, account_id=order.account_id)
    outbox.add("notification", {"notification": notification}, account_id=order.account_id)
    outbox.touch(order.account_id)


def place_order(
    session: Session, market: Market, account_id: int, request: OrderRequest, now: datetime, outbox: Outbox
) -> OrderRecord:
    """Check, store and (when marketable) fill an order, all inside the caller's transaction."""
    quote = market.get(request.symbol)
    if quote is None:
        raise UnknownSymbol(request.symbol, status=422)
    connection = session.connection()
    account = _lock_account(connection, account_id)
    if account is None:
        raise NotFound("Account not found.")
    _check_funds(session, account.cash_cents, account_id, request, quote)
    price = _marketable_price(request, quote)
    values = {
        "account_id": account_id,
        "symbol": request.symbol,
        "side": request.side,
        "type": request.type,
        "quantity": request.quantity,
        "limit_price_cents": request.limit_price_cents,
        "status": "open" if price is None else "filled",
        "fill_price_cents": price,
        "created_at": now,
        "filled_at": None if price is None else now,
        "cancelled_at": None,
    }
    order_id = connection.execute(SQL_INSERT_ORDER, values).inserted_primary_key[0]
    order = OrderRecord(id=order_id, **values)
    if price is None:
        outbox.add("order", {"order": order_dict(order)}, account_id=account_id)
        outbox.touch(account_id)
    else:
        _fill(connection, order, price, now, outbox)
    return order


def _crosses(order: OrderRecord, state: InstrumentState) -> bool:
    if order.side == "buy":
        return state.ask_cents <= order.limit_price_cents
    return state.bid_cents >= order.limit_price_cents


def match_resting(session: Session, states: list[InstrumentState], now: datetime, outbox: Outbox) -> None:
    """Fill every open limit order that the new prices cross, at its limit price, oldest first."""
    by_symbol = {state.symbol: state for state in states}
    connection = session.connection()
    resting = connection.execute(SQL_RESTING, {"symbols": list(by_symbol)}).all()
    for row in resting:
        order = OrderRecord.from_row(row)
        if _crosses(order, by_symbol[order.symbol]):
            _lock_account(connection, order.account_id)
            # Read again under the account's lock, which a cancel takes too: a cancel may have ended
            # the order since the list was read.
            if connection.execute(SQL_ORDER, {"order_id": order.id}).first().status != "open":
                continue
            _fill(connection, order, order.limit_price_cents, now, outbox)


def cancel_message(order: OrderRecord) -> str:
    text = f"Cancelled order #{order.id}: {order.side} {order.quantity} {order.symbol} {order.type}"
    if order.limit_price_cents is not None:
        text += f" {format_money(cents_to_str(order.limit_price_cents))}"
    return text + "."


def get_order(session: Session, account_id: int, order_id: int) -> OrderRecord:
    row = session.connection().execute(SQL_ORDER, {"order_id": order_id}).first()
    if row is None or row.account_id != account_id:
        raise NotFound("Order not found.")
    return OrderRecord.from_row(row)


def cancel_order(
    session: Session, account_id: int, order_id: int, now: datetime, outbox: Outbox
) -> OrderRecord:
    connection = session.connection()
    # The account's row is the lock a fill takes before it books an order: a cancel racing a fill
    # of the same order waits for it, or it for the cancel (PostgreSQL; SQLite serializes writes).
    _lock_account(connection, account_id)
    order = get_order(session, account_id, order_id)
    if order.status != "open":
        raise OrderNotOpen()
    connection.execute(SQL_MARK_CANCELLED, {"b_id": order.id, "b_at": now})
    order.status, order.cancelled_at = "cancelled", now
    notification = _insert_notification(connection, account_id, "cancel", cancel_message(order), now)
    outbox.add("order", {"order": order_dict(order)}, account_id=account_id)
    outbox.add("notification", {"notification": notification}, account_id=account_id)
    outbox.touch(account_id)
    return order


def list_orders(session: Session, account_id: int, *, status: str | None, limit: int):
    """Newest first, as plain rows (cheaper than ORM objects for long lists)."""
    params = {"account_id": account_id, "status": status, "limit": limit}
    query = SQL_ORDERS if status is None else SQL_ORDERS_BY_STATUS
    return session.connection().execute(query, params).all()


def list_transactions(session: Session, account_id: int, *, newest_first: bool, limit: int | None):
    table = Transaction.__table__
    order_by = table.c.id.desc() if newest_first else table.c.id
    query = select(table).where(table.c.account_id == account_id).order_by(order_by)
    if limit is not None:
        query = query.limit(limit)
    return session.execute(query).all()

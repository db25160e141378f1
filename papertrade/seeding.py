"""A realistic volume of accounts, orders, fills, positions and sessions, loaded in bulk.

For index and latency checks at scale (`python -m papertrade seed`). The data is consistent the
way the app keeps it: every fill has its transaction, positions and cash are what the fills add
up to, an open buy's reservation fits the cash, a sell never exceeds the shares held. Rows go in
with executemany in chunks (COPY on PostgreSQL with psycopg), with their ids assigned here (then
the PostgreSQL sequences are moved past them), which is what makes 200,000 orders a matter of
seconds.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, func, select, text

from papertrade import db
from papertrade.clock import Clock
from papertrade.domain import accounts as account_rules
from papertrade.domain.market import Market
from papertrade.domain.money import round_half_up
from papertrade.models import Account, Order, Position, Session, Transaction

SEED_PASSWORD = "seeded-pass-1"  # every seeded account's password: the data is for load tests
USERNAME_PREFIX = "seed"
CHUNK = 5_000
HISTORY_DAYS = 365
INITIAL_CASH_CENTS = 100_000_000


@dataclass(frozen=True)
class SeedReport:
    accounts: int
    orders: int
    transactions: int
    positions: int
    sessions: int
    seconds: float
    first_username: str


@dataclass
class _Holding:
    quantity: int = 0
    cost_cents: int = 0


def session_token(account_id: int) -> str:
    """The cookie token of a seeded account's session (deterministic, so a benchmark can use it)."""
    return f"seeded-session-{account_id}"


def _next_id(connection, table: Table) -> int:
    return (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1


def _sqlite_value(value: object) -> object:
    # SQLAlchemy's SQLite DATETIME storage format; the column types read it back as usual.
    return f"{value:%Y-%m-%d %H:%M:%S.%f}" if isinstance(value, datetime) else value


def _copy(connection, table: Table, rows: list[dict]) -> None:
    """PostgreSQL's bulk path: COPY FROM STDIN (psycopg), several times faster than executemany."""
    columns = list(rows[0])
    with connection.connection.driver_connection.cursor() as cursor:
        names = ", ".join(columns)
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])


def _insert(connection, table: Table, rows: list[dict]) -> None:
    """executemany straight on the driver: the rows are plain values already (naive UTC times), and
    SQLAlchemy's per-value processing would take longer than the inserts themselves."""
    if not rows:
        return
    if connection.dialect.driver == "psycopg":
        _copy(connection, table, rows)
        return
    compiled = table.insert().compile(dialect=connection.dialect, column_keys=list(rows[0]))
    convert = _sqlite_value if connection.dialect.name == "sqlite" else (lambda value: value)
    if compiled.positional:
        names = compiled.positiontup
        params = [tuple(convert(row[name]) for name in names) for row in rows]
    else:
        params = [{name: convert(value) for name, value in row.items()} for row in rows]
    for start in range(0, len(params), CHUNK):
        connection.exec_driver_sql(str(compiled), params[start : start + CHUNK])


def _account_history(rng, account_id, count, symbols, prices, now, ids) -> tuple[list, list, dict, int, int]:
    """`count` orders of one account in time order, with their fills, holdings, cash and realized P&L."""
    orders, fills = [], []
    holdings: dict[str, _Holding] = {}
    cash, realized, reserved = INITIAL_CASH_CENTS, 0, 0
    start = now - timedelta(days=HISTORY_DAYS)
    step = timedelta(days=HISTORY_DAYS) / max(count, 1)
    for index in range(count):
        created = start + step * index + timedelta(seconds=rng.randrange(60))
        symbol = rng.choice(symbols)
        price = max(1, round(prices[symbol] * rng.uniform(0.8, 1.2)))
        quantity = rng.randint(1, 20)
        held = holdings.setdefault(symbol, _Holding())
        side = "sell" if held.quantity >= quantity and rng.random() < 0.4 else "buy"
        kind = "market" if rng.random() < 0.5 else "limit"
        status = "filled" if kind == "market" else rng.choice(("filled", "filled", "open", "cancelled"))
        if status == "open" and (side == "sell" or index < count - 20):
            status = "cancelled"  # open orders are recent buys; older limits were cancelled
        if side == "buy" and quantity * price > cash - reserved:
            status = "cancelled"
        order_id = next(ids["orders"])
        order = {
            "id": order_id,
            "account_id": account_id,
            "symbol": symbol,
            "side": side,
            "type": kind,
            "quantity": quantity,
            "limit_price_cents": price if kind == "limit" else None,
            "status": status,
            "fill_price_cents": price if status == "filled" else None,
            "created_at": created,
            "filled_at": created if status == "filled" else None,
            "cancelled_at": created + timedelta(minutes=5) if status == "cancelled" else None,
        }
        orders.append(order)
        if status == "open":
            reserved += quantity * price
        if status != "filled":
            continue
        amount = quantity * price
        pnl = 0
        if side == "buy":
            cash -= amount
            held.quantity += quantity
            held.cost_cents += amount
        else:
            cost = round_half_up(held.cost_cents * quantity, held.quantity)
            pnl = amount - cost
            cash += amount
            realized += pnl
            held.quantity -= quantity
            held.cost_cents -= cost
        fills.append(
            {
                "id": next(ids["transactions"]),
                "account_id": account_id,
                "order_id": order_id,
                "symbol": symbol,
                "side": side,
                "quantity": quantity,
                "price_cents": price,
                "amount_cents": amount,
                "realized_pnl_cents": pnl,
                "executed_at": created,
            }
        )
    return orders, fills, holdings, cash, realized


def seed(url: str, *, accounts: int, orders: int, seed: int = 42) -> SeedReport:
    """Add `accounts` accounts and `orders` orders (spread evenly) to the database at `url`,
    migrating it first. Returns what was written and how long it took."""
    began = time.perf_counter()
    db.upgrade(url)
    database = db.Database(url)
    rng = random.Random(seed)
    now = Clock().now().replace(tzinfo=None)  # naive UTC, as the columns store it
    password_hash = account_rules.hash_password(SEED_PASSWORD)  # once: scrypt is slow on purpose
    try:
        market = Market(Clock(), seed)
        with database.write() as session:
            market.load(session)
        prices = {state.symbol: state.last_cents for state in market.listed()}
        symbols = sorted(prices)
        with database.engine.begin() as connection:
            tables = {model: model.__table__ for model in (Account, Order, Transaction, Position, Session)}
            first_account = _next_id(connection, tables[Account])
            ids = {
                "orders": iter(range(_next_id(connection, tables[Order]), 2**62)),
                "transactions": iter(range(_next_id(connection, tables[Transaction]), 2**62)),
            }
            next_position = _next_id(connection, tables[Position])
            rows: dict[type, list[dict]] = {model: [] for model in tables}
            per_account, extra = divmod(orders, max(accounts, 1))
            for offset in range(accounts):
                account_id = first_account + offset
                count = per_account + (1 if offset < extra else 0)
                history = _account_history(rng, account_id, count, symbols, prices, now, ids)
                account_orders, fills, holdings, cash, realized = history
                rows[Order].extend(account_orders)
                rows[Transaction].extend(fills)
                rows[Account].append(
                    {
                        "id": account_id,
                        "username": f"{USERNAME_PREFIX}{account_id}",
                        "password_hash": password_hash,
                        "display_name": f"Seeded trader {account_id}",
                        "cash_cents": cash,
                        "initial_cash_cents": INITIAL_CASH_CENTS,
                        "realized_pnl_cents": realized,
                        "failed_logins": 0,
                        "created_at": now - timedelta(days=HISTORY_DAYS + 1),
                    }
                )
                for symbol, held in sorted(holdings.items()):
                    if held.quantity:
                        rows[Position].append(
                            {
                                "id": next_position,
                                "account_id": account_id,
                                "symbol": symbol,
                                "quantity": held.quantity,
                                "cost_cents": held.cost_cents,
                            }
                        )
                        next_position += 1
                rows[Session].append(
                    {
                        "token_hash": hashlib.sha256(session_token(account_id).encode()).hexdigest(),
                        "account_id": account_id,
                        "csrf_token": f"seeded-csrf-{account_id}",
                        "created_at": now,
                        "expires_at": now + timedelta(days=30),
                    }
                )
            for model in (Account, Order, Transaction, Position, Session):
                _insert(connection, tables[model], rows[model])
            if connection.dialect.name == "postgresql":
                for table in ("accounts", "orders", "transactions", "positions", "sessions"):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))"
                        )
                    )
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")  # planner statistics, as a live database has
    finally:
        database.dispose()
    return SeedReport(
        accounts=len(rows[Account]),
        orders=len(rows[Order]),
        transactions=len(rows[Transaction]),
        positions=len(rows[Position]),
        sessions=len(rows[Session]),
        seconds=time.perf_counter() - began,
        first_username=f"{USERNAME_PREFIX}{first_account}",
    )

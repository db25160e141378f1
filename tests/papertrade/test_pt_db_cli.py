"""`python -m papertrade db check` and `seed`: findings, exit codes, no password in messages."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import create_engine, func, select, text

from papertrade import db
from papertrade.__main__ import main
from papertrade.models import Account, Order, Position, Transaction

pytestmark = pytest.mark.unit


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_db_check_passes_on_a_migrated_database(capsys, new_database_url):
    url = new_database_url()
    db.upgrade(url)

    code, err = run(capsys, "db", "check", "--database-url", url)

    assert (code, err) == (
        0,
        f"papertrade: database {db.safe_url(url)} matches the models at revision 0001\n",
    )


def test_db_check_fresh_checks_the_migrations_against_the_models(capsys):
    code, err = run(capsys, "db", "check", "--fresh")
    assert code == 0, err


def test_db_check_names_a_dropped_index(capsys, new_database_url):
    url = new_database_url()
    db.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_orders_account_status_created"))
    engine.dispose()

    code, err = run(capsys, "db", "check", "--database-url", url)

    assert code == 1
    assert err.splitlines()[1:] == ["  add_index ix_orders_account_status_created on orders"]


def test_db_check_on_a_database_without_schema_exits_1(capsys, new_database_url):
    url = new_database_url()
    code, err = run(capsys, "db", "check", "--database-url", url)
    assert (code, err) == (
        1,
        f"papertrade: database {db.safe_url(url)} has no schema: run `python -m papertrade migrate`\n",
    )


def test_db_check_on_an_unreachable_database_exits_3_without_the_password(capsys):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]

    code, err = run(
        capsys, "db", "check", "--database-url", f"postgresql+psycopg://qa:hunter2@127.0.0.1:{port}/pt"
    )

    assert code == 3
    assert err.startswith(
        f"papertrade: cannot open database postgresql+psycopg://qa:***@127.0.0.1:{port}/pt: "
    )
    assert "hunter2" not in err
    assert err.count("\n") == 1


def test_seed_loads_consistent_data(capsys, new_database_url):
    url = new_database_url()

    code, err = run(
        capsys, "seed", "--database-url", url, "--accounts", "20", "--orders", "2000", "--seed", "7"
    )

    assert code == 0, err
    engine = create_engine(url)
    with engine.connect() as connection:
        counts = [connection.scalar(select(func.count()).select_from(t)) for t in (Account, Order)]
        filled = connection.scalar(select(func.count()).where(Order.status == "filled"))
        fills = connection.scalar(select(func.count()).select_from(Transaction))
        cash = connection.execute(
            select(Account.id, Account.initial_cash_cents - Account.cash_cents).order_by(Account.id)
        ).all()
        spent: dict[int, int] = {}
        for account_id, side, amount in connection.execute(
            select(Transaction.account_id, Transaction.side, Transaction.amount_cents)
        ):
            spent[account_id] = spent.get(account_id, 0) + (amount if side == "buy" else -amount)
        negative = connection.scalar(select(func.count()).where(Position.quantity <= 0))
    engine.dispose()
    assert counts == [20, 2000]
    assert filled == fills > 0
    assert dict(cash) == {account_id: spent.get(account_id, 0) for account_id, _ in cash}  # cash = fills
    assert negative == 0
    assert f"with 20 accounts (from seed1), 2000 orders, {fills} transactions" in err


@pytest.mark.parametrize(
    "argv",
    [["--accounts", "0"], ["--orders", "-1"]],
    ids=["no-accounts", "negative-orders"],
)
def test_seed_rejects_bad_volumes_with_exit_2(capsys, argv):
    code, err = run(capsys, "seed", *argv)
    assert code == 2
    assert err.startswith("papertrade: --accounts must be at least 1 and --orders at least 0")

"""Initial schema: accounts, instruments, orders, transactions, positions, watchlist,
notifications, sessions.

Revision ID: 0001
Revises:
Create Date: 2024-06-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("cash_cents", sa.Integer(), nullable=False),
        sa.Column("initial_cash_cents", sa.Integer(), nullable=False),
        sa.Column("realized_pnl_cents", sa.Integer(), nullable=False),
        sa.Column("day_start_date", sa.Date(), nullable=True),
        sa.Column("day_start_value_cents", sa.Integer(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("username", name="uq_accounts_username"),
    )
    op.create_table(
        "instruments",
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("base_cents", sa.Integer(), nullable=False),
        sa.Column("prev_close_cents", sa.Integer(), nullable=False),
        sa.Column("last_cents", sa.Integer(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("ticking", sa.Boolean(), nullable=False),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("symbol", name="pk_instruments"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("type", sa.String(6), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("limit_price_cents", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(9), nullable=False),
        sa.Column("fill_price_cents", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("filled_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_orders_account_id_accounts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_orders_account_status_created", "orders", ["account_id", "status", "created_at"])
    op.create_index("ix_orders_symbol_status", "orders", ["symbol", "status"])
    op.create_table(
        "transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("realized_pnl_cents", sa.Integer(), nullable=False),
        sa.Column("executed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_transactions"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_transactions_account_id_accounts", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_transactions_order_id_orders", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_transactions_account_executed", "transactions", ["account_id", "executed_at"])
    op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("cost_cents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_positions"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_positions_account_id_accounts", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("account_id", "symbol", name="uq_positions_account_symbol"),
    )
    op.create_index("ix_positions_account", "positions", ["account_id"])
    op.create_table(
        "watchlist",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "symbol", name="pk_watchlist"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_watchlist_account_id_accounts", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("message", sa.String(256), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_notifications_account_id_accounts", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_notifications_account_created", "notifications", ["account_id", "created_at"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_sessions_account_id_accounts", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("token_hash", name="uq_sessions_token_hash"),
    )
    op.create_index("ix_sessions_account", "sessions", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_sessions_account", table_name="sessions")
    op.drop_table("sessions")
    op.drop_index("ix_notifications_account_created", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("watchlist")
    op.drop_index("ix_positions_account", table_name="positions")
    op.drop_table("positions")
    op.drop_index("ix_transactions_account_executed", table_name="transactions")
    op.drop_table("transactions")
    op.drop_index("ix_orders_symbol_status", table_name="orders")
    op.drop_index("ix_orders_account_status_created", table_name="orders")
    op.drop_table("orders")
    op.drop_table("instruments")
    op.drop_table("accounts")

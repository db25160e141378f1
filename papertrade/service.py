"""Application services: each use case as one transaction, then its messages to the stream.

The API, the pages, the WebSocket, the test routes and the market feed all go through here, so
a rule lives in one place and every change reaches the stream the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from papertrade.clock import Clock
from papertrade.db import Database
from papertrade.domain import accounts, orders, portfolio
from papertrade.domain.errors import AccountLocked, DomainError, InvalidCredentials, NotFound
from papertrade.domain.events import Message, Outbox
from papertrade.domain.market import InstrumentState, Market, after_commit
from papertrade.metrics import Metrics
from papertrade.models import Account

log = logging.getLogger("papertrade.service")

Publisher = Callable[[list[Message]], None]
ConnectedAccounts = Callable[[], list[int]]


class TradingService:
    def __init__(self, db: Database, market: Market, clock: Clock, metrics: Metrics) -> None:
        self.db = db
        self.market = market
        self.clock = clock
        self.metrics = metrics
        self.publish: Publisher = lambda messages: None
        self.connected_accounts: ConnectedAccounts = list

    # plumbing -----------------------------------------------------------------------------
    def _deliver(self, session: Session, outbox: Outbox) -> None:
        """After the commit (prices applied), add portfolio messages for touched accounts and send."""
        fills = sum(1 for message in outbox.messages if message.type == "fill")

        def send() -> None:
            if fills:
                self.metrics.orders_filled.inc(fills)
            messages = list(outbox.messages)
            watched = set(self.connected_accounts())
            touched = [account_id for account_id in outbox.touched_accounts if account_id in watched]
            if touched:
                today = self.clock.now().date()
                with self.db.read() as reader:
                    for account_id in touched:
                        account = portfolio.account_row(reader, account_id)
                        if account is not None:
                            body = portfolio.value_account(reader, self.market, account, today).body
                            messages.append(Message("portfolio", {"portfolio": body}, account_id))
            if messages:
                self.publish(messages)

        after_commit(session, send)

    # market -------------------------------------------------------------------------------
    def load_market(self) -> None:
        with self.db.write() as session:
            self.market.load(session)

    def _after_price_change(self, session: Session, states) -> Outbox:
        outbox = Outbox()
        now = self.clock.now()
        for state in states:
            outbox.add("tick", {"quote": state.quote()}, symbol=state.symbol)
        orders.match_resting(session, states, now, outbox)
        connected = self.connected_accounts()
        for account_id in portfolio.held_by(session, connected, [state.symbol for state in states]):
            outbox.touch(account_id)
        return outbox

    def set_price(self, symbol: str, cents: int) -> dict[str, Any]:
        with self.db.write() as session:
            state = self.market.set_price(session, symbol, cents)
            session.flush()
            self._deliver(session, self._after_price_change(session, [state]))
        return state.quote()

    def tick(self, only: frozenset[str] | None = None) -> list[InstrumentState]:
        """One step of the random walk (of the instruments in `only`, when given); the instruments
        it moved, at their new prices."""
        with self.db.write() as session:
            changed = self.market.walk(session, only)
            if changed:
                self._deliver(session, self._after_price_change(session, changed))
        self.metrics.feed_ticks.inc()
        return changed

    def create_test_instrument(self, **fields: Any) -> dict[str, Any]:
        with self.db.write() as session:
            state = self.market.create_test_instrument(session, **fields)
        return state.quote()

    # accounts -----------------------------------------------------------------------------
    def create_account(self, *, username: str, password: str, display_name: str, cash_cents: int):
        password_hash = accounts.hash_password(password)  # outside the write lock: it is slow on purpose
        with self.db.write() as session:
            account = accounts.create_account(
                session,
                username=username,
                password=password,
                display_name=display_name,
                cash_cents=cash_cents,
                now=self.clock.now(),
                password_hash=password_hash,
            )
            return accounts.user_dict(account)

    def authenticate(self, username: str, password: str) -> dict[str, Any]:
        """The user for good credentials; raises InvalidCredentials or AccountLocked."""
        now = self.clock.now()
        with self.db.read() as session:
            candidate = accounts.find_login_candidate(session, username, now)
        if candidate is None:
            accounts.burn_password_check(password)
            raise InvalidCredentials()
        if candidate.locked:
            raise AccountLocked()
        success = accounts.verify_password(password, candidate.password_hash)
        with self.db.write() as session:
            account = accounts.record_login(
                session, candidate.account_id, success=success, now=self.clock.now()
            )
            user = accounts.user_dict(account)
        if not success:
            raise InvalidCredentials()
        return user

    def portfolio(self, account_id: int) -> dict[str, Any]:
        with self.db.read() as session:
            account = portfolio.account_row(session, account_id)
            if account is None:
                raise NotFound("Account not found.")
            valuation = portfolio.value_account(session, self.market, account, self.clock.now().date())
        if valuation.day_start is None:
            return valuation.body
        with self.db.write() as session:
            portfolio.record_day_start(session, account_id, *valuation.day_start)
        return valuation.body

    def orders(self, account_id: int, *, status: str | None, limit: int) -> list[dict[str, Any]]:
        """The account's orders, newest first, as the contract's `order` objects."""
        with self.db.read() as session:
            found = orders.list_orders(session, account_id, status=status, limit=limit)
        return [orders.order_dict(order) for order in found]

    def order(self, account_id: int, order_id: int) -> dict[str, Any]:
        """One of the account's orders; NotFound for another account's (or no such) order."""
        with self.db.read() as session:
            return orders.order_dict(orders.get_order(session, account_id, order_id))

    def transactions(
        self, account_id: int, *, limit: int | None = None, newest_first: bool = True
    ) -> list[dict[str, Any]]:
        with self.db.read() as session:
            found = orders.list_transactions(session, account_id, limit=limit, newest_first=newest_first)
        return [orders.transaction_dict(item) for item in found]

    def notifications(self, account_id: int, *, limit: int) -> list[dict[str, Any]]:
        with self.db.read() as session:
            found = accounts.list_notifications(session, account_id, limit=limit)
        return [accounts.notification_dict(item) for item in found]

    # orders -------------------------------------------------------------------------------
    def place_order(self, account_id: int, payload: object) -> dict[str, Any]:
        try:
            request = orders.validate_order(payload)
            with self.db.write() as session:
                outbox = Outbox()
                order = orders.place_order(
                    session, self.market, account_id, request, self.clock.now(), outbox
                )
                body = orders.order_dict(order)
                self._deliver(session, outbox)
        except DomainError as exc:
            self.metrics.orders_rejected.labels(reason=exc.code).inc()
            raise
        self.metrics.orders_placed.inc()
        return body

    def cancel_order(self, account_id: int, order_id: int) -> dict[str, Any]:
        with self.db.write() as session:
            outbox = Outbox()
            order = orders.cancel_order(session, account_id, order_id, self.clock.now(), outbox)
            body = orders.order_dict(order)
            self._deliver(session, outbox)
        return body

    # test mode ----------------------------------------------------------------------------
    def reset(self) -> None:
        with self.db.write() as session:
            session.execute(delete(Account))
            self.market.reset(session)

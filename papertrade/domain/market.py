"""Prices: the instruments' live state, the seeded random walk and quotes.

The DB is the source of truth; this keeps a copy in memory that changes only after the commit
that wrote it, so every reader (API, pages, stream, order checks) sees one consistent price.
"""

from __future__ import annotations

import random
import re
import string
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from papertrade.clock import Clock, iso
from papertrade.domain.errors import Conflict, UnknownSymbol, ValidationFailed
from papertrade.domain.instruments import LISTED
from papertrade.domain.money import cents_to_str, pct_str, round_half_up
from papertrade.models import Instrument

HALF_SPREAD_CENTS = 5
MIN_BID_CENTS = 1
FLOOR_CENTS = 100
MAX_STEP_BASIS_POINTS = 50  # ±0.5 % a tick
MAX_PRICE_CENTS = 100_000_000
MSG_PRICE_RANGE = "Price must be between 0.01 and 1,000,000.00."
SYMBOL_PATTERN = re.compile(r"^[A-Z][A-Z0-9.]{0,9}$")
INSTRUMENTS = Instrument.__table__
SQL_SET_PRICE = (
    update(INSTRUMENTS)
    .where(INSTRUMENTS.c.symbol == bindparam("b_symbol"))
    .values(last_cents=bindparam("b_last"), updated_at=bindparam("b_at"))
)


@dataclass(frozen=True)
class InstrumentState:
    symbol: str
    name: str
    base_cents: int
    prev_close_cents: int
    last_cents: int
    listed: bool
    ticking: bool
    is_test: bool
    position: int
    updated_at: datetime

    @property
    def bid_cents(self) -> int:
        return max(self.last_cents - HALF_SPREAD_CENTS, MIN_BID_CENTS)

    @property
    def ask_cents(self) -> int:
        return self.last_cents + HALF_SPREAD_CENTS

    def quote(self) -> dict[str, Any]:
        """The contract's quote (a fresh dict: callers may extend it)."""
        return dict(self._quote)

    @cached_property
    def _quote(self) -> dict[str, Any]:
        # A state never changes (a new price is a new state), so each is formatted once, however
        # many quote lists, watchlists and ticks carry it.
        return {
            "symbol": self.symbol,
            "name": self.name,
            "bid": cents_to_str(self.bid_cents),
            "ask": cents_to_str(self.ask_cents),
            "last": cents_to_str(self.last_cents),
            "prev_close": cents_to_str(self.prev_close_cents),
            "change_pct": pct_str(self.last_cents - self.prev_close_cents, self.prev_close_cents),
            "updated_at": iso(self.updated_at),
        }

    @classmethod
    def from_row(cls, row: Instrument) -> InstrumentState:
        return cls(
            symbol=row.symbol,
            name=row.name,
            base_cents=row.base_cents,
            prev_close_cents=row.prev_close_cents,
            last_cents=row.last_cents,
            listed=row.listed,
            ticking=row.ticking,
            is_test=row.is_test,
            position=row.position,
            updated_at=row.updated_at,
        )


def next_walk_price(last_cents: int, rng: random.Random) -> int:
    """One step of the random walk: at most ±0.5 %, never below $1.00 (or below a lower start)."""
    step = round_half_up(last_cents * rng.randint(-MAX_STEP_BASIS_POINTS, MAX_STEP_BASIS_POINTS), 10_000)
    return max(last_cents + step, min(last_cents, FLOOR_CENTS))


def normalize_symbol(value: object) -> str:
    return value.strip().upper() if isinstance(value, str) else ""


def after_commit(session: Session, callback) -> None:
    """Run `callback` once `session` has committed (see `Database.write`)."""
    session.info.setdefault("after_commit", []).append(callback)


class Market:
    def __init__(self, clock: Clock, seed: int | None) -> None:
        self.clock = clock
        self.rng = random.Random(seed)
        self._states: dict[str, InstrumentState] = {}
        self._lock = threading.Lock()

    def reseed(self, seed: int) -> None:
        """Restart the random walk from `seed` (test mode: the same steps give the same prices)."""
        self.rng = random.Random(seed)

    # reading -------------------------------------------------------------------------------
    def get(self, symbol: str) -> InstrumentState | None:
        return self._states.get(symbol)

    def require(self, symbol: str) -> InstrumentState:
        state = self._states.get(symbol)
        if state is None:
            raise UnknownSymbol(symbol)
        return state

    def listed(self) -> list[InstrumentState]:
        return sorted((s for s in list(self._states.values()) if s.listed), key=lambda s: s.position)

    def quote(self, symbol: str) -> dict[str, Any]:
        return self.require(symbol).quote()

    # writing (inside a write transaction) --------------------------------------------------
    def _publish(self, session: Session, states: list[InstrumentState]) -> None:
        def apply() -> None:
            with self._lock:
                for state in states:
                    self._states[state.symbol] = state

        after_commit(session, apply)

    def load(self, session: Session) -> None:
        """Seed missing listed instruments and read every instrument into memory."""
        now = self.clock.now()
        existing = set(session.scalars(select(Instrument.symbol)))
        for position, listing in enumerate(LISTED):
            if listing.symbol not in existing:
                session.add(
                    Instrument(
                        symbol=listing.symbol,
                        name=listing.name,
                        base_cents=listing.base_cents,
                        prev_close_cents=listing.base_cents,
                        last_cents=listing.base_cents,
                        listed=True,
                        ticking=True,
                        is_test=False,
                        position=position,
                        updated_at=now,
                    )
                )
        # (the query below flushes the new rows first: the session autoflushes)
        self._publish(session, [InstrumentState.from_row(row) for row in session.scalars(select(Instrument))])

    def set_price(self, session: Session, symbol: str, cents: int) -> InstrumentState:
        state = self.require(symbol)
        if not MIN_BID_CENTS <= cents <= MAX_PRICE_CENTS:
            raise ValidationFailed(MSG_PRICE_RANGE, field="price")
        now = self.clock.now()
        session.connection().execute(SQL_SET_PRICE, {"b_symbol": symbol, "b_last": cents, "b_at": now})
        new_state = replace(state, last_cents=cents, updated_at=now)
        self._publish(session, [new_state])
        return new_state

    def walk(self, session: Session, only: frozenset[str] | None = None) -> list[InstrumentState]:
        """Move every ticking instrument (of `only`, when given) one step; returns the ones whose
        price changed."""
        now = self.clock.now()
        changed = []
        for state in sorted(list(self._states.values()), key=lambda s: (s.position, s.symbol)):
            if not state.ticking or (only is not None and state.symbol not in only):
                continue
            new_cents = next_walk_price(state.last_cents, self.rng)
            if new_cents != state.last_cents:
                changed.append(replace(state, last_cents=new_cents, updated_at=now))
        if changed:
            session.connection().execute(
                SQL_SET_PRICE, [{"b_symbol": s.symbol, "b_last": s.last_cents, "b_at": now} for s in changed]
            )
        self._publish(session, changed)
        return changed

    def create_test_instrument(
        self, session: Session, *, symbol: str | None, name: str | None, price_cents: int, ticking: bool
    ) -> InstrumentState:
        if symbol is None:
            symbol = self._random_symbol()
        elif not SYMBOL_PATTERN.match(symbol):
            raise ValidationFailed(
                "Symbol must be 1 to 10 capital letters, digits or dots, starting with a letter.",
                field="symbol",
            )
        if symbol in self._states or session.get(Instrument, symbol) is not None:
            raise Conflict(f"Symbol {symbol} already exists.", field="symbol")
        if not MIN_BID_CENTS <= price_cents <= MAX_PRICE_CENTS:
            raise ValidationFailed(MSG_PRICE_RANGE, field="price")
        row = Instrument(
            symbol=symbol,
            name=name or f"Test instrument {symbol}",
            base_cents=price_cents,
            prev_close_cents=price_cents,
            last_cents=price_cents,
            listed=False,
            ticking=ticking,
            is_test=True,
            position=len(LISTED),
            updated_at=self.clock.now(),
        )
        session.add(row)
        state = InstrumentState.from_row(row)  # every field is set above: nothing to read back
        self._publish(session, [state])
        return state

    def _random_symbol(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        chooser = random.SystemRandom()
        while True:
            symbol = "T" + "".join(chooser.choice(alphabet) for _ in range(4))
            if symbol not in self._states:
                return symbol

    def reset(self, session: Session) -> None:
        """Drop test instruments and put listed prices back to their base."""
        now = self.clock.now()
        session.execute(delete(Instrument).where(Instrument.is_test.is_(True)))
        session.execute(
            update(Instrument).values(
                last_cents=Instrument.base_cents, prev_close_cents=Instrument.base_cents, updated_at=now
            )
        )
        rows = list(session.scalars(select(Instrument)))
        states = [InstrumentState.from_row(row) for row in rows]

        def apply() -> None:
            with self._lock:
                self._states = {state.symbol: state for state in states}

        after_commit(session, apply)

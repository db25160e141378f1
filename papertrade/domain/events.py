"""Messages produced by domain operations, delivered over the WebSocket after the commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    """`type` plus its body; for one account (`account_id`) or one symbol's subscribers (`symbol`)."""

    type: str
    body: dict[str, Any]
    account_id: int | None = None
    symbol: str | None = None


@dataclass
class Outbox:
    messages: list[Message] = field(default_factory=list)
    # Accounts whose portfolio changed; a `portfolio` message is added for each after the commit.
    touched_accounts: list[int] = field(default_factory=list)

    def add(
        self, type_: str, body: dict[str, Any], *, account_id: int | None = None, symbol: str | None = None
    ) -> None:
        self.messages.append(Message(type_, body, account_id, symbol))

    def touch(self, account_id: int) -> None:
        if account_id not in self.touched_accounts:
            self.touched_accounts.append(account_id)

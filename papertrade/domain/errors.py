"""Errors the API reports as `{"error": {"code", "message"}}` with an HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class UnknownSymbol(DomainError):
    """404 when the symbol is the resource looked up; 422 when it is a field of an order."""

    code = "unknown_symbol"

    def __init__(self, symbol: str, *, status: int = 404) -> None:
        super().__init__(f"Unknown symbol: {symbol}.", field="symbol")
        self.status = status


class InsufficientCash(DomainError):
    status = 422
    code = "insufficient_cash"


class InsufficientShares(DomainError):
    status = 422
    code = "insufficient_shares"


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class OrderNotOpen(DomainError):
    status = 409
    code = "order_not_open"

    def __init__(self) -> None:
        super().__init__("Only open orders can be cancelled.")


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("Invalid username or password.")


class AccountLocked(DomainError):
    status = 429
    code = "account_locked"

    def __init__(self) -> None:
        super().__init__("Too many failed sign-in attempts. Your account is locked for 15 minutes.")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"

    def __init__(self) -> None:
        super().__init__("Sign in to continue.")


class CsrfFailed(DomainError):
    status = 403
    code = "csrf_failed"

    def __init__(self) -> None:
        super().__init__("Missing or invalid CSRF token.")

"""Exit codes of tradecheck and the two errors that carry one."""

GO = 0
NO_GO = 1
USAGE = 2
INFRASTRUCTURE = 3
INTERRUPTED = 130


class TradecheckError(Exception):
    """A problem reported as one line, `tradecheck: error: <message>`, and an exit code."""

    exit_code = USAGE


class UsageError(TradecheckError):
    """Bad command line, profile, gate, shard spec or input file: exit 2."""

    exit_code = USAGE


class InfrastructureError(TradecheckError):
    """The target, a browser, the Allure CLI or pytest itself is not usable: exit 3."""

    exit_code = INFRASTRUCTURE

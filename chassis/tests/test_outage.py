"""Which failures mean "the infrastructure is unavailable" (pause, count no attempt) and which
mean "this message or statement is wrong" (count an attempt). Fast: no servers."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc

from dinet_chassis.db import is_outage


def _wrapped(orig: BaseException, invalidated: bool = False) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError.instance("SELECT 1", {}, orig, Exception, connection_invalidated=invalidated)


def _raised_in(module: str, exc: BaseException) -> BaseException:
    """`exc` with a traceback through code of `module`, as the driver would raise it."""
    namespace: dict = {"__name__": module}
    exec("def fail(e):\n    raise e\n", namespace)
    try:
        namespace["fail"](exc)
    except BaseException as raised:
        return raised
    raise AssertionError("unreachable")


def _raised_from(cause: BaseException) -> RuntimeError:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise RuntimeError("handler failed") from inner
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    "failure",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        # a Unix socket whose server stopped: asyncpg lets the OSError through unwrapped
        _raised_in("asyncpg.connect_utils", FileNotFoundError(2, "socket gone")),
        ConnectionResetError(104, "reset by peer"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.InterfaceError("connection is closed"),
        _wrapped(asyncpg.exceptions.TooManyConnectionsError("too many")),
        _wrapped(ValueError("whatever"), invalidated=True),
        sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached"),
        _raised_from(ConnectionRefusedError(111, "refused")),
    ],
    ids=lambda e: type(e).__name__,
)
def test_unavailable_infrastructure_is_an_outage(failure):
    assert is_outage(failure)


@pytest.mark.parametrize(
    "failure",
    [
        ValueError("kan dit lid niet verwerken"),
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        asyncpg.exceptions.DataError("invalid input for query argument $1"),
        asyncpg.exceptions.UndefinedTableError('relation "x" does not exist'),
        _wrapped(asyncpg.exceptions.CheckViolationError("einde voor begin")),
        _raised_from(KeyError("veld")),
        # a handler's own missing file is a bug, not an outage
        _raised_in("registratie.leden", FileNotFoundError(2, "sjabloon ontbreekt")),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_wrong_message_or_statement_is_not_an_outage(failure):
    assert not is_outage(failure)

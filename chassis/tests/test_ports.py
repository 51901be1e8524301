"""The port check `dinet up` makes before it starts: a port is free unless something listens on it."""

from __future__ import annotations

import socket

from dinet_chassis.embedded import free_port, port_is_free


def _time_wait_on(port: int) -> None:
    """Leave a connection in TIME_WAIT on `port`: the side that closes first keeps it there."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen()
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the server side closes first, as a stopped server does
    client.recv(1)  # sees the FIN
    client.close()
    listener.close()


def _in_time_wait(port: int) -> bool:
    # /proc/net/tcp: local address as hex ip:port, state 06 is TIME_WAIT.
    with open("/proc/net/tcp") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    return any(r[1].endswith(f":{port:04X}") and r[3] == "06" for r in rows)


def test_a_port_with_a_socket_in_time_wait_is_free() -> None:
    port = free_port()
    _time_wait_on(port)
    assert _in_time_wait(port)
    assert port_is_free(port)


def test_a_port_something_listens_on_is_not_free() -> None:
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert not port_is_free(port)
    assert port_is_free(port)

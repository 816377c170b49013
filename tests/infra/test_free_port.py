"""`free_port` hands out listen ports that outgoing connections cannot take first."""

from __future__ import annotations

import socket

from infra.broker import EPHEMERAL_PORTS, free_port


def test_free_ports_lie_below_the_ephemeral_range_and_can_be_listened_on() -> None:
    first_ephemeral = int(EPHEMERAL_PORTS.read_text().split()[0])
    ports = {free_port() for _ in range(20)}
    assert all(port < first_ephemeral for port in ports)
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
            sock.listen()


def test_a_port_in_use_is_passed_over(monkeypatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))
        sock.listen()
        taken = sock.getsockname()[1]
        other = free_port()
        monkeypatch.setattr("infra.broker.random.sample", lambda candidates, k: [taken, other])
        assert free_port() == other

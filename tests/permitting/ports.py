"""Free loopback ports for the processes the permitting tests start."""

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dead_url() -> str:
    """A loopback address where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"

"""A free TCP port on 127.0.0.1, for the servers the evaluation starts (the adversarial model
server, the test model, the benchmark's app)."""
from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on now (the OS picks it; another process could still take it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

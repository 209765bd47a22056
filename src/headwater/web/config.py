"""What a web server is told: where to listen, its token, and the code location it shows.

Safe by default: the server binds ``127.0.0.1``; binding any other address needs a token
(``--token`` or ``HEADWATER_UI_TOKEN``), which every page and API route then checks.

Imports: the standard library and :mod:`headwater.errors` only.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

from headwater.errors import ConfigError

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "TOKEN_ENV", "WebConfig", "is_loopback"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
#: the environment variable that holds the token when ``--token`` is not given
TOKEN_ENV = "HEADWATER_UI_TOKEN"
#: the shortest token accepted: a guessable token is no protection
MIN_TOKEN_LENGTH = 16


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is only reachable from this machine."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class WebConfig:
    """The settings of one web server.

    Attributes:
        host: the address to bind.
        port: the port to bind (0: any free port).
        token: the secret clients must present; None serves without sign-in (loopback only).
        file: the code location's file (``-f``).
        module: the code location's module (``-m``).
        dags_folder: a folder of DAG files (``--dags-folder``), instead of a file or module.
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None
    file: str | None = None
    module: str | None = None
    dags_folder: str | None = None

    @classmethod
    def build(
        cls,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        token: str | None = None,
        file: str | None = None,
        module: str | None = None,
        dags_folder: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> WebConfig:
        """A checked config: the token from ``env`` when not given; refused when unsafe.

        Raises:
            ConfigError: a non-loopback ``host`` without a token, a token that is too short,
                a port out of range, or more than one code location.
        """
        env = os.environ if env is None else env
        token = token if token is not None else (env.get(TOKEN_ENV) or None)
        if token is not None and len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(f"the UI token must be at least {MIN_TOKEN_LENGTH} characters long")
        if not is_loopback(host) and token is None:
            raise ConfigError(
                f"refusing to serve on {host}, which other machines can reach, without a token: "
                f"pass --token TOKEN or set {TOKEN_ENV} (or bind 127.0.0.1)"
            )
        if not 0 <= port <= 65535:
            raise ConfigError(f"port {port} is out of range (0 to 65535)")
        if sum(x is not None for x in (file, module, dags_folder)) > 1:
            raise ConfigError("give one code location: -f FILE, -m MODULE or --dags-folder DIR")
        return cls(host=host, port=port, token=token, file=file, module=module, dags_folder=dags_folder)

    @property
    def url(self) -> str:
        """The address a browser on this machine opens."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

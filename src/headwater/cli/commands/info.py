"""``headwater info``: which stores a command run here would use, and why.

Prints the version, the Python running it, where Headwater's own code is, the home folder
with the rule that chose it, the run store URL (password hidden), the artifact root, the
code location a command without ``-f``/``-m`` would load, and whether this command ran in
the warm CLI server (:mod:`headwater.cli.warm`), or why not. Opens nothing and creates
nothing, so it answers even where the store cannot be opened.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from headwater.cli.errors import exits_on_error

__all__ = ["info", "version"]


def _hide_password(url: str) -> str:
    return re.sub(r"^([a-z0-9+]+://[^:/@]*:)[^@]*@", r"\1***@", url, flags=re.IGNORECASE)


def version() -> str:
    """Headwater's version."""
    try:
        from headwater import __version__

        return str(__version__)
    except ImportError:
        from importlib.metadata import version as installed_version

        return installed_version("headwater")


def _code_location() -> str:
    from headwater.definitions.loading import default_location
    from headwater.errors import CodeLocationError

    try:
        file, module = default_location(Path.cwd())
    except CodeLocationError as exc:
        return f"none ({exc})"
    return f"file {file}" if file is not None else f"module {module}"


def _cli_server() -> str:
    from headwater.cli.warm import child, client

    if child.served_by is not None:
        pid, place = child.served_by
        return f"in use (server pid {pid}, {place.socket})"
    return client.why_here or "not used (called from Python, not the headwater command)"


@exits_on_error
def info() -> None:
    """Show which stores a command run here would use, and why; the version and Python."""
    import headwater
    from headwater.cli.console import out_console
    from headwater.settings import Settings

    settings = Settings.discover()
    rows = [
        ("headwater", f"{version()} ({Path(headwater.__file__).parent})"),
        ("python", f"{sys.version.split()[0]} ({sys.executable})"),
        ("home", str(settings.home)),
        ("chosen by", settings.reason),
        ("run store", _hide_password(settings.database_url)),
        ("artifacts", settings.artifacts_url),
        ("code location", _code_location()),
        ("cli server", _cli_server()),
    ]
    width = max(len(name) for name, _ in rows)
    console = out_console()
    for name, value in rows:
        console.print(f"{name + ':':<{width + 1}} {value}", markup=False, soft_wrap=True)

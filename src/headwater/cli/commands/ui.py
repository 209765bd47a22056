"""``headwater ui``: the web UI alone, on 127.0.0.1:3000 unless told otherwise."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from headwater.cli.errors import exits_on_error
from headwater.cli.options import FileOption, ModuleOption

__all__ = ["DagsFolderOption", "HostOption", "PortOption", "TokenOption", "ui", "web_server"]

DagsFolderOption = Annotated[
    str | None,
    typer.Option("--dags-folder", metavar="DIR", help="A folder of Airflow-dialect DAG files, instead of -f or -m."),
]

HostOption = Annotated[
    str,
    typer.Option(
        "--host", metavar="ADDRESS",
        help="Address to listen on. Anything but a loopback address needs a token.",
    ),
]
PortOption = Annotated[int, typer.Option("--port", "-p", metavar="PORT", help="Port to listen on (0: any free port).")]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token", metavar="TOKEN",
        help="Secret every client must present (at least 16 characters; default: $HEADWATER_UI_TOKEN).",
    ),
]


@exits_on_error
def ui(
    file: FileOption = None,
    module: ModuleOption = None,
    dags_folder: DagsFolderOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 3000,
    token: TokenOption = None,
) -> None:
    """Serve the web UI: the asset graph, runs with live logs, launching, schedules.

    Binds 127.0.0.1:3000. Binding another address needs a token (--token or
    HEADWATER_UI_TOKEN); browsers sign in once with it, API clients send
    `Authorization: Bearer TOKEN`. `headwater dev` starts the scheduler and the run
    coordinator with it.
    """
    from headwater.cli.console import out_console
    from headwater.web.config import WebConfig

    config = WebConfig.build(host=host, port=port, token=token, file=file, module=module, dags_folder=dags_folder)
    create_app, serve = web_server()
    app = create_app(config)
    console = out_console()
    serve(config, app, announce=lambda url: console.print(f"Headwater UI on {url} (Ctrl-C to stop)", highlight=False))


def web_server() -> tuple[Any, Any]:
    """``(create_app, serve)``, or a clear error when the ``web`` extra is not installed."""
    from headwater.cli.errors import fail

    try:
        from headwater.web.app import create_app
        from headwater.web.server import serve
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.split(".")[0] in {"fastapi", "starlette", "uvicorn", "multipart", "python_multipart"}:
            raise fail(f"the web UI needs {exc.name}, which is not installed: pip install 'headwater[web]'") from None
        raise
    return create_app, serve

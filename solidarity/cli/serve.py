"""`solidarity serve`: the web desk, a local JSON API and page (see :mod:`solidarity.web`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import Debug, MissingExtra, app, fail, say, set_debug

LOCAL = ("127.0.0.1", "localhost", "::1")


@app.command()
def serve(scenarios: Annotated[Optional[list[Path]], typer.Argument(
              help="Scenario files to offer besides the bundled ones.")] = None,
          host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
          allow_remote: Annotated[bool, typer.Option(
              "--allow-remote", help="Allow an address other than this machine's (needs a token).")] = False,
          token: Annotated[Optional[str], typer.Option(
              "--token", envvar="SOLIDARITY_TOKEN",
              help="Every request must carry it (Authorization: Bearer TOKEN, or ?token=TOKEN).")] = None,
          workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Solver processes.")] = 2,
          queue: Annotated[int, typer.Option(
              "--queue", min=0, max=1000, help="Runs waiting for a worker before the desk answers 503.")] = 8,
          time_limit: Annotated[float, typer.Option(
              "--time-limit", min=0.1, help="Seconds a request may wait for its run.")] = 30.0,
          debug: Debug = False) -> None:
    """Serve the web desk: a page to change a scenario and see the pool
    recomputed, and a JSON API (reference at /docs) on this machine.

    Needs the optional extra: pip install 'solidarity\\[web]'.

    Example: solidarity serve scenarios/2026-adopted.toml --port 8000
    """
    set_debug(debug)
    try:
        check_address(host, allow_remote, token)
        try:
            import uvicorn

            from ..web.app import Settings, create_app
        except ImportError as exc:
            raise MissingExtra(f"serve needs FastAPI and uvicorn ({exc}): pip install 'solidarity[web]'") from None
        from ..inputs.document import read_document
        for p in scenarios or []:
            read_document(p)  # a missing or unreadable file fails now, with its exit code
        settings = Settings(scenarios=list(scenarios or []), token=token or None, workers=workers, queue=queue,
                            time_limit=time_limit)
        say(f"web desk on http://{host}:{port}/ (API reference at /docs); Ctrl-C stops it")
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
    except BaseException as exc:
        fail(exc)


def check_address(host: str, allow_remote: bool, token: str | None) -> None:
    """Only this machine unless asked: another address needs --allow-remote
    and a token, and is warned about."""
    from ..errors import InputError, Problem

    if host in LOCAL:
        return
    if not allow_remote:
        raise InputError(Problem("command line", "--host", host, "is not this machine",
                                 "127.0.0.1, localhost or ::1; another address needs --allow-remote and --token"))
    if not token:
        raise InputError(Problem("command line", "--token", None, "serving on another address needs a token",
                                 "--token TOKEN or the environment variable SOLIDARITY_TOKEN"))
    say(f"warning: serving on {host}: anyone who can reach it and has the token can run scenarios here")
    os.environ.pop("SOLIDARITY_TOKEN", None)  # not passed on to the worker processes

"""`solidarity keygen`: an Ed25519 key pair to sign results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import Debug, app, emit, fail, set_debug


@app.command()
def keygen(private: Annotated[Path, typer.Argument(help="Private key file to create (the public key goes to "
                                                         "the same name + .pub).")],
           debug: Debug = False) -> None:
    """Make an Ed25519 key pair for signed results (needs pip install 'solidarity\\[sign]').

    The private key file is created readable by its owner only (0600) and
    without a passphrase: keep it safe; publish the .pub file. Existing files
    are never overwritten.

    Example: solidarity keygen ~/.solidarity/ministry.key
    """
    set_debug(debug)
    try:
        from ..outputs.signing import keygen as make_keys

        priv, pub = make_keys(private)
        emit(f"private key {priv} (keep it; sign with: solidarity run ... --sign {priv})\n"
             f"public key {pub} (publish it; check with: solidarity verify OUT --key {pub})\n")
    except BaseException as exc:
        fail(exc)

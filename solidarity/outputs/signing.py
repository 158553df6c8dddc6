"""Ed25519 signatures over a run's manifest (optional extra ``sign``).

A run written with ``solidarity run ... --sign KEY`` carries
``manifest.json.sig``: the Ed25519 signature of the exact bytes of
``manifest.json``, base64 on one line. The manifest holds the SHA-256 of
every output and input file, so a signature that verifies with the public
key shows that every file is the one the key's holder wrote: anyone can
recompute the digests after changing a digit, nobody without the private key
can sign the new manifest.

What a signature does *not* show: that the inputs (scenario, data) were the
right ones, or that the signer ran this software honestly. See the README.

Keys are PEM files: the private key PKCS#8 without a passphrase (written
readable by its owner only), the public key SubjectPublicKeyInfo. The
``cryptography`` library is imported only here, only when asked for.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from ..errors import ExitCode, InputError, Problem, SolidarityError
from .output import SIGNATURE

__all__ = ["SIGNATURE", "check_key", "check_signature", "keygen", "sign"]


class MissingExtraError(SolidarityError):
    """``cryptography`` is not installed (exit 3: an option asked for it)."""

    exit_code = ExitCode.INVALID_INPUT


def _ed25519():
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError as exc:
        raise MissingExtraError(f"signing needs the cryptography library ({exc}): "
                                "pip install 'solidarity[sign]'") from exc
    return ed25519


def _serialization():
    from cryptography.hazmat.primitives import serialization
    return serialization


def keygen(private: str | os.PathLike, public: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """Write a new key pair: ``private`` (mode 0600) and ``public`` (default
    ``private`` + ``.pub``). Neither file may exist already."""
    ed = _ed25519()
    ser = _serialization()
    private = Path(private)
    public = Path(public) if public is not None else private.with_name(private.name + ".pub")
    taken = [p for p in (private, public) if os.path.lexists(p)]
    if taken:
        raise InputError([Problem(str(p), "key file", str(p), "exists already; a key is never overwritten",
                                  "a new file name") for p in taken])
    key = ed.Ed25519PrivateKey.generate()
    pem = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
    pub = key.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)
    # Created 0600 from the start (not chmod-ed afterwards): no moment at
    # which another user could read the private key.
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public.write_bytes(pub)
    return private, public


def _read_key(path: str | os.PathLike, private: bool):
    ed = _ed25519()
    ser = _serialization()
    what = "private" if private else "public"
    try:
        blob = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(Problem(str(path), f"{what} key", str(path), f"cannot be read ({exc.strerror})",
                                 f"an Ed25519 {what} key file from `solidarity keygen`")) from exc
    try:
        key = (ser.load_pem_private_key(blob, password=None) if private else ser.load_pem_public_key(blob))
    except (ValueError, TypeError) as exc:
        raise InputError(Problem(str(path), f"{what} key", str(path), f"not a PEM {what} key without a passphrase",
                                 f"an Ed25519 {what} key file from `solidarity keygen`")) from exc
    want = ed.Ed25519PrivateKey if private else ed.Ed25519PublicKey
    if not isinstance(key, want):
        raise InputError(Problem(str(path), f"{what} key", str(path), f"not an Ed25519 key "
                                 f"({type(key).__name__})", f"an Ed25519 {what} key file from `solidarity keygen`"))
    return key


def check_key(path: str | os.PathLike, private: bool = True) -> None:
    """Fail early (before a run) when the key cannot be used."""
    _read_key(path, private)


def sign(manifest: bytes, private: str | os.PathLike) -> bytes:
    """The contents of :data:`SIGNATURE` for ``manifest`` (its exact bytes)."""
    sig = _read_key(private, private=True).sign(manifest)
    return base64.b64encode(sig) + b"\n"


def check_signature(folder: str | os.PathLike, public: str | os.PathLike) -> list[str]:
    """Why ``folder``'s manifest is not signed by the holder of ``public``'s
    private key (empty: it is)."""
    from cryptography.exceptions import InvalidSignature

    from .output import MANIFEST

    key = _read_key(public, private=False)
    folder = Path(folder)
    try:
        blob = (folder / SIGNATURE).read_bytes()
    except FileNotFoundError:
        return [f"{SIGNATURE}: missing: the folder is not signed (run with --sign KEY)"]
    except OSError as exc:
        return [f"{SIGNATURE}: cannot be read ({exc.strerror})"]
    try:
        manifest = (folder / MANIFEST).read_bytes()
    except OSError as exc:
        return [f"{MANIFEST}: cannot be read ({exc.strerror}): nothing to check the signature against"]
    try:
        sig = base64.b64decode(blob.strip(), validate=True)
    except (binascii.Error, ValueError):
        return [f"{SIGNATURE}: not a base64 signature"]
    try:
        key.verify(sig, manifest)
    except InvalidSignature:
        return [f"{SIGNATURE}: the signature does not match manifest.json for the key {public}: the manifest "
                "was changed after signing, or another key signed it"]
    return []

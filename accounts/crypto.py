"""Secrets at rest: MFA keys and queued emails are sealed with a key from the environment."""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

SEALED_PREFIX = "gAAAA"  # every Fernet token starts so (version byte and timestamp)


@cache
def _keys() -> MultiFernet:
    """ENCRYPTION_KEYS, newest first (older ones still open what they sealed), else one derived
    from SECRET_KEY, so a fresh install is sealed without any set-up."""
    keys = list(settings.ENCRYPTION_KEYS)
    if not keys:
        digest = hashlib.sha256(b"housecall-encryption:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def seal(text: str) -> str:
    """Text only this deployment's keys can read back."""
    return _keys().encrypt(text.encode()).decode()


def unseal(token: str) -> str:
    """The text a token sealed; raises InvalidToken for anything else."""
    return _keys().decrypt(token.encode()).decode()


def unseal_or_plain(value: str) -> str:
    """Read a value that may predate sealing: a sealed one is opened, a plain one returned."""
    if not value.startswith(SEALED_PREFIX):
        return value
    try:
        return unseal(value)
    except InvalidToken:
        return value

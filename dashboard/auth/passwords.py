"""Password hashing (argon2id through argon2-cffi) and the password policy.

argon2-cffi is the reference binding of the Password Hashing Competition winner, with the RFC 9106
low-memory profile as default; ``verify`` also says when a stored hash should be upgraded to the
current parameters.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

#: A hash verified when the username is unknown, so that the answer takes as long as for a real one.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))

MIN_LENGTH = 10
MIN_CLASSES = 3


class PolicyError(ValueError):
    """A password that breaks the policy; the message is the Chinese reason."""


def check_policy(password: str) -> None:
    """Raise ``PolicyError`` unless ``password`` has ≥ 10 characters of ≥ 3 classes
    (upper case, lower case, digits, other characters — Chinese characters are other characters)."""
    kinds = ["upper" if c.isupper() else "lower" if c.islower() else "digit" if c.isdigit() else "other"
             for c in password]  # Chinese characters count as "other"
    classes = len(set(kinds))
    if len(password) < MIN_LENGTH or classes < MIN_CLASSES:
        raise PolicyError(f"密码不符合要求：至少 {MIN_LENGTH} 个字符，且包含大写字母、小写字母、数字、"
                          f"其他符号中的至少 {MIN_CLASSES} 类（当前 {len(password)} 个字符、{classes} 类）。")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (with its own salt and parameters)."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> tuple[bool, str | None]:
    """``(ok, new_hash)``: whether ``password`` matches ``stored``, and a fresh hash when the stored
    one uses outdated parameters. A missing hash verifies against a dummy (constant time) and fails."""
    try:
        _hasher.verify(stored or _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if stored is None:
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored) else None)


def new_wall_token() -> tuple[str, str]:
    """``(token, sha256 hex)``: a 256-bit URL-safe token and what the store keeps of it."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    """What the store keeps of a wall token (a high-entropy secret: a plain hash suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def stamp(secret_hash: str | None) -> str:
    """A short fingerprint of the account's current credential, kept in the session: a password
    reset or a new wall token changes it, and every older session ends."""
    return hashlib.sha256((secret_hash or "-").encode()).hexdigest()[:16]

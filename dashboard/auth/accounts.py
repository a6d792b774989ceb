"""Accounts: who they are, how they sign in, how they are locked, created and disabled.

The rows live in ``app_user`` (``data_access.identity``); this module holds the rules: the
username format, the password policy, station accounts' offices, the lockout after repeated wrong
passwords, and the wall displays' tokens. The CLI (``smartsup users``) and the login page share it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.engine import Engine

from dashboard.auth.passwords import (
    PolicyError,
    check_policy,
    hash_password,
    new_wall_token,
    stamp,
    token_digest,
    verify_password,
)
from dashboard.auth.permissions import ROLE_LABELS, ROLE_PERMISSIONS, STREET_SCOPED_ROLES
from data_access import identity
from data_access.schema import ROLES

LOCAL_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")


class AccountError(ValueError):
    """A refused account operation; the message is the Chinese reason."""


def now_local() -> datetime:
    """Now, as the store keeps instants (naive Asia/Shanghai)."""
    return datetime.now(LOCAL_TZ).replace(tzinfo=None)


@dataclass(frozen=True)
class Account(UserMixin):
    """A signed-in (or signing-in) user, as Flask-Login sees it."""

    username: str
    display_name: str
    role: str
    office_code: str | None
    office_name: str | None
    streets: tuple[str, ...] | None
    active: bool
    credential_stamp: str
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        """The session's user id: the username and the credential's stamp (see ``passwords.stamp``)."""
        return f"{self.username}:{self.credential_stamp}"

    @property
    def role_label(self) -> str:
        """The role in Chinese."""
        return ROLE_LABELS.get(self.role, self.role)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Account:
        """The account of an ``app_user`` row joined with its office (``identity.get_user``)."""
        role = row["role"]
        if role in STREET_SCOPED_ROLES:
            # a station without a street sees nothing, never the district
            streets: tuple[str, ...] | None = (row["office_street"],) if row.get("office_street") else ()
        else:
            streets = None
        secret = row["wall_token_hash"] if role == "wall" else row["password_hash"]
        return cls(username=row["username"], display_name=row["display_name"], role=role,
                   office_code=row["office_code"], office_name=row.get("office_name"), streets=streets,
                   active=bool(row["active"]), credential_stamp=stamp(secret),
                   permissions=ROLE_PERMISSIONS.get(role, frozenset()))


def load_session_user(user_id: str, engine: Engine | None = None) -> Account | None:
    """The account of a session's user id, or None when it no longer matches (disabled, password
    reset, wall token revoked, account deleted)."""
    username, _, session_stamp = user_id.partition(":")
    row = identity.get_user(username, engine)
    if row is None:
        return None
    account = Account.from_row(row)
    if not account.active or account.credential_stamp != session_stamp:
        return None
    if account.role == "wall" and not row["wall_token_hash"]:
        return None
    return account


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a password sign-in: the account, or the reason (a code and a Chinese message)."""

    account: Account | None
    reason: str | None = None
    message: str | None = None


WRONG = "用户名或密码错误。"


def authenticate(username: str, password: str, *, max_failures: int, lockout_minutes: int,
                 engine: Engine | None = None) -> LoginResult:
    """Check a username and password; count failures and lock the account after ``max_failures``."""
    # never send what no username can be to the database (PostgreSQL refuses NUL in text)
    plausible = len(username) <= 64 and username.isprintable()
    row = identity.get_user(username, engine) if plausible else None
    if row is None or row["role"] == "wall":
        verify_password(None, password)  # the same time as a wrong password
        return LoginResult(None, "unknown_user", WRONG)
    now = now_local()
    if row["locked_until"] is not None and row["locked_until"] > now:
        minutes = max(1, int((row["locked_until"] - now).total_seconds() // 60) + 1)
        return LoginResult(None, "locked",
                           f"该账户因连续输错密码已被锁定，请 {minutes} 分钟后再试，或联系管理员。")
    ok, rehash = verify_password(row["password_hash"], password)
    if not ok:
        n = identity.count_failure(username, max_failures, now + timedelta(minutes=lockout_minutes), engine)
        if n >= max_failures:
            return LoginResult(None, "locked_now",
                               f"连续 {max_failures} 次输错密码，该账户已被锁定 {lockout_minutes} 分钟。")
        return LoginResult(None, "wrong_password", WRONG)
    if not row["active"]:
        return LoginResult(None, "disabled", "该账户已停用，请联系管理员。")
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if rehash:
        values["password_hash"] = rehash
        row = {**row, "password_hash": rehash}
    identity.update_user(username, values, engine)
    return LoginResult(Account.from_row(row))


def sign_in_wall(token: str, engine: Engine | None = None) -> Account | None:
    """The active wall account whose token is ``token``, or None."""
    if not token or len(token) > 128:
        return None
    row = identity.get_user_by_token_hash(token_digest(token), engine)
    if row is None or row["role"] != "wall" or not row["active"]:
        return None
    identity.update_user(row["username"], {"last_login_at": now_local()}, engine)
    return Account.from_row(row)


# --- administration (smartsup users …) -------------------------------------------------------

def _check_office(role: str, office: str | None, engine: Engine | None) -> None:
    if role == "station":
        if not office:
            raise AccountError("市场监管所账户须用 --office 指定所属的所（机构代码）。")
        info = identity.get_office(office, engine)
        if info is None:
            raise AccountError(f"机构代码 {office} 不存在。")
        if info["kind"] != "station" or not info["street_code"]:
            raise AccountError(f"{office}（{info['name']}）不是对应一个街镇的市场监管所。")
    elif office and identity.get_office(office, engine) is None:
        raise AccountError(f"机构代码 {office} 不存在。")


def add_user(username: str, role: str, *, password: str | None, office: str | None = None,
             display_name: str | None = None, engine: Engine | None = None) -> None:
    """Create an account (wall accounts have no password: give them a token with ``issue_wall_token``)."""
    if not USERNAME_RE.match(username):
        raise AccountError("用户名须为 2–64 个字母、数字或 _ . -，并以字母或数字开头。")
    if role not in ROLES:
        raise AccountError(f"角色须为 {'、'.join(ROLES)} 之一。")
    _check_office(role, office, engine)
    if role != "wall":
        if password is None:
            raise AccountError("请给出密码（--password-stdin）。")
        try:
            check_policy(password)
        except PolicyError as exc:
            raise AccountError(str(exc)) from None
    if identity.get_user(username, engine) is not None:
        raise AccountError(f"用户 {username} 已存在。")
    try:
        identity.insert_user({
            "username": username, "display_name": (display_name or username)[:64], "role": role,
            "office_code": office, "password_hash": hash_password(password) if role != "wall" else None,
            "active": True, "failed_logins": 0, "created_at": now_local(),
        }, engine)
    except sa.exc.IntegrityError:
        raise AccountError(f"用户 {username} 已存在。") from None


def _existing(username: str, engine: Engine | None) -> dict[str, Any]:
    row = identity.get_user(username, engine)
    if row is None:
        raise AccountError(f"用户 {username} 不存在。")
    return row


def reset_password(username: str, password: str, engine: Engine | None = None) -> None:
    """Set a new password (ends the user's sessions, clears a lock)."""
    row = _existing(username, engine)
    if row["role"] == "wall":
        raise AccountError("大屏账户没有密码，请用 users wall-token 换发令牌。")
    try:
        check_policy(password)
    except PolicyError as exc:
        raise AccountError(str(exc)) from None
    identity.update_user(username, {"password_hash": hash_password(password), "failed_logins": 0,
                                    "locked_until": None}, engine)


def set_active(username: str, active: bool, engine: Engine | None = None) -> None:
    """Disable (ends every session at its next request) or re-enable an account."""
    _existing(username, engine)
    identity.update_user(username, {"active": active}, engine)


def issue_wall_token(username: str, engine: Engine | None = None) -> str:
    """A new token for the wall account ``username`` (created when missing); the previous token and
    the sessions signed in with it stop working."""
    row = identity.get_user(username, engine)
    if row is None:
        add_user(username, "wall", password=None, display_name=username, engine=engine)
    elif row["role"] != "wall":
        raise AccountError(f"{username} 不是大屏账户（角色 {row['role']}）。")
    token, digest = new_wall_token()
    identity.update_user(username, {"wall_token_hash": digest, "active": True}, engine)
    return token


def revoke_wall_token(username: str, engine: Engine | None = None) -> None:
    """Revoke the wall account's token and end its sessions."""
    row = _existing(username, engine)
    if row["role"] != "wall":
        raise AccountError(f"{username} 不是大屏账户。")
    identity.update_user(username, {"wall_token_hash": None}, engine)

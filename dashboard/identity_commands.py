"""``smartsup users`` and ``smartsup audit``: accounts and the audit log from the terminal.

Passwords are read from standard input (``--password-stdin``), never from arguments (public in
``ps`` and the shell history). Every change is written to the audit log as ``user_admin`` with the
operating-system user as the actor.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click


def _engine(ctx: click.Context):
    from data_access.db import store
    from data_access.migrate import upgrade

    s = ctx.obj["settings"]
    engine = store.configure(s.effective_database_url, statement_timeout_ms=s.statement_timeout_ms)
    upgrade(engine)
    return engine


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(code)


def _read_password(twice: bool) -> str:
    if sys.stdin.isatty():
        password = click.prompt("密码", hide_input=True, confirmation_prompt=twice)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        _fail("标准输入没有读到密码。")
    return password


@click.group("users")
def users_command() -> None:
    """账户：添加、列出、停用、重置密码、大屏令牌。"""


@users_command.command("add")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["leader", "analyst", "station", "duty", "admin", "wall"]),
              help="角色（见 README 的“角色与权限”）。")
@click.option("--office", default=None, help="所属机构代码；station（市场监管所）账户必填，其街镇即辖区。")
@click.option("--name", "display_name", default=None, help="显示名（默认同用户名）。")
@click.option("--password-stdin", is_flag=True, help="从标准输入读一行作为密码（不给时在终端提示输入）。")
@click.pass_context
def users_add(ctx: click.Context, username: str, role: str, office: str | None, display_name: str | None,
              password_stdin: bool) -> None:
    """Create an account (a wall account gets its token from 'users wall-token')."""
    from dashboard.auth import accounts, record

    engine = _engine(ctx)
    password = None if role == "wall" else _read_password(twice=not password_stdin)
    try:
        accounts.add_user(username, role, password=password, office=office, display_name=display_name,
                          engine=engine)
    except accounts.AccountError as exc:
        _fail(str(exc))
    record("user_admin", username, {"op": "add", "role": role, "office": office}, engine=engine)
    click.echo(f"已添加用户 {username}（{role}{'，' + office if office else ''}）。")


@users_command.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """List the accounts (never their hashes)."""
    from dashboard.auth.permissions import ROLE_LABELS
    from data_access import identity

    frame = identity.list_users(_engine(ctx))
    if frame.empty:
        click.echo("（还没有账户：smartsup users add USERNAME --role ROLE --password-stdin）")
        return
    click.echo(f"{'用户名':<18}{'角色':<10}{'机构':<12}{'状态':<8}{'最近登录':<20}显示名")
    for r in frame.itertuples(index=False):
        state = "停用" if not r.active else ("锁定" if r.locked_until is not None
                                             and r.locked_until > datetime.now() else "正常")
        last = r.last_login_at.strftime("%Y-%m-%d %H:%M") if r.last_login_at is not None and str(
            r.last_login_at) != "NaT" else "—"
        click.echo(f"{r.username:<20}{ROLE_LABELS.get(r.role, r.role):<10}{r.office_code or '—':<14}"
                   f"{state:<8}{last:<20}{r.display_name}")


@users_command.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="重新启用而不是停用。")
@click.pass_context
def users_disable(ctx: click.Context, username: str, enable: bool) -> None:
    """Disable an account (its sessions end at their next request), or re-enable it."""
    from dashboard.auth import accounts, record

    engine = _engine(ctx)
    try:
        accounts.set_active(username, enable, engine)
    except accounts.AccountError as exc:
        _fail(str(exc))
    record("user_admin", username, {"op": "enable" if enable else "disable"}, engine=engine)
    click.echo(f"已{'启用' if enable else '停用'}用户 {username}。")


@users_command.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读一行作为新密码。")
@click.pass_context
def users_reset_password(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Set a new password (ends the user's sessions and clears a lock)."""
    from dashboard.auth import accounts, record

    engine = _engine(ctx)
    try:
        accounts.reset_password(username, _read_password(twice=not password_stdin), engine)
    except accounts.AccountError as exc:
        _fail(str(exc))
    record("user_admin", username, {"op": "reset_password"}, engine=engine)
    click.echo(f"已重置用户 {username} 的密码（其已登录的会话随之失效）。")


@users_command.command("wall-token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="吊销该大屏的令牌（其会话随之失效）。")
@click.option("--base-url", default=None, help="打印完整的大屏地址，如 http://10.1.2.3:8050。")
@click.pass_context
def users_wall_token(ctx: click.Context, name: str, revoke: bool, base_url: str | None) -> None:
    """Print a new token for the wall display NAME (created when missing); the old one stops working."""
    from dashboard.auth import accounts, record

    engine = _engine(ctx)
    try:
        if revoke:
            accounts.revoke_wall_token(name, engine)
        else:
            token = accounts.issue_wall_token(name, engine)
    except accounts.AccountError as exc:
        _fail(str(exc))
    record("user_admin", name, {"op": "revoke_wall_token" if revoke else "wall_token"}, engine=engine)
    if revoke:
        click.echo(f"已吊销大屏 {name} 的令牌。")
        return
    click.echo(token)
    click.echo(f"大屏地址：{(base_url or '').rstrip('/')}/?kiosk=1&wall_token={token}", err=True)
    click.echo("令牌只显示这一次；地址打开一次后令牌即换成 Cookie。再次执行本命令会使旧令牌失效。", err=True)


@click.group("audit")
def audit_command() -> None:
    """审计日志：导出。"""


@audit_command.command("export")
@click.option("--since", required=True, type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M"]),
              help="起始日期（含），如 2026-12-01。")
@click.option("--until", default=None, type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M"]),
              help="截止日期（不含）。")
@click.option("--user", "username", default=None, help="只导出这个用户的记录。")
@click.option("--action", default=None, help="只导出这种操作（login、export、view_entity……）。")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写到这个 CSV 文件（默认写到标准输出）。")
@click.pass_context
def audit_export(ctx: click.Context, since: datetime, until: datetime | None, username: str | None,
                 action: str | None, out: Path | None) -> None:
    """Export the audit log as CSV (UTF-8 with BOM, opens in Excel), oldest first."""
    import json

    from data_access import identity

    frame, truncated = identity.read_audit(since=since, until=until, username=username, action=action,
                                           limit=10_000_000, engine=_engine(ctx))
    frame = frame.iloc[::-1]
    frame["detail"] = [json.dumps(d, ensure_ascii=False) if d else "" for d in frame["detail"]]
    text = frame.to_csv(index=False)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8-sig")
        click.echo(f"已导出 {len(frame):,} 条审计记录到 {out}", err=True)


#: The demo accounts ``smartsup demo`` creates on first run: username → (role, display name).
DEMO_ACCOUNTS = {
    "leader": ("leader", "演示·局领导"), "analyst": ("analyst", "演示·科室"),
    "station": ("station", "演示·市场所"), "duty": ("duty", "演示·值班"), "admin": ("admin", "演示·管理员"),
    "wall": ("wall", "演示·大屏"),
}


def demo_password() -> str:
    """A random password that meets the policy (four classes, 14 characters)."""
    import secrets
    import string

    while True:
        pw = "".join(secrets.choice(string.ascii_letters + string.digits + "#%+=@") for _ in range(14))
        if (any(c.isupper() for c in pw) and any(c.islower() for c in pw) and any(c.isdigit() for c in pw)
                and any(c in "#%+=@" for c in pw)):
            return pw


def create_demo_accounts(engine, base_url: str, echo=click.echo) -> bool:
    """On a store without accounts, create one demo account per role and print them once.

    Returns False (and prints nothing) when accounts exist already.
    """
    import sqlalchemy as sa

    from dashboard.auth import accounts, record
    from data_access import identity, schema

    if identity.count_users(engine):
        return False
    o = schema.office
    with engine.connect() as conn:
        office = conn.execute(sa.select(o.c.code, o.c.name).where(o.c.kind == "station",
                                                                  o.c.street_code.is_not(None))
                              .order_by(o.c.code).limit(1)).first()
    lines = []
    for username, (role, name) in DEMO_ACCOUNTS.items():
        if role == "wall":
            token = accounts.issue_wall_token(username, engine)
            lines.append(f"  {'wall':<10}大屏地址：{base_url}/?kiosk=1&wall_token={token}")
        elif role == "station" and office is None:
            continue
        else:
            password = demo_password()
            accounts.add_user(username, role, password=password, display_name=name, engine=engine,
                              office=office.code if role == "station" else None)
            where = f"（{office.name}）" if role == "station" else ""
            lines.append(f"  {username:<10}密码：{password}  {name}{where}")
        record("user_admin", username, {"op": "demo_account", "role": role}, engine=engine)
    echo("已创建演示账户（只显示这一次，请记下；正式使用前请用 smartsup users reset-password 修改密码，"
         "或用 smartsup users disable 停用）：")
    for line in lines:
        echo(line)
    return True

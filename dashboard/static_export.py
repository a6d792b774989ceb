"""``smartsup static export DIR``: the app's static files, pre-compressed, for nginx to serve itself.

The app compresses its static responses once and keeps them (dashboard/static.py), but behind
nginx the web workers need not see those requests at all. This writes every static file a screen
loads — the scripts and styles the index page names (Dash's component suites under their
fingerprinted names), everything under ``assets/`` and the small plotly.js — at its URL path under
DIR, each beside a ``.gz`` (gzip -9, for ``gzip_static``), a ``.br`` (brotli 9, for the optional
``brotli_static``) and a ``.zst`` (zstd 19, for the optional ``zstd_static``) when compressing pays.
The bytes are the ones the app itself serves (fetched through the app), so nginx and the app
can never disagree. Run it after every install or upgrade (docs/deploy.md); a file not exported
(a lazily loaded chunk) falls through to the app.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import click

from dashboard.static import COMPRESSIBLE, LEVELS, MIN_BYTES, PLOTLY_ROUTE, zstd

_URL = re.compile(r"""(?:src|href)="([^"]+)\"""")
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
_COMPRESS = {
    "gz": lambda data: gzip.compress(data, 9, mtime=0),
    "br": lambda data: brotli.compress(data, quality=LEVELS["br"]),
    "zst": lambda data: zstd.compress(data, LEVELS["zstd"]),
}


def _static_urls(client, assets_dir: Path) -> list[str]:
    index = client.get("/")
    if index.status_code != 200:
        raise click.ClickException(f"无法读取首页以列出静态文件（HTTP {index.status_code}）")
    html = index.get_data(as_text=True)
    urls = {urlsplit(u).path for u in _URL.findall(html)}
    urls |= {"/assets/" + p.relative_to(assets_dir).as_posix() for p in assets_dir.rglob("*") if p.is_file()}
    urls.add("/" + PLOTLY_ROUTE)
    return sorted(u for u in urls if u.startswith(STATIC_PREFIXES))


def export_static(
    app, out_dir: Path, assets_dir: Path, encodings: tuple[str, ...] = ("gz", "br", "zst")
) -> tuple[int, int]:
    """Write the static files of ``app`` under ``out_dir`` (replaced as a whole), with the
    pre-compressed ``encodings`` beside each; returns (files, bytes)."""
    from dashboard.auth.web import service_cookie

    if not (assets_dir / "app.css").is_file():
        raise click.ClickException(
            f"找不到应用的静态资源目录 {assets_dir}"
            "（它在源码树中：请以 pip install -e . 安装，见 docs/deploy.md）"
        )
    client = app.server.test_client()
    # the index page is behind sign-in: read it as a short-lived service session (names no account)
    client.set_cookie(*service_cookie(app, "static-export", role="analyst", ttl_s=300))
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # build beside, then swap: nginx never serves a half-written tree
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    files = total = 0
    missed: list[str] = []
    try:
        for url in _static_urls(client, assets_dir):
            response = client.get(url, headers={"Accept-Encoding": "identity"})
            if response.status_code != 200:
                missed.append(f"{url}（HTTP {response.status_code}）")
                continue
            data = response.get_data()
            target = work / url.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            files += 1
            total += len(data)
            if response.mimetype in COMPRESSIBLE and len(data) >= MIN_BYTES:
                for enc in encodings:
                    Path(f"{target}.{enc}").write_bytes(_COMPRESS[enc](data))
        if missed:
            raise click.ClickException("以下静态文件读取失败，未导出：" + "；".join(missed[:5])
                                       + (f" 等 {len(missed)} 个" if len(missed) > 5 else ""))
        for d in (work, *[p for p in work.rglob("*") if p.is_dir()]):
            d.chmod(0o755)  # mkdtemp's 0700 would hide the tree from nginx
        old = out_dir.with_name(f".{out_dir.name}.old")
        if out_dir.exists():
            os.replace(out_dir, old)
        os.replace(work, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return files, total


@click.group("static")
def static() -> None:
    """Static files for a reverse proxy (nginx)."""


@static.command("export")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def static_export_command(ctx: click.Context, out_dir: Path) -> None:
    """Write every static file at its URL path under OUT_DIR, with .gz/.br/.zst beside it (for nginx)."""
    from dashboard.app import ASSETS_DIR, create_app

    settings = ctx.obj["settings"].model_copy(update={"cache_type": "null"})
    files, total = export_static(create_app(settings), out_dir, ASSETS_DIR)
    click.echo(f"已导出 {files} 个静态文件（{total / 2**20:.1f} MB，另附 .gz/.br/.zst）到 {out_dir}")

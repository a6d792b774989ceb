"""Every setting of the project, in one declarative place.

Precedence: a command-line argument > an environment variable ``SMARTSUP_<NAME>`` > the default.
Each field carries a help text; ``tests/test_settings.py`` fails when a setting is undocumented
here or missing from the README's configuration table.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of the app, the commands and the scheduled jobs."""

    model_config = SettingsConfigDict(env_prefix="SMARTSUP_", extra="ignore")

    data_dir: Path = Field(
        Path("var"),
        description="数据目录：内嵌 SQLite 库、文件缓存、周报归档都放在这里（相对路径以当前目录为准）。",
    )
    database_url: str | None = Field(
        None,
        description="数据库 SQLAlchemy URL，例如 postgresql+psycopg://user@host/db；"
        "不设时使用数据目录下的 SQLite 文件 smartsup.sqlite。",
    )
    statement_timeout_ms: int = Field(
        15_000, description="单条查询的超时（毫秒，PostgreSQL 生效），防止失控查询占住工作进程。"
    )
    detail_row_limit: int = Field(
        5_000,
        description="明细表（下钻、查询、导出）最多返回的行数；超过时界面提示已截断。",
    )
    cache_type: Literal["simple", "filesystem", "redis", "null"] = Field(
        "simple",
        description="查询缓存类型：simple（进程内）、filesystem（数据目录下）、redis、null（不缓存）。"
        "设置了 redis_url 时自动使用 redis。",
    )
    redis_url: str | None = Field(
        None,
        description="Redis 地址，例如 redis://127.0.0.1:6379/0；设置后查询缓存使用 Redis，多个工作进程共享。",
    )
    cache_timeout: int = Field(
        24 * 3600,
        description="缓存条目最长保留秒数。缓存键含数据版本，刷新后旧条目自然失效，此值只为回收空间。",
    )
    cache_bypass: bool = Field(
        False, description="为 true 时所有查询绕过缓存（排查问题、基准测试冷缓存时使用）。"
    )
    host: str = Field("127.0.0.1", description="serve/demo 监听的地址。")
    port: int = Field(8050, description="serve/demo 监听的端口。")
    tile_url: str | None = Field(
        None,
        description="可选的内网瓦片服务地址（XYZ 模板，如 http://tiles.intra/{z}/{x}/{y}.png）；"
        "不设时地图只画区界和街镇边界，不请求任何瓦片。",
    )
    video_hosts: str = Field(
        "",
        description="允许大屏视频墙直接播放的内网视频平台地址（逗号分隔的 scheme://host[:port]，"
        "如 http://video.mhscjg.internal）；不设时只播放本站地址下的视频流，其余显示“无视频流”。",
    )
    bureau_name: str = Field("闵行区市场监督管理局", description="标题栏与周报页眉上的单位名称。")
    timezone: str = Field(
        "Asia/Shanghai",
        description="本局所在时区（IANA 名称）：大屏时钟、数据截至、“今日/本周/本月”、generate 的默认"
        "截止时刻、simulate 的事件时间都按此时区，与服务器或浏览器的时区无关。",
    )
    office_hours: str = Field(
        "08:00-20:00",
        description="工作时段（周一至周五，HH:MM-HH:MM，本局时区）：数据源新鲜度在此时段内用较短的"
        "期限，其余时间（夜间、周末）用较长的期限。",
    )
    source_freshness: str = Field(
        "complaints=120/720,alarms=60/240,warnings=360/1440,incidents=2880/4320,"
        "readings=60/120,registrations=4320/5760",
        description="各数据源的预期新鲜度（分钟，工作时段/其余时间）：某数据源最新一行早于此期限时，"
        "大屏标出“数据源延迟：<数据源> N 小时无新数据”。数据源：complaints 投诉举报、alarms 设备告警、"
        "warnings 预警、incidents 突发事件、readings 设备读数、registrations 主体登记；未列出的不检查。",
    )
    chromium_path: Path = Field(
        Path("/usr/bin/chromium"), description="无头 Chromium 的可执行文件（周报 PDF 与浏览器测试）。"
    )
    report_dir: Path | None = Field(
        None, description="周报 PDF 归档目录；不设时为数据目录下的 reports/。"
    )
    log_level: str = Field("INFO", description="日志级别：DEBUG、INFO、WARNING、ERROR。")
    log_format: Literal["text", "json"] = Field(
        "text",
        description="日志格式：text（一行文字）或 json（每行一个 JSON 对象，供日志采集系统解析）。",
    )
    district_code: str = Field(
        "310112", description="本区行政区划代码（GB/T 2260），写进上报市级平台的数据交换包。"
    )
    district_name: str = Field("闵行区", description="本区名称，与 district_code 对应，写进数据交换包。")
    metrics_allow: str = Field(
        "127.0.0.1,::1",
        description="允许读取 /metrics（Prometheus 指标）的客户端地址或网段，逗号分隔"
        "（如 127.0.0.1,10.20.0.0/16）；空 = 谁都不允许。",
    )
    proxy_count: int = Field(
        0,
        description="应用前面的反向代理层数（nginx 为 1）：按 X-Forwarded-For 取真实客户端地址，"
        "/metrics 的地址限制与日志据此判断；不在代理后面时必须为 0，否则地址可被伪造。",
    )
    secret_key: str | None = Field(
        None,
        description="会话 Cookie 的签名密钥（多个工作进程、多台服务器须相同）；不设时在数据目录生成 "
        "secret_key 文件（权限 600）并一直使用它。更换密钥会让所有人重新登录。",
    )
    session_idle_minutes: int = Field(
        30, description="登录会话的空闲超时（分钟）：超过这么久没有任何请求须重新登录（大屏账户除外）。"
    )
    secure_cookies: bool = Field(
        False,
        description="为 true 时会话 Cookie 只经 HTTPS 发送（Secure），并发送 HSTS；"
        "经 HTTPS 反向代理提供服务时打开。",
    )
    login_max_failures: int = Field(5, description="连续输错密码多少次后锁定账户。")
    lockout_minutes: int = Field(15, description="账户因输错密码被锁定的分钟数。")
    login_rate_limit: str = Field(
        "10 per minute",
        description="每个来源地址的登录尝试频率上限（Flask-Limiter 写法，如 10 per minute）；"
        "设置了 redis_url 时各工作进程共用计数。",
    )
    max_request_bytes: int = Field(
        4 * 1024 * 1024, description="单个请求体的最大字节数（回调、表单）；超过时回答 413。"
    )
    wall_session_days: int = Field(
        365,
        description="大屏账户以令牌登录后会话 Cookie 的有效天数"
        "（令牌可随时用 users wall-token --revoke 吊销）。",
    )

    @property
    def video_origins(self) -> tuple[str, ...]:
        """``video_hosts`` as normalised origins (``scheme://host[:port]``, lower case, no slash)."""
        return tuple(o.strip().rstrip("/").lower() for o in self.video_hosts.split(",") if o.strip())

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"未知时区：{value!r}（应为 IANA 名称，如 Asia/Shanghai）") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The bureau's time zone."""
        return ZoneInfo(self.timezone)

    def now(self) -> datetime:
        """The current minute's instant in the bureau's time zone, naive like every time in the store."""
        return datetime.now(self.tz).replace(tzinfo=None, microsecond=0)

    @property
    def effective_database_url(self) -> str:
        """The database URL in force (the embedded SQLite file when none is configured)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'smartsup.sqlite').resolve()}"

    @property
    def effective_report_dir(self) -> Path:
        """Where weekly PDFs are archived."""
        return self.report_dir or self.data_dir / "reports"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (environment read once; tests call ``get_settings.cache_clear``)."""
    return Settings()

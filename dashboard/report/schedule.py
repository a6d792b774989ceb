"""Every Monday 07:00 in Asia/Shanghai, without systemd or cron: ``smartsup report schedule``.

A small blocking loop: it computes the next run, sleeps towards it in steps of at most a minute
(so a suspended machine or a changed clock is noticed soon after), runs the job and starts over.
The job runs in a child process, so one failed or leaking render never takes the loop down. Like
the systemd timer's ``Persistent=true``, a run missed while the loop was not running (this week's
Monday 07:00 has passed and last week's PDF is not in the archive) happens as soon as it starts.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from datetime import datetime, time, timedelta

from components.formatting import format_datetime
from components.report import LOCAL_TZ, ReportWeek

RUN_WEEKDAY = 0  # Monday
RUN_AT = time(7, 0)
#: Longest single sleep: short enough to notice a suspend or a clock change within a minute.
MAX_SLEEP_S = 60.0


def next_run(now: datetime, *, weekday: int = RUN_WEEKDAY, at: time = RUN_AT) -> datetime:
    """The first ``weekday`` at ``at`` (Asia/Shanghai) strictly after ``now`` (naive = local time)."""
    local = now.astimezone(LOCAL_TZ) if now.tzinfo else now.replace(tzinfo=LOCAL_TZ)
    monday = local.date() - timedelta(days=local.weekday())
    due = datetime.combine(monday + timedelta(days=weekday), at, tzinfo=LOCAL_TZ)
    while due <= local:
        due += timedelta(days=7)
    return due


def missed(now: datetime, archived: Callable[[str], bool]) -> bool:
    """True when the report of the latest run time before ``now`` (the week before that Monday,
    ``YYYY-Www``) is not ``archived``."""
    local = now.astimezone(LOCAL_TZ) if now.tzinfo else now.replace(tzinfo=LOCAL_TZ)
    last_due = next_run(local - timedelta(days=7))
    return not archived(ReportWeek.containing(last_due.date()).previous.code)


def run_schedule(job: Callable[[], int], *, echo: Callable[[str], None],
                 now: Callable[[], datetime] = lambda: datetime.now(LOCAL_TZ),
                 sleep: Callable[[float], None] = _time.sleep, runs: int | None = None,
                 archived: Callable[[str], bool] | None = None) -> None:
    """Run ``job`` at every scheduled time, ``runs`` times (forever when None); ``echo`` reports.
    With ``archived`` (is a week's PDF in the archive?) a missed run happens first."""
    done = 0
    if archived is not None and missed(now(), archived):
        echo("本周的周报尚未生成（错过了周一 07:00），现在补做。")
        code = job()
        echo(f"{_local(now())} 周报任务结束：" + ("成功" if code == 0 else f"失败（退出码 {code}）"))
        done += 1
    while runs is None or done < runs:
        due = next_run(now())
        echo(f"下次生成周报：{_local(due)}（Asia/Shanghai）")
        while (left := (due - now()).total_seconds()) > 0:
            sleep(min(left, MAX_SLEEP_S))
        code = job()
        echo(f"{_local(now())} 周报任务结束：" + ("成功" if code == 0 else f"失败（退出码 {code}）"))
        done += 1


def _local(moment: datetime) -> str:
    return format_datetime(moment.astimezone(LOCAL_TZ).replace(tzinfo=None), "short")

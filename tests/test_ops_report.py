"""The weekly report on a full disk or a read-only archive: one clear line, nothing left behind.

The archive directory is a tiny tmpfs (really full, really read-only) where this machine lets the
tests mount one (root with CAP_SYS_ADMIN, as ``make test`` runs in CI); elsewhere the same errors
are raised by the file system calls themselves, through a patch.
"""

from __future__ import annotations

import errno
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.report.archive import ReportArchive, pdf_name, sidecar_name
from dashboard.report.render import ReportFailure, archive_pdf

WEEK = "2026-W46"
PDF = b"%PDF-1.7 " + b"x" * 200_000  # larger than the tmpfs


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", f"tmpfs-{uuid.uuid4().hex[:6]}", str(path)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )


def _umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True, check=False)


@pytest.fixture(params=["full", "read-only"])
def hostile_archive(request, tmp_path, monkeypatch) -> Iterator[ReportArchive]:
    """An archive holding last run's PDF of the week, whose directory then cannot take a new one."""
    d = tmp_path / "reports"
    mounted = _mount_tmpfs(d, "64k")
    archive = ReportArchive(d)
    (d / pdf_name(WEEK)).write_bytes(b"%PDF previous")
    (d / sidecar_name(WEEK)).write_text('{"week": "2026-W46"}', encoding="utf-8")
    if mounted and request.param == "read-only":
        subprocess.run(["mount", "-o", "remount,ro", str(d)], check=True)
    elif not mounted:
        code = errno.ENOSPC if request.param == "full" else errno.EROFS
        real = Path.write_bytes

        def failing(self: Path, data: bytes) -> int:
            if self.parent == d:
                if request.param == "full":
                    real(self, data[:10])  # a full disk leaves a partial file: it must be removed
                raise OSError(code, "injected", str(self))
            return real(self, data)

        monkeypatch.setattr(Path, "write_bytes", failing)
    try:
        yield archive
    finally:
        if mounted:
            _umount(d)


def test_ops001_full_disk_or_read_only_archive_is_one_line_and_leaves_nothing(hostile_archive, request):
    with pytest.raises(ReportFailure) as info:
        archive_pdf(hostile_archive, PDF, {"week": WEEK, "pages": 12})
    message = str(info.value)
    assert "\n" not in message
    full = request.node.callspec.params["hostile_archive"] == "full"
    assert ("磁盘空间已满" if full else "文件系统只读") in message
    assert "上一份周报保持不变" in message
    d = hostile_archive.directory
    assert sorted(p.name for p in d.iterdir()) == sorted([pdf_name(WEEK), sidecar_name(WEEK)])
    assert (d / pdf_name(WEEK)).read_bytes() == b"%PDF previous"


def test_ops002_sidecar_failure_removes_its_temporary_file(tmp_path, monkeypatch):
    archive = ReportArchive(tmp_path)
    real = Path.write_text

    def full(self: Path, *args, **kwargs):
        real(self, "{", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(ReportFailure, match="磁盘空间已满"):
        archive_pdf(archive, PDF, {"week": WEEK, "pages": 12})
    assert list(tmp_path.iterdir()) == []


def test_ops003_a_good_write_archives_pdf_and_sidecar(tmp_path):
    final = archive_pdf(ReportArchive(tmp_path), PDF, {"week": WEEK, "pages": 12})
    assert final.read_bytes() == PDF
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([pdf_name(WEEK), sidecar_name(WEEK)])


def test_ops004_cli_on_a_read_only_archive_says_so_before_rendering(
    tmp_path_factory, small_store_url, tmp_path
):
    import os
    import sys
    import time

    from tests.test_refresh import refreshed_copy

    url = refreshed_copy(tmp_path_factory, small_store_url)
    d = tmp_path / "ro"
    mounted = _mount_tmpfs(d, "64k") and subprocess.run(["mount", "-o", "remount,ro", str(d)]).returncode == 0
    if not mounted:
        if os.geteuid() == 0:
            pytest.skip("needs a read-only mount (root without CAP_SYS_ADMIN) or a non-root user")
        d.mkdir(exist_ok=True)
        d.chmod(0o555)
    try:
        started = time.monotonic()
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "dashboard",
                "--database-url",
                url,
                "--data-dir",
                str(tmp_path),
                "report",
                "weekly",
                "--week",
                WEEK,
                "--out",
                str(d),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert r.returncode == 1
        assert r.stderr.strip().count("\n") == 0 and "无法写入归档目录" in r.stderr, r.stderr
        assert "渲染" not in r.stdout and time.monotonic() - started < 120  # no browser was started
        assert list(d.iterdir()) == []
    finally:
        if mounted:
            _umount(d)

"""The archive of weekly PDFs: ``<report_dir>/周报_<YYYY-Www>.pdf``, each with a sidecar JSON
(week, data version, data time, generated at, pages, sha256).

``ReportArchive.init_app`` registers it on the Flask server (``server.extensions``) for the
``/reports`` page and adds the one route that serves its files: by name, only names of the
archive's own pattern, only from the archive directory — nothing else on disk is reachable.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Flask, abort, send_file
from flask.typing import ResponseReturnValue

from components.report import ArchivedReport, ReportWeek

#: Key of the archive in ``flask_app.extensions`` (the /reports page looks it up there).
EXTENSION_KEY = "smartsup.reports"
FILES_PATH = "/reports/files/"
_PDF_NAME = re.compile(r"^周报_(\d{4}-W\d{2})\.pdf$")


def pdf_name(week_code: str) -> str:
    """``周报_2026-W47.pdf``."""
    return f"周报_{week_code}.pdf"


def sidecar_name(week_code: str) -> str:
    """``周报_2026-W47.json``: the PDF's facts, beside it."""
    return f"周报_{week_code}.json"


@dataclass
class ReportArchive:
    """The archive directory and what can be done with it."""

    directory: Path

    def path_for(self, name: str) -> Path | None:
        """The archived PDF called ``name``, or None for any other name (or a missing file)."""
        if not _PDF_NAME.match(name):
            return None
        path = self.directory / name
        return path if path.is_file() else None

    def meta(self, week_code: str) -> dict[str, Any]:
        """The sidecar of a week's PDF ({} when missing or unreadable)."""
        try:
            return json.loads((self.directory / sidecar_name(week_code)).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def entries(self, url_prefix: str = FILES_PATH) -> list[ArchivedReport]:
        """Every archived PDF, newest week first, with its sidecar's facts where there is one."""
        if not self.directory.is_dir():
            return []
        out = []
        for path in self.directory.iterdir():
            m = _PDF_NAME.match(path.name)
            if not m or not path.is_file():
                continue
            code = m.group(1)
            meta = self.meta(code)
            try:
                label = ReportWeek.parse(code).label
            except ValueError:
                continue
            out.append(ArchivedReport(
                week=code, label=label, file=path.name, url=url_prefix + quote(path.name),
                size_bytes=path.stat().st_size, pages=meta.get("pages"), data_time=meta.get("data_time"),
                generated_at=meta.get("generated_at"), data_version=meta.get("data_version"),
            ))
        return sorted(out, key=lambda e: e.week, reverse=True)

    def store(self, pdf: Path, meta: dict[str, Any]) -> Path:
        """Move a finished PDF (a temporary file in the archive directory) into place with its sidecar.

        Both are renamed into place (atomic on one file system), so a reader never sees half a
        file, and a failed run before this point leaves the previous PDF of the week untouched.
        """
        code = str(meta["week"])
        final = self.directory / pdf_name(code)
        side_tmp = self.directory / f".{sidecar_name(code)}.{os.getpid()}.tmp"
        try:
            side_tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            os.replace(pdf, final)
            os.replace(side_tmp, self.directory / sidecar_name(code))
        finally:
            # a failed write (full disk) leaves no temporary file behind
            with contextlib.suppress(OSError):
                side_tmp.unlink(missing_ok=True)
        return final

    def init_app(self, server: Flask) -> None:
        """Make the archive known to the app and serve its PDFs at ``/reports/files/<name>``."""
        server.extensions[EXTENSION_KEY] = self
        server.add_url_rule(FILES_PATH + "<name>", "smartsup_report_file", self._serve)

    def _serve(self, name: str) -> ResponseReturnValue:
        path = self.path_for(name)
        if path is None:
            abort(404)
        return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=name, max_age=0)

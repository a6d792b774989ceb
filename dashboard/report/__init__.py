"""The weekly report (周报): rendering the print page to PDF, the archive, and the schedule.

``render`` prints ``/report/weekly`` (``pages/report_weekly.py``) in headless Chromium against an
app it serves itself; ``archive`` keeps the PDFs with a sidecar each and serves them for
download; ``schedule`` runs the report every Monday 07:00 (Asia/Shanghai) where there is no
systemd timer or cron; ``cli`` is the ``smartsup report`` command group.
"""

"""The KPI strips of 社会共治, 党建, 重大事项保障 and 城运大屏 (indicator ids, in card order), shared by
the pages and ``smartsup bench`` (which must not import the pages: they register with Dash)."""

from __future__ import annotations

COGOV = (
    "cogov.qr_scans",
    "cogov.qr_problem_reports",
    "cogov.qr_rating_avg",
    "cogov.self_inspections",
    "cogov.self_rectify_rate",
    "cogov.mediations_closed",
    "cogov.mediation_success_rate",
    "cogov.commitments_active",
)
#: 党建: the organisation cards follow the kind filter as ``kind``, the activity cards as ``org_kind``.
PARTY_ORGS = (
    "party.orgs",
    "party.orgs_bureau",
    "party.orgs_two_new",
    "party.members",
    "party.two_new_coverage",
    "party.covered_enterprises",
)
PARTY_ACTIVITIES = ("party.activities", "party.participants")
ASSURANCE = (
    "assurance.sites",
    "assurance.sites_high",
    "assurance.patrols_overdue",
    "assurance.patrols",
    "assurance.patrol_problem_rate",
    "assurance.rapid_tests",
)
#: 重大事项保障 counts the day's patrols (its sites are state, as of the data time).
ASSURANCE_PERIOD = "today"
CITYOPS = (
    "cityops.orders",
    "cityops.orders_open",
    "cityops.orders_overdue",
    "cityops.orders_closed",
    "cityops.ontime_rate",
    "cityops.push_rate",
    "cityops.avg_accept_minutes",
    "cityops.avg_handle_minutes",
)

"""The web dashboard: one self-contained index.html for one tracker or many.

A door-level writer beside the reports: it takes Scorecards (and, when there is one, their
history) and writes a page; it never reads a tracker. `data.py` says what the page shows,
`page.py` renders it (Jinja2, autoescaped) with a CSP that forbids any network request.
"""

from .data import ALERT_KINDS, HistoryPoint, dashboard_data, tracker_names
from .page import (CHART_LIBRARY, DASHBOARD_FILE, PagePart, content_security_policy, json_for_html, page_part,
                   render_page, write_dashboard, write_page)

__all__ = [
    "ALERT_KINDS", "CHART_LIBRARY", "DASHBOARD_FILE", "HistoryPoint", "PagePart", "content_security_policy",
    "dashboard_data", "json_for_html", "page_part", "render_page", "tracker_names", "write_dashboard", "write_page",
]

"""The dashboard as one self-contained HTML file: Jinja2 with autoescape, a hashed CSP.

Everything the page needs is inside it — the data as a JSON block, Chart.js and the page's
own script, the styles — so it opens from a file share, an email attachment or any static
web server, and asks no network for anything. The Content-Security-Policy says so to the
browser: `default-src 'none'`, scripts and styles allowed only by their SHA-256 hashes, images
only from data: URLs. Tracker text is untrusted: the template engine escapes every value, the
JSON block escapes `<`, `>` and `&`, and the script writes text only through textContent.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .. import __version__
from ..model import Scorecard
from ..xlsx import atomic_path
from .data import HistoryPoint, alert_groups, check_names, page_summary, tracker_data, tracker_names

DASHBOARD_FILE = "index.html"
CHART_LIBRARY = "Chart.js 4.6.1"
CHART_FILE = "chart.umd.min.js"
# A closing tag or comment opener inside a script would end or derail it in the HTML parser.
SCRIPT_BREAKERS = re.compile(r"</script|<!--|<script", re.I)


def _asset(*parts: str) -> str:
    return resources.files(__package__).joinpath(*parts).read_text(encoding="utf-8")


@cache
def chart_library() -> str:
    """Chart.js as shipped on npm (vendor/, byte for byte), less its source-map comment:
    a browser's developer tools would otherwise try to fetch the .map file."""
    text = _asset("vendor", CHART_FILE)
    return re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "", text)


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader(__package__, "templates"), autoescape=True,
                       undefined=StrictUndefined, keep_trailing_newline=True,
                       trim_blocks=True, lstrip_blocks=True)


def json_for_html(value: object) -> str:
    """JSON that is safe inside <script type="application/json">: no `<`, `>` or `&` as such,
    so no text can close the block or open a comment; JSON.parse reads it back unchanged."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def sha256_source(text: str) -> str:
    """The CSP source expression that allows exactly this inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(scripts: Sequence[str], styles: Sequence[str]) -> str:
    """No network at all: nothing may be fetched, framed, posted or used as a base URL."""
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(sha256_source(s) for s in scripts),
        "style-src " + " ".join(sha256_source(s) for s in styles),
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ])


def _clean_data(value: object) -> object:
    """NaN and infinities become null (JSON has no word for them)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_data(v) for v in value]
    return value


# The page's long lists: their items are rendered (HTML and JSON) in runs, one per tracker in a
# batch, and the runs put side by side; the rest of the page is rendered around them.
LISTS = ("actions", "alerts", "kpis")


class _Utf8:
    """Rendered text kept as UTF-8 (half the memory of a str with any character past Latin-1),
    decoded only as the page is written out."""

    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data

    def __html__(self) -> str:
        return self.data.decode("utf-8")


@dataclass(frozen=True)
class Rendered:
    """A run of the page's list items, rendered: each list's items as HTML (for each place the
    page shows them) and as JSON (comma-separated, without brackets), UTF-8."""

    kpi_count: int
    kpi_json: bytes
    kpi_rows: bytes
    kpi_figures: bytes
    action_count: int
    action_json: bytes
    action_options: bytes
    action_rows: bytes
    alerts: tuple[tuple[int, bytes, bytes], ...]  # per group of alerts (data.alert_groups): count, JSON, HTML


@cache
def _rows_module():
    return _environment().get_template("rows.html").module


def _json_items(items: list) -> bytes:
    return ",".join(json_for_html(item) for item in items).encode("utf-8")


def _render_rows(kpis: list[dict], actions: list[dict], alerts: Sequence[list[dict]], many: bool) -> Rendered:
    """Items as they are after _clean_data; `many`: for a page of more than one tracker."""
    rows = _rows_module()
    return Rendered(
        len(kpis), _json_items(kpis), *_render_kpis(kpis, many),
        len(actions), _json_items(actions), *_render_actions(actions, many),
        tuple((len(group), _json_items(group), str(rows.alert_items(group, many)).encode("utf-8"))
              for group in alerts),
    )


def _render_kpis(kpis: list[dict], many: bool) -> tuple[bytes, bytes]:
    rows = _rows_module()
    return str(rows.kpi_rows(kpis, many)).encode("utf-8"), str(rows.kpi_figures(kpis, many)).encode("utf-8")


def _render_actions(actions: list[dict], many: bool) -> tuple[bytes, bytes]:
    rows = _rows_module()
    return str(rows.action_options(actions)).encode("utf-8"), str(rows.action_rows(actions, many)).encode("utf-8")


def _rerendered(rendered: Rendered, many: bool) -> Rendered:
    """The same items rendered for a page of one tracker, or of many, from their JSON (which the
    page holds as they were, so reads back the very values that were rendered)."""
    def items(data: bytes) -> list:
        return json.loads(b"[" + data + b"]")

    rows = _rows_module()
    return Rendered(
        rendered.kpi_count, rendered.kpi_json, *_render_kpis(items(rendered.kpi_json), many),
        rendered.action_count, rendered.action_json, *_render_actions(items(rendered.action_json), many),
        tuple((count, data, str(rows.alert_items(items(data), many)).encode("utf-8"))
              for count, data, _ in rendered.alerts),
    )


@dataclass(frozen=True)
class PagePart:
    """One tracker's share of the page, rendered from its Scorecard alone, so that `saypro-xl batch`
    renders each tracker's in its worker and the parent only puts them together (write_page)."""

    entry: dict  # as data.TrackerData
    as_of: dt.date
    current: HistoryPoint
    first_date: str | None
    tiles: dict[str, int]
    many: bool  # rendered for a page of more than one tracker (whose rows name their tracker)
    rendered: Rendered


def page_part(card: Scorecard, name: str, many: bool) -> PagePart:
    """`card`'s share of a page on which it is named `name`; `many`: the page will show more than one
    tracker (if it turns out otherwise, write_page renders its rows again)."""
    data = tracker_data(card, name)
    kpis, actions = _clean_data(data.kpis), _clean_data(data.actions)
    rendered = _render_rows(kpis, actions, alert_groups(kpis, actions), many)
    return PagePart(data.entry, data.as_of, data.current, data.first_date, data.tiles, many, rendered)


def _page(summary: dict, runs: Sequence[Rendered]) -> Iterator[str]:
    """The page's HTML, in pieces: `summary` (the page's data but for its long lists; cleaned) and
    the runs of list items in page order (each with the same number of alert groups)."""
    scripts = [chart_library(), _asset("static", "dashboard.js")]
    for script in scripts:
        if SCRIPT_BREAKERS.search(script):
            raise ValueError("A dashboard script holds '</script', '<script' or '<!--'; it cannot be inlined.")
    style = _asset("static", "dashboard.css")
    organisations = [t["organisation"] for t in summary["trackers"] if t["organisation"]]
    organisation = organisations[0] if len(set(organisations)) == 1 else ""
    title = f"{organisation + ' ' if organisation else ''}performance dashboard".strip()
    title = title[0].upper() + title[1:]
    groups = len(runs[0].alerts) if runs else 0
    if any(len(r.alerts) != groups for r in runs):
        raise ValueError("Every run of rows needs the same groups of alerts.")
    alerts = [(r.alerts[g][0], r.alerts[g][1], r.alerts[g][2]) for g in range(groups) for r in runs]
    rows = {
        "kpi_count": sum(r.kpi_count for r in runs),
        "action_count": sum(r.action_count for r in runs),
        "alert_count": sum(count for count, _, _ in alerts),
        "action_options": [_Utf8(r.action_options) for r in runs],
        "alerts": [_Utf8(html) for _, _, html in alerts],
        "kpi_rows": [_Utf8(r.kpi_rows) for r in runs],
        "action_rows": [_Utf8(r.action_rows) for r in runs],
        "kpi_figures": [_Utf8(r.kpi_figures) for r in runs],
    }
    lists = {"kpis": [r.kpi_json for r in runs], "actions": [r.action_json for r in runs],
             "alerts": [data for _, data, _ in alerts]}
    return _environment().get_template("index.html").generate(
        d=summary,
        rows=rows,
        title=title,
        csp=content_security_policy(scripts, [style]),
        style=Markup(style),
        scripts=[Markup(s) for s in scripts],
        data_json=_data_json(summary, lists),
        version=__version__,
        chart_library=CHART_LIBRARY,
    )


def _data_json(summary: dict, lists: Mapping[str, list[bytes]]) -> Iterator[Markup | _Utf8]:
    """json_for_html of the whole page data, in pieces: what json.dumps(sort_keys=True) writes
    for the summary with the long lists in it, each list's runs joined by commas."""
    yield Markup("{")
    for n, key in enumerate(sorted({*summary, *lists})):
        yield Markup(("," if n else "") + json_for_html(key) + ":")
        if key in lists:
            yield Markup("[")
            runs = [run for run in lists[key] if run]
            for i, run in enumerate(runs):
                if i:
                    yield Markup(",")
                yield _Utf8(run)
            yield Markup("]")
        else:
            yield Markup(json_for_html(summary[key]))
    yield Markup("}")


def render_page(data: dict) -> str:
    """The HTML of the page for `dashboard_data(...)`."""
    data = _clean_data(data)
    many = len(data["trackers"]) > 1
    run = _render_rows(data["kpis"], data["actions"], [data["alerts"]], many)
    summary = {k: v for k, v in data.items() if k not in LISTS}
    return "".join(_page(summary, [run]))


def write_page(parts: Sequence[PagePart], out_dir: Path | str,
               history: Mapping[int, Sequence[HistoryPoint]] | None = None) -> Path:
    """Write DIR/index.html from the trackers' parts (page_part) and return its path; `history` maps
    a part's index to its earlier points."""
    if not parts:
        raise ValueError("A dashboard needs at least one scored tracker.")
    check_names([p.entry["name"] for p in parts], len(parts))
    many = len(parts) > 1
    runs = [p.rendered if p.many == many else _rerendered(p.rendered, many) for p in parts]
    # Gathered as UTF-8: the whole page of a large batch as one str would take twice the memory.
    html = bytearray()
    for piece in _page(_clean_data(page_summary(parts, history)), runs):
        html += piece.encode("utf-8")
    final = Path(out_dir) / DASHBOARD_FILE
    with atomic_path(final) as tmp:
        tmp.write_bytes(html)
    return final


def write_dashboard(cards: Sequence[Scorecard], out_dir: Path | str, names: Sequence[str] | None = None,
                    history: Mapping[int, Sequence[HistoryPoint]] | None = None) -> Path:
    """Write DIR/index.html for these scorecards and return its path.

    Written to a temporary name beside it and renamed into place, like every report; an
    OSError names index.html and the folder asked for (see xlsx.atomic_path).
    """
    if not cards:
        raise ValueError("A dashboard needs at least one scored tracker.")
    names = list(names) if names is not None else tracker_names(cards)
    check_names(names, len(cards))
    return write_page([page_part(card, name, len(cards) > 1) for card, name in zip(cards, names)], out_dir, history)

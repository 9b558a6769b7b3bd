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
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .. import __version__
from ..model import Scorecard
from ..xlsx import atomic_path
from .data import HistoryPoint, dashboard_data

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


def render_page(data: dict) -> str:
    """The HTML of the page for `dashboard_data(...)`."""
    data = _clean_data(data)
    scripts = [chart_library(), _asset("static", "dashboard.js")]
    for script in scripts:
        if SCRIPT_BREAKERS.search(script):
            raise ValueError("A dashboard script holds '</script', '<script' or '<!--'; it cannot be inlined.")
    style = _asset("static", "dashboard.css")
    organisations = [t["organisation"] for t in data["trackers"] if t["organisation"]]
    organisation = organisations[0] if len(set(organisations)) == 1 else ""
    title = f"{organisation + ' ' if organisation else ''}performance dashboard".strip()
    title = title[0].upper() + title[1:]
    html = _environment().get_template("index.html").render(
        d=data,
        title=title,
        csp=content_security_policy(scripts, [style]),
        style=Markup(style),
        scripts=[Markup(s) for s in scripts],
        data_json=Markup(json_for_html(data)),
        version=__version__,
        chart_library=CHART_LIBRARY,
    )
    return html


def write_dashboard(cards: Sequence[Scorecard], out_dir: Path | str, names: Sequence[str] | None = None,
                    history: Mapping[int, Sequence[HistoryPoint]] | None = None) -> Path:
    """Write DIR/index.html for these scorecards and return its path.

    Written to a temporary name beside it and renamed into place, like every report; an
    OSError names index.html and the folder asked for (see xlsx.atomic_path).
    """
    if not cards:
        raise ValueError("A dashboard needs at least one scored tracker.")
    html = render_page(dashboard_data(cards, names=names, history=history))
    final = Path(out_dir) / DASHBOARD_FILE
    with atomic_path(final) as tmp:
        tmp.write_text(html, encoding="utf-8", newline="\n")
    return final

"""The web dashboard: one self-contained, escaped page, and what a person sees in a real browser.

Plain tests read the HTML the writer produces (escaping, the JSON block, the CSP, size, the
CLI over two trackers). Browser tests (`-m browser`) drive Debian's Chromium through
Playwright: they find things as a person does (role, label, text), change each filter and
check what is visible, and record every request and console message on the way.

Set SAYPRO_SCREENSHOTS=docs/images to refresh the README's pictures of the page.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from builders import small_tracker_rows, write_tracker_openpyxl
from saypro_xl.dashboard import (DASHBOARD_FILE, HistoryPoint, content_security_policy, dashboard_data,
                                 json_for_html, page_part, render_page, write_dashboard, write_page)
from saypro_xl.read import load_tracker
from saypro_xl.rules import score
from saypro_xl.sample import sample_tracker
from saypro_xl.template import write_tracker

ROOT = Path(__file__).resolve().parent.parent
EVIL = "<img src=x onerror=alert(1)>"
BREAKOUT = "</script><script>alert(2)</script><!--"
ATTRIBUTE = '"><svg onload=alert(3)>'
FIVE_MB = 5 * 1024 * 1024


def run(*args) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "saypro_xl.cli", *map(str, args)], capture_output=True, text=True)
    return proc.returncode, proc.stdout, proc.stderr


def evil_rows() -> dict:
    """The builders' small tracker with script typed into every kind of text the page shows."""
    rows = small_tracker_rows()
    rows["settings"] = {**rows["settings"], "Organisation": EVIL}
    rows["objectives"][0] = {**rows["objectives"][0], "KPI": EVIL}
    rows["objectives"][1] = {**rows["objectives"][1], "Department": ATTRIBUTE}
    rows["actions"][0] = {**rows["actions"][0], "Action": EVIL}
    rows["actions"][1] = {**rows["actions"][1], "Owner": EVIL, "Department": ATTRIBUTE}
    rows["actions"][2] = {**rows["actions"][2], "Action": BREAKOUT, "Department": ATTRIBUTE}
    rows["causes"][0] = {**rows["causes"][0], "Description": EVIL}
    rows["actuals"][2] = {**rows["actuals"][2], "Comment": BREAKOUT}
    return rows


@pytest.fixture(scope="module")
def sample_card():
    return score(sample_tracker())


@pytest.fixture(scope="module")
def trackers(tmp_path_factory) -> dict[str, Path]:
    """The sample tracker and the builders' small tracker with script in its text, as files."""
    folder = tmp_path_factory.mktemp("dashboard_in")
    sample = folder / "SayPro_Tracker.xlsx"
    write_tracker(sample, sample_tracker())
    evil = write_tracker_openpyxl(folder / "Clinic.xlsx", **evil_rows())
    return {"sample": sample, "evil": evil}


@pytest.fixture(scope="module")
def page_file(trackers, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dashboard_out")
    code, stdout, stderr = run("dashboard", trackers["sample"], trackers["evil"], "-o", out)
    assert code == 0, stderr
    assert stdout.strip() == f"Wrote dashboard {out / DASHBOARD_FILE} (2 of 2 tracker(s))"
    return out / DASHBOARD_FILE


@pytest.fixture(scope="module")
def html(page_file) -> str:
    return page_file.read_text(encoding="utf-8")


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each <script> and <style>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.raw: list[tuple[str, dict, str]] = []
        self._open: tuple[str, dict] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open = (tag, dict(attrs))
            self.raw.append((tag, dict(attrs), ""))

    def handle_data(self, data):
        if self._open is not None:
            tag, attrs, text = self.raw[-1]
            self.raw[-1] = (tag, attrs, text + data)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._open = None


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def rows_of(html: str, table_id: str) -> list[str]:
    """The data-key of every body row of one table."""
    body = html[html.index(f'<table id="{table_id}"'):]
    body = body[:body.index("</table>")]
    return re.findall(r'<tr data-key="([^"]*)"', body)


# ------------------------------------------------------------------ the page as written


def test_tracker_text_is_escaped_everywhere(html):
    for raw in (EVIL, BREAKOUT, ATTRIBUTE, "<svg", "<img"):
        assert raw not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as the characters typed
    assert "&#34;&gt;&lt;svg onload=alert(3)&gt;" in html  # also inside attribute values
    tags = parse(html).tags
    assert not [t for t, _ in tags if t in ("img", "svg", "iframe", "object", "embed", "link", "base")]
    assert not [(t, a) for t, a in tags for name in a if name.startswith("on")], "an inline event handler"
    assert not [(t, a) for t, a in tags if "style" in a], "a style attribute (the CSP forbids them)"
    assert not [(t, a) for t, a in tags if "src" in a or ("href" in a and not a["href"].startswith("#"))]


def test_the_json_block_cannot_end_early_and_reads_back_whole(html, trackers):
    blocks = [(a, text) for tag, a, text in parse(html).raw if tag == "script" and a.get("type") == "application/json"]
    assert len(blocks) == 1
    attrs, text = blocks[0]
    assert attrs["id"] == "dashboard-data"
    assert not set("<>&") & set(text)
    data = json.loads(text)
    names = [t["name"] for t in data["trackers"]]
    assert names == ["Clinic", "SayPro_Tracker"]  # as batch names their folders
    texts = {a["text"] for a in data["actions"]}
    assert EVIL in texts and BREAKOUT in texts  # unchanged once parsed
    assert json_for_html({"a": "</script><!--&"}) == '{"a":"\\u003c/script\\u003e\\u003c!--\\u0026"}'
    assert json.loads(json_for_html({"a": "</script><!--&\u2028"})) == {"a": "</script><!--&\u2028"}


def test_the_csp_forbids_the_network_and_allows_exactly_the_page_s_scripts_and_style(html):
    parsed = parse(html)
    (meta,) = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    policy = dict(part.strip().split(" ", 1) for part in meta["content"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["img-src"] == "data:"
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'none'"
    assert "unsafe" not in meta["content"] and "http" not in meta["content"]

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    scripts = [text for tag, a, text in parsed.raw if tag == "script" and "type" not in a]
    styles = [text for tag, _, text in parsed.raw if tag == "style"]
    assert len(scripts) == 2 and len(styles) == 1  # Chart.js, the page's script; one stylesheet
    assert policy["script-src"].split() == [digest(s) for s in scripts]
    assert policy["style-src"].split() == [digest(s) for s in styles]
    assert "sourceMappingURL" not in html  # developer tools would fetch the .map file
    assert html.index('http-equiv="Content-Security-Policy"') < html.index("<style>")
    assert content_security_policy(["a"], ["b"]).startswith("default-src 'none'; script-src 'sha256-")


def test_the_sample_page_is_small_and_the_same_every_time(sample_card, tmp_path):
    first = write_dashboard([sample_card], tmp_path / "one")
    second = write_dashboard([sample_card], tmp_path / "two")
    assert first.name == "index.html"
    assert first.stat().st_size < FIVE_MB
    assert first.read_bytes() == second.read_bytes()
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["index.html"]  # no temporary left


def test_dashboard_over_two_trackers_lists_both_trackers_kpis_and_actions(html, trackers):
    cards = {"SayPro_Tracker": score(load_tracker(trackers["sample"])),
             "Clinic": score(load_tracker(trackers["evil"]))}
    kpi_rows, action_rows = rows_of(html, "kpi-table"), rows_of(html, "action-table")
    for name, card in cards.items():
        assert card.kpis and card.actions
        for k in card.kpis:
            assert f"{name}::{k.kpi_id}" in kpi_rows
        for a in card.actions:
            assert f"{name}::{a.action_id}" in action_rows
    assert len(kpi_rows) == sum(len(c.kpis) for c in cards.values())
    assert len(action_rows) == sum(len(c.actions) for c in cards.values())
    assert ">Tracker</th>" in html  # with two trackers, the tables say whose row it is


def test_tiles_and_alerts_count_what_the_rules_say(sample_card):
    data = dashboard_data([sample_card])
    statuses = [k.status.value for k in sample_card.kpis]
    health = [a.health.value for a in sample_card.actions]
    assert data["tiles"] == {
        "off-track": statuses.count("Off Track"), "at-risk": statuses.count("At Risk"),
        "behind-pace": sum(1 for k in sample_card.kpis if k.pace and k.pace.value == "Behind"),
        "overdue": health.count("Overdue"), "blocked": health.count("Blocked"),
    }
    assert len(data["alerts"]) == sum(data["tiles"].values())
    assert data["alerts"][0]["kind"] == "off-track"  # worst kinds first
    overdue = next(a for a in data["alerts"] if a["kind"] == "overdue")
    assert "escalate to" in overdue["detail"]


def test_charts_get_target_expected_path_and_process_limits(sample_card):
    kpis = {k["id"]: k for k in dashboard_data([sample_card])["kpis"]}
    with_limits = [k for k in sample_card.kpis if k.limits]
    assert with_limits, "the sample has a KPI with 12 or more actuals"
    for score_ in sample_card.kpis:
        row = kpis[score_.kpi_id]
        assert len(row["actuals"]) == len([a for a in sample_card.tracker.actuals if a.kpi_id == score_.kpi_id])
        assert row["target"] == score_.target
        assert (row["limits"] is not None) == (score_.limits is not None)
        if score_.objective.target_date and row["actuals"]:
            assert row["path"]["target_date"] == score_.objective.target_date.isoformat()
            assert row["path"]["target"] == score_.target


def test_history_points_reach_the_page_beside_today(sample_card):
    earlier = HistoryPoint(sample_card.as_of.replace(day=1), {"Off Track": 7, "On Track": 4}, {"Overdue": 2},
                           {"Sales": {"kpi_status": {"Off Track": 2}, "action_health": {}}})
    data = dashboard_data([sample_card], history={0: [earlier]})
    history = data["trackers"][0]["history"]
    assert [p["as_of"] for p in history] == [earlier.as_of.isoformat(), sample_card.as_of.isoformat()]
    assert history[0]["kpi_status"]["Off Track"] == 7 and history[0]["action_health"]["Overdue"] == 2
    assert history[0]["departments"]["Sales"]["kpi_status"]["Off Track"] == 2
    assert sum(history[1]["kpi_status"].values()) == len(sample_card.kpis)
    assert "Over time" in render_page(data)


def test_a_page_put_together_from_each_trackers_part_is_the_page_of_all_of_them(sample_card, trackers, tmp_path):
    # batch renders each tracker's part in its worker: side by side they must make the very page
    # that all the cards rendered at once make, alerts (grouped by kind across trackers) included.
    evil = score(load_tracker(trackers["evil"]))
    cards, names = [evil, sample_card, evil], ["Clinic", "Sample & <Co>", "Clinic again"]
    earlier = HistoryPoint(sample_card.as_of.replace(day=1), {"Off Track": 7}, {"Overdue": 2}, None)
    history = {1: [earlier]}
    whole = render_page(dashboard_data(cards, names=names, history=history))
    parts = [page_part(card, name, True) for card, name in zip(cards, names)]
    assert write_page(parts, tmp_path / "many", history=history).read_text(encoding="utf-8") == whole
    assert write_dashboard(cards, tmp_path / "cards", names=names, history=history).read_text(encoding="utf-8") == whole
    # A part rendered for a page of many that ends up alone (the others failed) is rendered again.
    alone = render_page(dashboard_data([evil], names=["Clinic"]))
    assert write_page([page_part(evil, "Clinic", True)], tmp_path / "one").read_text(encoding="utf-8") == alone


def test_batch_writes_the_dashboard_too(trackers, tmp_path):
    code, out, err = run("batch", trackers["evil"], "-o", tmp_path, "--only", "findings")
    assert code == 0, err
    assert f"Dashboard: {tmp_path / DASHBOARD_FILE}" in out.splitlines()
    assert "Clinic::K1" in rows_of((tmp_path / DASHBOARD_FILE).read_text(encoding="utf-8"), "kpi-table")
    code, out, _ = run("batch", trackers["evil"], "-o", tmp_path / "none", "--only", "findings", "--no-dashboard")
    assert code == 0 and not (tmp_path / "none" / DASHBOARD_FILE).exists()


def test_dashboard_exit_codes(trackers, tmp_path):
    broken = tmp_path / "in" / "Broken.xlsx"
    broken.parent.mkdir()
    broken.write_bytes(b"not a workbook")
    shutil.copyfile(trackers["evil"], tmp_path / "in" / "Clinic.xlsx")
    code, out, _ = run("dashboard", tmp_path / "in", "-o", tmp_path / "out")
    assert code == 1  # a tracker left out is a failure, as in batch; the page still shows the rest
    assert out.splitlines()[0].startswith(f"FAILED {broken}: ")
    assert "(1 of 2 tracker(s))" in out and (tmp_path / "out" / DASHBOARD_FILE).exists()
    code, _, err = run("dashboard", tmp_path / "empty-folder-that-is-not-there", "-o", tmp_path / "x")
    assert code == 1 and not (tmp_path / "x").exists()
    (tmp_path / "nothing").mkdir()
    code, _, err = run("dashboard", tmp_path / "nothing", "-o", tmp_path / "x")
    assert code == 2 and "No .xlsx or .xlsm trackers found" in err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, _ = run("dashboard", trackers["evil"], "-o", blocker / "out")
    assert code == 1 and "FAILED dashboard: Could not write index.html in" in out


# ------------------------------------------------------------------ in a real browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (bash scripts/test installs it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Visit:
    """A page opened from a URL, with every request, console message and dialog it caused."""

    def __init__(self, browser, url: str, **context):
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        # Anything but the page itself is refused before it leaves (and recorded above).
        page_url = url.split("#")[0]
        self.page.route("**/*", lambda route: route.continue_() if route.request.url == page_url
                        else route.abort())
        self.page.goto(url)
        self.page.wait_for_load_state("load")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, page_file):
    opened: list[Visit] = []

    def open_page(hash_: str = "", url: str | None = None, **context) -> Visit:
        v = Visit(browser, (url or page_file.as_uri()) + hash_, **context)
        opened.append(v)
        return v

    yield open_page
    for v in opened:
        v.close()


def kpi_row(page, text: str):
    return page.get_by_role("table", name=re.compile("^Each KPI")).get_by_role("row").filter(has_text=text)


def action_row(page, text: str):
    return page.get_by_role("table", name=re.compile("^Each corrective action")).get_by_role("row").filter(
        has_text=text)


def tile(page, label: str):
    return page.locator(".tile").filter(has_text=label).locator(".tile-count")


@pytest.mark.browser
def test_the_page_loads_quietly_and_asks_the_network_for_nothing(visit, page_file):
    from playwright.sync_api import expect

    v = visit()
    page = v.page
    expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Showing \d+ of \d+ KPIs and \d+ of \d+ actions\."))
    for canvas in page.locator("figure.kpi-chart canvas").all():  # scroll each chart into view: it is drawn
        canvas.locator("xpath=../..").scroll_into_view_if_needed()
        expect(canvas).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^Stacked bars: KPIs by status"))).to_be_visible()
    assert v.requests == [page_file.as_uri()]
    assert v.errors == []
    assert v.dialogs == []


@pytest.mark.browser
def test_tracker_filter(visit):
    from playwright.sync_api import expect

    page = visit().page
    expect(kpi_row(page, "SAL-01")).to_be_visible()
    page.get_by_label("Tracker").select_option("Clinic")
    expect(kpi_row(page, "SAL-01")).to_be_hidden()
    expect(kpi_row(page, "K2")).to_be_visible()
    expect(action_row(page, "A2")).to_be_visible()
    expect(action_row(page, "CA-04")).to_be_hidden()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Showing 2 of \d+ KPIs and 3 of \d+ actions\."))
    # The department list offers only the chosen tracker's departments.
    options = page.get_by_label("Department").locator("option").all_text_contents()
    assert options == ["All departments", "Sales", ATTRIBUTE]
    assert page.url.endswith("#tracker=Clinic")


@pytest.mark.browser
def test_department_filter(visit):
    from playwright.sync_api import expect

    page = visit().page
    page.get_by_label("Department").select_option("Marketing")
    expect(kpi_row(page, "MKT-01")).to_be_visible()
    expect(kpi_row(page, "SAL-01")).to_be_hidden()
    expect(action_row(page, "CA-04")).to_be_visible()
    expect(action_row(page, "CA-08")).to_be_hidden()
    expect(tile(page, "Actions overdue")).to_have_text("1")  # CA-04
    expect(tile(page, "Actions blocked")).to_have_text("0")  # CA-08 is Customer Support's
    alerts = page.locator("#alert-list li:visible")
    expect(alerts.filter(has_text="CA-04")).to_have_count(1)
    expect(alerts.filter(has_text="CA-08")).to_have_count(0)
    actions = page.get_by_label("Action item").locator("option").all_text_contents()
    assert actions[0] == "All actions" and all(a.startswith("CA-0") for a in actions[1:]) and len(actions) == 4


@pytest.mark.browser
def test_action_item_filter(visit):
    from playwright.sync_api import expect

    page = visit().page
    page.get_by_label("Action item").select_option(label="CA-04 Refine audience segmentation and targeting")
    expect(action_row(page, "CA-04")).to_be_visible()
    expect(action_row(page, "CA-05")).to_be_hidden()
    expect(kpi_row(page, "MKT-01")).to_be_visible()  # the KPI it acts on
    expect(kpi_row(page, "MKT-02")).to_be_hidden()
    expect(page.get_by_role("heading", name=re.compile("MKT-01"))).to_be_visible()  # its chart
    expect(page.get_by_role("heading", name=re.compile("SAL-01"))).to_be_hidden()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Showing 1 of \d+ KPIs and 1 of \d+ actions\."))
    assert page.get_by_label("Action item").input_value() != ""  # the filter is set, not reset


@pytest.mark.browser
def test_time_period_filter_drives_the_charts_and_the_history(visit):
    from playwright.sync_api import expect

    page = visit().page
    page.get_by_label("Tracker").select_option("SayPro_Tracker")
    page.get_by_label("Time period").select_option("4w")
    expect(page.get_by_label("From", exact=True)).to_have_value("2025-03-28")
    expect(page.get_by_label("To", exact=True)).to_have_value("2025-04-25")
    expect(page.get_by_role("status")).to_contain_text("Charts from 28 Mar 2025 to 25 Apr 2025.")
    chart = page.locator("figure.kpi-chart").filter(has=page.get_by_role("heading", name=re.compile("CS-01")))
    chart.scroll_into_view_if_needed()
    expect(chart.locator("canvas")).to_be_visible()
    points = chart.locator("canvas").evaluate(
        "c => Chart.getChart(c).data.datasets[0].data.map(p => new Date(p.x).toISOString().slice(0, 10))")
    assert points and all("2025-03-28" <= p <= "2025-04-25" for p in points)
    history = page.get_by_role("table", name=re.compile("^KPIs by status"))
    expect(history.get_by_role("row", name=re.compile("25 Apr 2025"))).to_be_visible()
    # A period with no data says so, in words.
    page.get_by_label("From", exact=True).fill("2020-01-01")
    page.get_by_label("To", exact=True).fill("2020-02-01")
    expect(page.get_by_label("Time period")).to_have_value("custom")
    expect(chart.get_by_text("No actual in this period.")).to_be_visible()
    expect(page.get_by_text("No As Of in this period.")).to_be_visible()
    assert "from=2020-01-01" in page.url and "to=2020-02-01" in page.url


@pytest.mark.browser
def test_the_url_hash_is_a_shareable_view(visit):
    from playwright.sync_api import expect

    first = visit().page
    first.get_by_label("Department").select_option("Operations")
    first.get_by_label("Time period").select_option("3m")
    shared = first.url
    assert "department=Operations" in shared and "period=3m" in shared
    page = visit(url=shared).page  # someone opens the link
    expect(page.get_by_label("Department")).to_have_value("Operations")
    expect(page.get_by_label("Time period")).to_have_value("3m")
    expect(kpi_row(page, "OPS-01")).to_be_visible()
    expect(kpi_row(page, "SAL-01")).to_be_hidden()
    page.get_by_role("button", name="Clear filters").click()
    expect(kpi_row(page, "SAL-01")).to_be_visible()
    assert "#" not in page.url or page.url.endswith("#")


@pytest.mark.browser
def test_tracker_text_shows_as_typed_and_runs_nothing(visit):
    from playwright.sync_api import expect

    v = visit()
    page = v.page
    # Each cell's text is the string itself.
    expect(action_row(page, "A1").get_by_role("rowheader")).to_have_text(f"A1 {EVIL}")
    expect(action_row(page, "A2")).to_contain_text(EVIL)  # the owner
    expect(kpi_row(page, "K1").get_by_role("rowheader")).to_have_text(f"K1 {EVIL} (%)")
    expect(action_row(page, "A3").get_by_role("rowheader")).to_have_text(f"A3 {BREAKOUT}")
    expect(page.get_by_label("Action item").locator("option").filter(has_text=EVIL)).to_have_count(1)
    page.get_by_label("Department").select_option(ATTRIBUTE)
    expect(kpi_row(page, "K2")).to_be_visible()
    page.get_by_label("Department").select_option("")
    page.get_by_text("Actuals and causes of K1").click()
    cause = page.get_by_role("listitem").filter(has_text="C1 ")
    expect(cause).to_have_text(f"C1 {EVIL} (Lack of training) — confirmed")
    expect(page.get_by_role("cell", name=BREAKOUT, exact=True)).to_be_visible()  # an actual's comment
    assert page.locator("img, svg").count() == 0
    assert v.dialogs == [] and v.errors == []


@pytest.mark.browser
def test_readable_with_scripts_off(visit):
    from playwright.sync_api import expect

    page = visit(java_script_enabled=False).page
    expect(page.get_by_text("Filters and charts need JavaScript")).to_be_visible()
    expect(page.get_by_label("Tracker")).to_be_hidden()  # the filters need the script
    expect(kpi_row(page, "SAL-01")).to_be_visible()
    expect(action_row(page, "CA-04")).to_be_visible()
    expect(page.locator(".tile").filter(has_text="KPIs off track")).to_be_visible()
    assert "<script" not in page.locator("main").inner_html()  # the server-rendered tables hold no script


@pytest.mark.browser
def test_keyboard_labels_and_contrast(visit):
    page = visit().page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the dashboard"
    reached: list[str] = []
    for _ in range(30):  # a date field's day, month and year are stops of their own
        if len(reached) == 7:
            break
        page.keyboard.press("Tab")
        name = page.evaluate("document.activeElement.labels && document.activeElement.labels[0] ? "
                             "document.activeElement.labels[0].textContent : document.activeElement.textContent")
        if not reached or reached[-1] != name:
            reached.append(name)
    assert reached == ["Tracker", "Department", "Action item", "Time period", "From", "To", "Clear filters"]
    ratios = page.evaluate("""() => {
        const lum = c => { const v = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(x => x / 255)
            .map(x => x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
            return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
        const bg = el => { for (; el; el = el.parentElement) { const b = getComputedStyle(el).backgroundColor;
            if (b && !b.endsWith(', 0)') && b !== 'transparent') return b; } return 'rgb(255, 255, 255)'; };
        const out = [];
        for (const el of document.querySelectorAll('.badge, .tile-count, .tile-label, thead th, .hint, .where, label, summary, caption, .foot p')) {
            if (!el.offsetParent) continue;
            const a = lum(getComputedStyle(el).color), b = lum(bg(el));
            out.push([el.className || el.tagName, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
        }
        return out; }""")
    assert ratios and min(r for _, r in ratios) >= 4.5, sorted(ratios, key=lambda x: x[1])[:3]


@pytest.mark.browser
def test_readable_on_a_phone(visit, tmp_path):
    from playwright.sync_api import expect

    page = visit(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True).page
    expect(page.get_by_label("Department")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # tables scroll in their own box
    page.get_by_label("Department").select_option("Sales")
    expect(kpi_row(page, "SAL-02")).to_be_visible()
    page.screenshot(path=str(tmp_path / "phone.png"))


@pytest.mark.browser
def test_served_by_a_plain_web_server(browser, page_file):
    """Copying the folder to any static web server is all publishing takes."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(page_file.parent)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        v = Visit(browser, url)
        from playwright.sync_api import expect

        expect(kpi_row(v.page, "SAL-01")).to_be_visible()
        v.page.get_by_label("Tracker").select_option("Clinic")
        expect(kpi_row(v.page, "SAL-01")).to_be_hidden()
        assert v.requests == [url] and v.errors == [] and v.dialogs == []
        v.close()
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
def test_screenshots(browser, sample_card, tmp_path):
    """The README's pictures: the sample tracker's page on a desktop and on a phone."""
    from playwright.sync_api import expect

    page_file = write_dashboard([sample_card], tmp_path / "sample", names=["SayPro_Tracker"])
    target = Path(os.environ.get("SAYPRO_SCREENSHOTS") or tmp_path)
    if not target.is_absolute():
        target = ROOT / target
    desktop = Visit(browser, page_file.as_uri(), viewport={"width": 1280, "height": 1500}, locale="en-GB")
    desktop.page.get_by_label("Time period").select_option("3m")
    desktop.page.screenshot(path=str(target / "dashboard.png"))
    desktop.page.get_by_role("heading", name="KPI charts").evaluate("h => h.scrollIntoView()")
    for canvas in desktop.page.locator("figure.kpi-chart canvas").all()[:6]:
        expect(canvas).to_be_visible()
    desktop.page.screenshot(path=str(target / "dashboard-charts.png"))
    assert desktop.errors == [] and desktop.requests == [page_file.as_uri()]
    desktop.close()
    phone = Visit(browser, page_file.as_uri(), viewport={"width": 390, "height": 844}, device_scale_factor=2,
                  is_mobile=True, has_touch=True, locale="en-GB")
    phone.page.screenshot(path=str(target / "dashboard-phone.png"))
    phone.close()
    for name in ("dashboard.png", "dashboard-charts.png", "dashboard-phone.png"):
        assert (target / name).stat().st_size > 10_000


@pytest.mark.browser
def test_history_view_follows_the_department_and_the_period(browser, sample_card, tmp_path):
    """Earlier As Ofs (as the history store will hand them over) are charted and tabled beside
    today's; the department and period filters reach them."""
    from playwright.sync_api import expect

    earlier = HistoryPoint(sample_card.as_of.replace(month=3, day=28), {"Off Track": 7, "On Track": 4},
                           {"Overdue": 3}, {"Sales": {"kpi_status": {"Off Track": 2, "On Track": 1},
                                                      "action_health": {"Overdue": 1}}})
    page_file = write_dashboard([sample_card], tmp_path, history={0: [earlier]})
    v = Visit(browser, page_file.as_uri())
    page = v.page
    table = page.get_by_role("table", name=re.compile("^KPIs by status"))
    march = table.get_by_role("row", name=re.compile("28 Mar 2025"))
    expect(march).to_be_visible()
    expect(march.get_by_role("cell").nth(1)).to_have_text("7")  # Off Track, all departments
    page.get_by_label("Department").select_option("Sales")
    expect(march.get_by_role("cell").nth(1)).to_have_text("2")
    expect(page.get_by_role("img", name=re.compile("^Stacked bars: KPIs by status"))).to_be_visible()
    page.get_by_label("From", exact=True).fill("2025-04-01")
    expect(march).to_be_hidden()
    expect(table.get_by_role("row", name=re.compile("25 Apr 2025"))).to_be_visible()
    assert v.errors == [] and v.dialogs == []
    v.close()

/* The dashboard's own script: it only enhances a page that is complete without it.
 * Filters (tracker, department, action item, time period) show and hide the rows the server
 * rendered, the state lives in the URL hash so a view can be shared, and Chart.js draws the
 * charts. Tracker text only ever reaches the page through textContent or Option(): never
 * innerHTML, never a string of HTML.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var form = document.getElementById("filters");
  var controls = {
    tracker: document.getElementById("f-tracker"),
    department: document.getElementById("f-department"),
    action: document.getElementById("f-action"),
    period: document.getElementById("f-period"),
    from: document.getElementById("f-from"),
    to: document.getElementById("f-to")
  };
  var KEYS = ["tracker", "department", "action", "period", "from", "to"];
  var PERIOD_DAYS = { "4w": 28, "3m": 91, "6m": 182, "12m": 365 };
  var DAY = 86400000;
  var state = { tracker: "", department: "", action: "", period: "", from: "", to: "" };

  var STATUS_COLOURS = { "Off Track": "#C00000", "At Risk": "#FFC000", "On Track": "#70AD47", "No Data": "#A6A6A6" };
  var HEALTH_COLOURS = { "Overdue": "#C00000", "Blocked": "#ED7D31", "Late Start": "#FFC000", "At Risk": "#FFE699",
                         "Not Started": "#BDD7EE", "On Track": "#4472C4" };
  var INK = "#1b1b1b";
  var many = data.trackers.length > 1;

  var kpiByKey = {}, actionByKey = {};
  data.kpis.forEach(function (k) { kpiByKey[k.key] = k; });
  data.actions.forEach(function (a) { actionByKey[a.key] = a; });

  // ------------------------------------------------------------ dates

  function day(iso) {  // "2025-04-25" -> ms at UTC midnight, or NaN
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : NaN;
  }
  function iso(ms) { return new Date(ms).toISOString().slice(0, 10); }
  var shortDate = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  function dateText(ms) { return shortDate.format(new Date(ms)); }

  function periodRange() {  // [fromMs, toMs], either NaN when open
    return [day(state.from), day(state.to)];
  }
  function inPeriod(isoDate) {
    var r = periodRange(), t = day(isoDate);
    return !(t < r[0]) && !(t > r[1]);
  }

  // ------------------------------------------------------------ state and the URL hash

  function readHash() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    var next = {};
    KEYS.forEach(function (k) { next[k] = params.get(k) || ""; });
    if (next.tracker && !data.trackers.some(function (t) { return t.name === next.tracker; })) next.tracker = "";
    if (next.action && !actionByKey[next.action]) next.action = "";
    if (next.period && next.period !== "custom" && !PERIOD_DAYS[next.period]) next.period = "";
    if (isNaN(day(next.from))) next.from = "";
    if (isNaN(day(next.to))) next.to = "";
    if (PERIOD_DAYS[next.period]) setPreset(next, next.period);
    return next;
  }

  function writeHash() {
    var params = new URLSearchParams();
    KEYS.forEach(function (k) {
      if (!state[k]) return;
      if ((k === "from" || k === "to") && PERIOD_DAYS[state.period]) return;  // implied by the preset
      params.set(k, state[k]);
    });
    var hash = params.toString();
    if (hash === window.location.hash.replace(/^#/, "")) return;
    var url = window.location.href.split("#")[0] + (hash ? "#" + hash : "");
    try {
      window.history.replaceState(null, "", url);
    } catch (e) {  // a browser that refuses replaceState on a file:// page
      window.location.replace(hash ? "#" + hash : "#");
    }
  }

  function setPreset(target, period) {
    var end = day(data.as_of);
    target.period = period;
    target.to = data.as_of || "";
    target.from = isNaN(end) ? "" : iso(end - PERIOD_DAYS[period] * DAY);
  }

  // ------------------------------------------------------------ which rows match

  function trackerOk(name) { return !state.tracker || name === state.tracker; }
  function departmentOk(name) { return !state.department || name === state.department; }
  function kpiVisible(k) {
    if (!trackerOk(k.tracker) || !departmentOk(k.department)) return false;
    if (state.action) { var a = actionByKey[state.action]; return !!a && a.kpi_key === k.key; }
    return true;
  }
  function actionVisible(a) {
    return trackerOk(a.tracker) && departmentOk(a.department) && (!state.action || a.key === state.action);
  }
  function alertVisible(el) {
    if (!trackerOk(el.dataset.tracker) || !departmentOk(el.dataset.department)) return false;
    if (!state.action) return true;
    var a = actionByKey[state.action];
    return el.dataset.action === state.action || (!el.dataset.action && !!a && el.dataset.kpi === a.kpi_key);
  }

  // ------------------------------------------------------------ the select lists

  function fillSelect(select, placeholder, groups, current) {
    // groups: [{label, options: [{value, text}]}]; label "" for no optgroup
    while (select.firstChild) select.removeChild(select.firstChild);
    select.appendChild(new Option(placeholder, ""));
    var found = false;
    groups.forEach(function (g) {
      var parent = select;
      if (g.label) {
        parent = document.createElement("optgroup");
        parent.label = g.label;
        select.appendChild(parent);
      }
      g.options.forEach(function (o) {
        parent.appendChild(new Option(o.text, o.value));
        if (o.value === current) found = true;
      });
    });
    select.value = found ? current : "";
    return found ? current : "";
  }

  function refreshChoices() {
    var departments = [];
    data.trackers.forEach(function (t) {
      if (!trackerOk(t.name)) return;
      t.departments.forEach(function (d) { if (departments.indexOf(d) < 0) departments.push(d); });
    });
    state.department = fillSelect(controls.department, "All departments",
      [{ label: "", options: departments.map(function (d) { return { value: d, text: d }; }) }], state.department);
    var groups = [];
    data.trackers.forEach(function (t) {
      if (!trackerOk(t.name)) return;
      var options = data.actions.filter(function (a) {
        return a.tracker === t.name && departmentOk(a.department);
      }).map(function (a) { return { value: a.key, text: a.id + " " + a.text }; });
      if (options.length) groups.push({ label: many ? t.name : "", options: options });
    });
    state.action = fillSelect(controls.action, "All actions", groups, state.action);
    controls.tracker.value = state.tracker;
    controls.period.value = state.period;
    controls.from.value = state.from;
    controls.to.value = state.to;
  }

  // ------------------------------------------------------------ showing and hiding

  function showRows(selector, visible) {
    var shown = 0;
    document.querySelectorAll(selector).forEach(function (el) {
      var on = visible(el);
      el.hidden = !on;
      if (on) shown += 1;
    });
    return shown;
  }

  function apply() {
    var kpis = data.kpis.filter(kpiVisible);
    var actions = data.actions.filter(actionVisible);
    var kpiKeys = {}, actionKeys = {};
    kpis.forEach(function (k) { kpiKeys[k.key] = true; });
    actions.forEach(function (a) { actionKeys[a.key] = true; });

    showRows("#kpi-table tbody tr", function (el) { return !!kpiKeys[el.dataset.key]; });
    showRows("#action-table tbody tr", function (el) { return !!actionKeys[el.dataset.key]; });
    showRows("figure.kpi-chart", function (el) { return !!kpiKeys[el.dataset.key]; });
    var alerts = showRows("#alert-list li", alertVisible);
    document.getElementById("kpis-empty").hidden = kpis.length > 0;
    document.getElementById("actions-empty").hidden = actions.length > 0;
    document.getElementById("alerts-empty").hidden = alerts > 0;

    var counts = {};
    Object.keys(data.tiles).forEach(function (k) { counts[k] = 0; });
    kpis.concat(actions).forEach(function (row) { row.alerts.forEach(function (k) { counts[k] += 1; }); });
    Object.keys(counts).forEach(function (k) {
      var el = document.getElementById("tile-" + k);
      el.textContent = String(counts[k]);
      el.parentNode.classList.toggle("is-zero", counts[k] === 0);
    });

    var period = state.from || state.to
      ? " Charts from " + (state.from ? dateText(day(state.from)) : "the first date") +
        " to " + (state.to ? dateText(day(state.to)) : "the last") + "."
      : "";
    document.getElementById("f-summary").textContent =
      "Showing " + kpis.length + " of " + data.kpis.length + " KPIs and " +
      actions.length + " of " + data.actions.length + " actions." + period;

    applyHistory();
    refreshCharts();
  }

  // ------------------------------------------------------------ KPI charts

  var charts = {};       // key -> Chart
  var seen = {};         // key -> true once the figure has been on screen
  var observer = null;

  function datasetsFor(k) {
    var r = periodRange();
    var points = k.actuals.filter(function (p) { return inPeriod(p[0]); })
      .map(function (p) { return { x: day(p[0]), y: p[1] }; });
    var xs = points.map(function (p) { return p.x; });
    var lo = !isNaN(r[0]) ? r[0] : Math.min.apply(null, xs.concat(k.path ? [day(k.path.start_date)] : []));
    var hi = !isNaN(r[1]) ? r[1] : Math.max.apply(null, xs.concat(k.path ? [day(k.path.target_date)] : []).concat([day(data.as_of)]));
    if (!isFinite(lo) || !isFinite(hi)) { lo = day(data.as_of) - 28 * DAY; hi = day(data.as_of); }
    if (lo === hi) { lo -= 7 * DAY; hi += 7 * DAY; }
    var sets = [{
      label: "Actual", data: points, borderColor: "#1f3864", backgroundColor: "#1f3864",
      borderWidth: 2.5, pointRadius: 3, tension: 0, order: 0
    }];
    if (k.target !== null) {
      sets.push({ label: "Target " + k.target_text, data: [{ x: lo, y: k.target }, { x: hi, y: k.target }],
                  borderColor: "#2e7d32", borderWidth: 2, borderDash: [8, 4], pointRadius: 0, order: 1 });
    }
    if (k.path) {
      sets.push({ label: "Expected path", data: [{ x: day(k.path.start_date), y: k.path.start_value },
                                               { x: day(k.path.target_date), y: k.path.target }],
                  borderColor: "#b35900", borderWidth: 1.5, borderDash: [3, 3], pointRadius: 0, order: 2 });
    }
    if (k.limits && xs.length) {
      var a = Math.min.apply(null, xs), b = Math.max.apply(null, xs);
      [["Process mean", k.limits.mean, [2, 2]], ["Upper limit", k.limits.upper, [10, 4]],
       ["Lower limit", k.limits.lower, [10, 4]]].forEach(function (line, i) {
        sets.push({ label: line[0], data: [{ x: a, y: line[1] }, { x: b, y: line[1] }], borderColor: "#6b6b6b",
                    borderWidth: 1, borderDash: line[2], pointRadius: 0, order: 3 + i });
      });
    }
    return { sets: sets, lo: lo, hi: hi, points: points.length };
  }

  function chartOptions(k, lo, hi) {
    return {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: true, normalized: true,
      interaction: { mode: "nearest", intersect: false },
      scales: {
        x: { type: "linear", min: lo, max: hi, ticks: { color: INK, maxTicksLimit: 6, callback: function (v) {
          return shortDate.format(new Date(v)).replace(/ \d{4}$/, ""); } }, grid: { color: "#e3e3e3" } },
        y: { ticks: { color: INK }, grid: { color: "#e3e3e3" },
             title: { display: !!k.unit, text: k.unit, color: INK } }
      },
      plugins: {
        legend: { position: "bottom", labels: { color: INK, boxWidth: 18, boxHeight: 2 } },
        tooltip: { callbacks: {
          title: function (items) { return items.length ? dateText(items[0].parsed.x) : ""; }
        } }
      }
    };
  }

  function drawKpi(fig) {
    var k = kpiByKey[fig.dataset.key];
    var made = datasetsFor(k);
    var box = fig.querySelector(".chart-box");
    var note = fig.querySelector(".chart-note");
    box.hidden = false;
    note.hidden = made.points > 0;
    note.textContent = made.points > 0 ? "" : "No actual in this period.";
    var chart = charts[k.key];
    if (chart) {
      chart.data.datasets = made.sets;
      chart.options.scales.x.min = made.lo;
      chart.options.scales.x.max = made.hi;
      chart.update("none");
    } else {
      charts[k.key] = new window.Chart(box.querySelector("canvas"), {
        type: "line", data: { datasets: made.sets }, options: chartOptions(k, made.lo, made.hi)
      });
    }
  }

  function refreshCharts() {
    if (!window.Chart) return;
    document.querySelectorAll("figure.kpi-chart").forEach(function (fig) {
      if (!fig.hidden && seen[fig.dataset.key]) drawKpi(fig);
    });
    drawHistory();
  }

  function watchCharts() {
    if (!window.Chart) return;
    var figures = document.querySelectorAll("figure.kpi-chart");
    if (!("IntersectionObserver" in window)) {
      figures.forEach(function (fig) { seen[fig.dataset.key] = true; });
      return;
    }
    observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var fig = entry.target;
        if (entry.isIntersecting && !seen[fig.dataset.key]) {
          seen[fig.dataset.key] = true;
          if (!fig.hidden) drawKpi(fig);
        }
      });
    }, { rootMargin: "400px 0px" });
    figures.forEach(function (fig) { observer.observe(fig); });
  }

  // ------------------------------------------------------------ history

  function historyCounts(point, part, name) {
    if (state.department) {
      var d = point.departments && point.departments[state.department];
      return d ? d[part][name] || 0 : (point.departments ? 0 : null);
    }
    return point[part][name];
  }

  function applyHistory() {
    var shown = 0;
    document.querySelectorAll("#history-table tbody tr").forEach(function (row) {
      var on = trackerOk(row.dataset.tracker) && inPeriod(row.dataset.date);
      row.hidden = !on;
      if (!on) return;
      shown += 1;
      var tracker = data.trackers.filter(function (t) { return t.name === row.dataset.tracker; })[0];
      var point = tracker.history.filter(function (p) { return p.as_of === row.dataset.date; })[0];
      row.querySelectorAll("td[data-part]").forEach(function (cell) {
        var n = historyCounts(point, cell.dataset.part, cell.dataset.name);
        cell.textContent = n === null ? "—" : String(n);
      });
    });
    document.getElementById("history-empty").hidden = shown > 0;
  }

  var historyCharts = {};

  function historySeries(part, names) {
    var byDate = {};
    data.trackers.forEach(function (t) {
      if (!trackerOk(t.name)) return;
      t.history.forEach(function (p) {
        if (!inPeriod(p.as_of)) return;
        var slot = byDate[p.as_of] || (byDate[p.as_of] = {});
        names.forEach(function (n) {
          var c = historyCounts(p, part, n);
          slot[n] = (slot[n] || 0) + (c || 0);
        });
      });
    });
    var dates = Object.keys(byDate).sort();
    return { labels: dates.map(function (d) { return dateText(day(d)); }), dates: dates, byDate: byDate };
  }

  function drawHistoryChart(id, part, names, colours) {
    var s = historySeries(part, names);
    var sets = names.map(function (n) {
      return { label: n, data: s.dates.map(function (d) { return s.byDate[d][n]; }), backgroundColor: colours[n],
               borderColor: "#ffffff", borderWidth: 1, maxBarThickness: 56 };
    });
    var chart = historyCharts[id];
    if (chart) {
      chart.data.labels = s.labels;
      chart.data.datasets = sets;
      chart.update("none");
      return;
    }
    historyCharts[id] = new window.Chart(document.getElementById(id), {
      type: "bar", data: { labels: s.labels, datasets: sets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { stacked: true, ticks: { color: INK } },
                  y: { stacked: true, beginAtZero: true, ticks: { color: INK, precision: 0 } } },
        plugins: { legend: { position: "bottom", labels: { color: INK, boxWidth: 14 } } }
      }
    });
  }

  function drawHistory() {
    document.querySelector(".history-charts").hidden = false;
    drawHistoryChart("history-status", "kpi_status", data.status_order, STATUS_COLOURS);
    drawHistoryChart("history-health", "action_health", data.health_order, HEALTH_COLOURS);
  }

  // ------------------------------------------------------------ wiring

  function fromControls(changed) {
    state.tracker = controls.tracker.value;
    state.department = controls.department.value;
    state.action = controls.action.value;
    if (changed === "period") {
      if (PERIOD_DAYS[controls.period.value]) setPreset(state, controls.period.value);
      else if (controls.period.value === "") { state.period = ""; state.from = ""; state.to = ""; }
      else state.period = "custom";
    } else if (changed === "from" || changed === "to") {
      state.from = controls.from.value;
      state.to = controls.to.value;
      state.period = state.from || state.to ? "custom" : "";
    }
  }

  function update(changed) {
    fromControls(changed);
    refreshChoices();
    writeHash();
    apply();
  }

  Object.keys(controls).forEach(function (name) {
    controls[name].addEventListener("change", function () { update(name); });
  });
  document.getElementById("f-clear").addEventListener("click", function () {
    KEYS.forEach(function (k) { state[k] = ""; });
    refreshChoices();
    writeHash();
    apply();
    controls.tracker.focus();
  });
  window.addEventListener("hashchange", function () {
    state = readHash();
    refreshChoices();
    apply();
  });

  if (window.Chart) {
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.color = INK;
  }
  form.hidden = false;
  document.getElementById("no-script").hidden = true;
  state = readHash();
  refreshChoices();
  watchCharts();
  apply();
})();

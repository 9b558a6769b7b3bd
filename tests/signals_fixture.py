"""A contract-conformant tracker written by openpyxl with long weekly series, for rules part two.

As Of 2025-06-27; 16 weekly actuals, Fridays 14 March to 27 June (k = 0..15). Tolerance 5 %,
Trend Periods 3. Every figure the tests expect is worked out in the comments here.

- RESP (lower is better, hours): a steady fall from 20 (baseline, 7 Mar) to 10 by 25 Jul:
  20 − 0.5k → 12.5 on 27 Jun.
- LEADS (higher is better): a step change after action A1 (start 21 Apr, Done 2 May):
  99/101 alternating for k = 0..7, 119/121 for k = 8..15; baseline 100 (7 Mar), target 130 by 27 Jun.
- CSAT (higher is better): a noisy flat series 4.0, 4.4, 4.1, 4.3 repeated; target 4.5, no
  baseline, no target date.
- DELAY (lower is better, days): target 0 (baseline 14 on 7 Mar, change −14) by 25 Jul:
  14 − 0.5k → 6.5 on 27 Jun.
- A2 on DELAY started 2 Jun, Done 16 Jun: only 20 and 27 Jun after it — too early.
- A3 on CSAT is open: not judged.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from builders import write_tracker_openpyxl

AS_OF = dt.date(2025, 6, 27)
FRIDAYS = [dt.date(2025, 3, 14) + dt.timedelta(weeks=k) for k in range(16)]
START = dt.date(2025, 3, 7)

SERIES = {
    "RESP": [20 - 0.5 * k for k in range(16)],
    "LEADS": [99, 101] * 4 + [119, 121] * 4,
    "CSAT": [4.0, 4.4, 4.1, 4.3] * 4,
    "DELAY": [14 - 0.5 * k for k in range(16)],
}


def signals_rows() -> dict:
    objective = {"Unit": "", "Tolerance %": None, "Frequency": "Weekly", "Owner": "Kim"}
    return dict(
        settings={"Organisation": "Signals Ltd", "As Of Date": AS_OF, "Tolerance %": 5, "Trend Periods": 3},
        objectives=[
            {**objective, "KPI ID": "RESP", "Department": "Support", "KPI": "Response time", "Unit": "hours",
             "Direction": "Lower is better", "Baseline": 20, "Baseline Date": START,
             "Target Type": "Absolute", "Target Value": 10, "Target Date": dt.date(2025, 7, 25)},
            {**objective, "KPI ID": "LEADS", "Department": "Marketing", "KPI": "Qualified leads",
             "Direction": "Higher is better", "Baseline": 100, "Baseline Date": START,
             "Target Type": "Absolute", "Target Value": 130, "Target Date": dt.date(2025, 6, 27)},
            {**objective, "KPI ID": "CSAT", "Department": "Support", "KPI": "Satisfaction score",
             "Direction": "Higher is better", "Target Type": "Absolute", "Target Value": 4.5},
            {**objective, "KPI ID": "DELAY", "Department": "Operations", "KPI": "Production delay",
             "Unit": "days", "Direction": "Lower is better", "Baseline": 14, "Baseline Date": START,
             "Target Type": "Change from baseline", "Target Value": -14, "Target Date": dt.date(2025, 7, 25)},
        ],
        actuals=[{"KPI ID": kpi, "Period End": day, "Actual": value}
                 for kpi, values in SERIES.items() for day, value in zip(FRIDAYS, values)],
        causes=[
            {"Cause ID": "C1", "KPI ID": "LEADS", "Category": "Misalignment", "Fishbone": "Process",
             "Description": "Campaigns aimed at the wrong audience", "Weight": 5, "Confirmed": "Yes"},
            {"Cause ID": "C2", "KPI ID": "DELAY", "Category": "Inefficient process", "Fishbone": "Process",
             "Description": "Bottleneck at assembly", "Weight": 5, "Confirmed": "Yes"},
            {"Cause ID": "C3", "KPI ID": "CSAT", "Category": "Lack of training", "Fishbone": "People",
             "Description": "Agents untrained on the new product", "Weight": 3, "Confirmed": "Yes"},
        ],
        actions=[
            {"Action ID": "A1", "Cause ID": "C1", "KPI ID": "LEADS", "Department": "Marketing",
             "Action": "Retarget campaigns", "Owner": "Kim", "Start Date": dt.date(2025, 4, 21),
             "Timeline (weeks)": 2, "Status": "In progress", "% Complete": 50, "Approved": "Yes"},
            {"Action ID": "A2", "Cause ID": "C2", "KPI ID": "DELAY", "Department": "Operations",
             "Action": "Remove the assembly bottleneck", "Owner": "Lee", "Start Date": dt.date(2025, 6, 2),
             "Timeline (weeks)": 2, "Status": "In progress", "Approved": "Yes"},
            {"Action ID": "A3", "Cause ID": "C3", "KPI ID": "CSAT", "Department": "Support",
             "Action": "Product training for agents", "Owner": "Max", "Start Date": dt.date(2025, 6, 16),
             "Timeline (weeks)": 4, "Status": "In progress", "% Complete": 40, "Approved": "Yes"},
        ],
        updates=[
            {"Date": dt.date(2025, 5, 2), "Action ID": "A1", "Reporter": "Kim", "Status": "Done",
             "% Complete": 100, "Note": "new audiences live"},
            {"Date": dt.date(2025, 6, 16), "Action ID": "A2", "Reporter": "Lee", "Status": "Done",
             "% Complete": 100, "Note": "second line opened"},
        ],
    )


def write_signals_tracker(path: Path) -> Path:
    return write_tracker_openpyxl(path, **signals_rows())

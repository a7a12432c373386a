"""The weekly report's forecast section: month-end table and a chart (actual, band, budget)."""

from __future__ import annotations

from typing import Any

Table = list[dict[str, Any]]


def collect(con) -> tuple[Table, Table]:
    """Monthly forecast rows and the total's daily rows, from the forecast marts (empty when absent)."""
    try:
        monthly = _rows(
            con,
            "select cost_center, month, currency, month_to_date_cost, forecast_cost, lower_80, upper_80,"
            " lower_95, upper_95, budget, thresholds_crossed, forecast_as_of, method, reason"
            " from analytics.fct_cost_forecast_monthly order by cost_center = 'ALL' desc, cost_center",
        )
        daily = _rows(
            con,
            "select cost_date, is_actual, forecast_cost from analytics.fct_cost_forecast_daily"
            " where cost_center = 'ALL' order by cost_date",
        )
    except Exception:  # forecast marts not built in this warehouse
        return [], []
    return monthly, daily


def _rows(con, sql: str) -> Table:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def forecast_chart(monthly: Table, daily: Table, currency: str) -> str | None:
    """Cumulative cost of the month: actual to date, the forecast's 80 %/95 % band to month end, budget."""
    import altair as alt

    from flows.report.charts import _svg

    total = next((m for m in monthly if m["cost_center"] == "ALL"), None)
    if total is None or total["forecast_cost"] is None or not daily:
        return None
    points, running, as_of = [], 0.0, total["forecast_as_of"]
    for d in daily:
        running += float(d["forecast_cost"] or 0)
        kind = "actual" if d["is_actual"] else "forecast (mean)"
        if d["cost_date"] == as_of:  # the forecast line starts where the actuals end
            points.append({"day": as_of.isoformat(), "cost": running + 0.0, "kind": "forecast (mean)"})
        points.append({"day": d["cost_date"].isoformat(), "cost": running, "kind": kind})
    start, end = float(total["month_to_date_cost"]), daily[-1]["cost_date"]
    band = [
        {"day": as_of.isoformat(), "lo80": start, "hi80": start, "lo95": start, "hi95": start},
        {
            "day": end.isoformat(),
            **{k: float(total[v]) for k, v in (("lo80", "lower_80"), ("hi80", "upper_80"))},
            **{k: float(total[v]) for k, v in (("lo95", "lower_95"), ("hi95", "upper_95"))},
        },
    ]
    x = alt.X("day:T", title="Day")
    layers = [
        alt.Chart(alt.Data(values=band)).mark_area(opacity=0.15).encode(x=x, y="lo95:Q", y2="hi95:Q"),
        alt.Chart(alt.Data(values=band)).mark_area(opacity=0.3).encode(x=x, y="lo80:Q", y2="hi80:Q"),
        alt.Chart(alt.Data(values=points))
        .mark_line()
        .encode(x=x, y=alt.Y("cost:Q", title=f"Cumulative cost ({currency})"), strokeDash="kind:N"),
    ]
    if total["budget"] is not None:
        layers.append(
            alt.Chart(alt.Data(values=[{"budget": float(total["budget"])}]))
            .mark_rule(color="firebrick")
            .encode(y="budget:Q")
        )
    chart = alt.layer(*layers, title=f"Month to date and month-end forecast, all cost centers ({currency})")
    return _svg(chart.properties(width=640, height=260))

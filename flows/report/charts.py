"""Charts as inline SVG (altair → Vega-Lite → vl-convert, offline)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chart data only: decimals → float, dates → ISO strings (tables and CSVs keep exact values).

    Rows with a ``week_start`` also get ``week`` (``2026-W47``) for an ordinal x axis.
    """
    out = []
    for r in rows:
        item: dict[str, Any] = {}
        ws = r.get("week_start")
        if ws is not None and hasattr(ws, "isocalendar"):
            year, week, _ = ws.isocalendar()
            item["week"] = f"{year}-W{week:02d}"
        for k, v in r.items():
            if isinstance(v, Decimal):
                item[k] = float(v)
            elif hasattr(v, "isoformat"):
                item[k] = v.isoformat()
            else:
                item[k] = v
        out.append(item)
    return out


def _svg(chart: Any) -> str:
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(chart.to_dict())
    # Drop the XML prolog so the SVG can sit inline in HTML.
    return svg[svg.find("<svg") :] if "<svg" in svg else svg


def trend_chart(rows: list[dict[str, Any]], series: str, title: str, currency: str) -> str | None:
    """Line chart of cost per resolved by week, one line per ``series`` value."""
    import altair as alt

    data = [r for r in _plain(rows) if r.get("cost_per_resolved") is not None]
    if not data:
        return None
    chart = (
        alt.Chart(alt.Data(values=data), title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:O", title="ISO week"),
            y=alt.Y("cost_per_resolved:Q", title=f"Cost per resolved ({currency})"),
            color=alt.Color(f"{series}:N", title=series.replace("_", " ")),
            tooltip=[f"{series}:N", "week:O", "cost_per_resolved:Q", "resolved_count:Q"],
        )
        .properties(width=640, height=260)
    )
    return _svg(chart)


def movers_chart(rows: list[dict[str, Any]], currency: str) -> str | None:
    """Horizontal bars of the movers' cost impact this week (change in efficiency × volume)."""
    import altair as alt

    data = _plain(rows)
    for d in data:
        d["label"] = f"{d['queue_name']} / {d['cost_center']}"
    if not data:
        return None
    chart = (
        alt.Chart(alt.Data(values=data), title="Top movers: cost impact of the change in cost per resolved")
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort="-x", title=None),
            x=alt.X("cost_impact:Q", title=f"Cost impact this week ({currency})"),
            color=alt.condition("datum.cost_impact > 0", alt.value("#c0392b"), alt.value("#27ae60")),
        )
        .properties(width=560, height=30 * len(data))
    )
    return _svg(chart)


def unattributed_chart(rows: list[dict[str, Any]]) -> str | None:
    """Weekly unattributed share of cost (percent)."""
    import altair as alt

    data = [r for r in _plain(rows) if r.get("unattributed_share_pct") is not None]
    if not data:
        return None
    chart = (
        alt.Chart(alt.Data(values=data), title="Unattributed share of cost")
        .mark_area(line=True, opacity=0.3)
        .encode(
            x=alt.X("week:O", title="ISO week"),
            y=alt.Y("unattributed_share_pct:Q", title="% of cost"),
        )
        .properties(width=640, height=180)
    )
    return _svg(chart)


def aht_chart(rows: list[dict[str, Any]]) -> str | None:
    """Forecast vs actual average handle time per queue (grouped bars)."""
    import altair as alt

    data = []
    for r in _plain(rows):
        for kind, key in (
            ("forecast", "forecasted_handle_time_seconds"),
            ("actual", "actual_handle_time_seconds"),
        ):
            if r.get(key) is not None:
                data.append({"queue": r["queue_name"], "kind": kind, "seconds": r[key]})
    if not data:
        return None
    chart = (
        alt.Chart(alt.Data(values=data), title="Average handle time: forecast vs actual")
        .mark_bar()
        .encode(
            y=alt.Y("queue:N", title=None),
            yOffset="kind:N",
            x=alt.X("seconds:Q", title="Seconds"),
            color=alt.Color("kind:N", title=None),
        )
        .properties(width=560)
    )
    return _svg(chart)


def quality_chart(rows: list[dict[str, Any]]) -> str | None:
    """WEM evaluation score by queue and week."""
    import altair as alt

    data = [r for r in _plain(rows) if r.get("quality_score") is not None]
    if not data:
        return None
    chart = (
        alt.Chart(alt.Data(values=data), title="WEM quality score")
        .mark_line(point=True)
        .encode(
            x=alt.X("week:O", title="ISO week"),
            y=alt.Y("quality_score:Q", title="Score (0-100)", scale=alt.Scale(zero=False)),
            color=alt.Color("queue_name:N", title="queue"),
        )
        .properties(width=640, height=220)
    )
    return _svg(chart)

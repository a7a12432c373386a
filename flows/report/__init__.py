"""The weekly cost-efficiency report: figures from the marts, charts, HTML and CSV."""

from flows.report.build import WeeklyReport, build_weekly_report, iso_week_label, parse_iso_week

__all__ = ["WeeklyReport", "build_weekly_report", "iso_week_label", "parse_iso_week"]

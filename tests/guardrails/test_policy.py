"""Policy engine: intraday decisions from the warehouse's numbers, two conditions, planned events,
the seed's flat rule, policy validation, and reloads that keep the last good policy."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app as cli
from guardrails.policy import PolicyError, PolicySet, evaluate
from guardrails.rulebook import RuleBook
from guardrails.settings import DEFAULT_POLICIES
from tests.guardrails.conftest import baseline_row, seed_event, write_rules

MONDAY = date(2026, 11, 30)
SUNDAY = date(2026, 11, 29)
# a contact-center day: almost nothing before 07:00, busy 08:00-18:00 (cumulative share by hour end)
HOURLY = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.6, 2, 5, 8, 9, 9, 8.5, 8.5, 9, 9, 8, 7, 5.5, 4, 2.5, 1.5, 0.8, 0.3]
CUMULATIVE = [f"{sum(HOURLY[: h + 1]) / sum(HOURLY):.6f}" for h in range(24)]
CUMULATIVE[-1] = "1.000000"


@pytest.fixture
def policies(policies_path: Path) -> PolicySet:
    return PolicySet.load(policies_path)


@pytest.fixture
def book(rules_template: Path, tmp_path: Path) -> RuleBook:
    """CC-SALES expects 1000 on Mondays (weekly shape: Sunday 300), band 15 %, floor 5.00."""
    rows = [
        baseline_row("CC-SALES", MONDAY, "1000", floor="5.00", baseline_30d="700"),
        baseline_row("CC-SALES", SUNDAY, "300", floor="5.00", baseline_30d="700"),
        baseline_row("CC-SALES", date(2026, 3, 4), "1000", floor="5.00"),
        baseline_row("CC-SALES", date(2026, 3, 10), "1000", floor="5.00"),
        baseline_row("CC-SUPPORT", MONDAY, "10", floor="5.00"),
    ]
    path = write_rules(rules_template, tmp_path / "r.json", rows, profiles={"CC-SALES": CUMULATIVE})
    return RuleBook.load(path)


def _at(book: RuleBook, policies: PolicySet, cc: str, when: datetime, amount: str, mode: str = "expected"):
    return evaluate(
        policies,
        book.baseline(cc, when.date()),
        mode=mode,
        cost_center=cc,
        day=when.date(),
        consumption_today=Decimal(amount),
        share_now=book.cumulative_share(cc, when),
        queue_id=None,
        band_exponent=book.band_exponent,
    )


def test_early_spike_is_caught_before_noon_on_a_weekday(book, policies):
    at_11 = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    share = book.cumulative_share("CC-SALES", at_11)  # end of 10:00-10:59
    assert share == Decimal("0.256566")
    d = _at(book, policies, "CC-SALES", at_11, "420")  # expected so far 256.57; +64 %
    assert d.decision == "mitigate" and d.breach
    assert d.expected_so_far == Decimal("256.566000") and d.projected_day == Decimal("1637.005683")
    assert d.upper_bound == Decimal("1150.000000")  # the full day's bound is still far away
    # the seed's flat rule compares the running total with the full-day bound: silent until late
    seed = _at(book, policies, "CC-SALES", at_11, "420", mode="flat")
    assert seed.decision == "allow" and seed.upper_bound == Decimal("805.000000")


def test_measured_intraday_band_replaces_the_theoretical_widening(book, policies):
    """With a band the warehouse measured for the hour (dim_guardrail_intraday_bands), the wider of it
    and the cost center's band applies; without one, band x (1 / share) ^ exponent."""
    at_11 = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    row, share = book.baseline("CC-SALES", at_11.date()), book.cumulative_share("CC-SALES", at_11)

    def breach(amount: str, measured: tuple) -> bool:
        return evaluate(
            policies, row, mode="expected", cost_center="CC-SALES", day=at_11.date(),
            consumption_today=Decimal(amount), share_now=share, queue_id=None,
            band_exponent=Decimal("0.5"), intraday_band=measured,
        ).breach  # fmt: skip

    # expected so far 256.566; theoretical band 15 % x (1 / 0.256566) ^ 0.5 = 29.61 % -> bound 332.54
    assert not breach("330", (None, None)) and breach("335", (None, None))
    # measured noise at 11:00 is 20 % (k x dispersion): bound 307.88, caught earlier
    assert breach("310", (Decimal("20"), None)) and not breach("305", (Decimal("20"), None))
    # a measured band narrower than the cost center's 15 % never narrows it: bound 295.05
    assert not breach("295", (Decimal("5"), None)) and breach("296", (Decimal("5"), None))


def test_late_overrun_after_an_under_running_morning_is_caught_by_the_pace_test(
    rules_template, tmp_path, policies
):
    """A Monday running 10 % under its expectation (900 of 1000) overruns by +40 % from 15:00: the
    running total never leaves the expectation by more than 4 % and the last 3 hours stay within
    their measured 35 % band, but against the day's own pace before them they are +40 % at 18:00
    (end of 17:00-17:59): caught within 3 hours of the onset. The same day without the overrun is
    never flagged."""
    rows = [baseline_row("CC-SALES", MONDAY, "1000", floor="5.00")]
    bands = {"CC-SALES": ("20", "35", "30")}  # measured in dbt: cumulative, window, pace band %
    path = write_rules(rules_template, tmp_path / "r.json", rows, profiles={"CC-SALES": CUMULATIVE},
                       intraday=bands)  # fmt: skip
    book = RuleBook.load(path)
    assert book.pace_min_share == Decimal("0.2")  # var guardrail_pace_min_share, exported by dbt
    natural = [Decimal(900) * Decimal(str(x)) / Decimal(str(sum(HOURLY))) for x in HOURLY]
    overrun = [c * Decimal("1.4") if h >= 15 else c for h, c in enumerate(natural)]

    def first_breach(hours: list[Decimal], with_pace: bool = True) -> tuple[int | None, list[str]]:
        for h in range(24):
            end = datetime(2026, 11, 30, h, 59, 59, tzinfo=UTC)
            first = max(0, h - book.window_hours + 1)
            window_start = end.replace(hour=first, minute=0, second=0)
            d = evaluate(
                policies, book.baseline("CC-SALES", MONDAY), mode="expected", cost_center="CC-SALES",
                day=MONDAY, consumption_today=sum(hours[: h + 1], Decimal(0)),
                share_now=book.cumulative_share("CC-SALES", end), queue_id=None,
                window_consumption=sum(hours[first : h + 1], Decimal(0)),
                share_window_start=book.cumulative_share("CC-SALES", window_start),
                band_exponent=book.band_exponent, intraday_band=book.intraday_band("CC-SALES", end),
                pace_band=book.pace_band("CC-SALES", end) if with_pace else None,
                pace_min_share=book.pace_min_share,
            )  # fmt: skip
            if d.breach:
                return h, d.reasons
        return None, []

    hour, reasons = first_breach(overrun)
    assert hour == 17 and "above the day's own pace" in reasons[-1]  # onset 15:00, caught by 18:00
    assert first_breach(overrun, with_pace=False) == (None, [])  # cumulative and window tests: silent
    assert first_breach(natural) == (None, [])  # an under-running ordinary Monday: never flagged


def test_pace_test_needs_no_expected_day(rules_template, tmp_path, policies):
    """A cost center in its first week (no same-weekday sample: insufficient history) is still
    protected from a jump against its own earlier rate that day."""
    young = {**baseline_row("CC-SALES", MONDAY, "1", floor="5.00", weeks=0), "expected_daily_cost": None,
             "expected_status": "insufficient_history", "status": "insufficient_history"}  # fmt: skip
    path = write_rules(rules_template, tmp_path / "r.json", [young], profiles={"CC-SALES": CUMULATIVE},
                       intraday={"CC-SALES": (None, None, "30")})  # fmt: skip
    book = RuleBook.load(path)
    at = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # share 0.519192; window 11:00-13:59 from 0.256566
    kw = dict(mode="expected", cost_center="CC-SALES", day=MONDAY, queue_id=None,
              share_now=book.cumulative_share("CC-SALES", at),
              share_window_start=book.cumulative_share("CC-SALES", at.replace(hour=11)),
              pace_band=book.pace_band("CC-SALES", at), pace_min_share=book.pace_min_share)  # fmt: skip
    # 256.566 before the window (share 0.256566): 262.626 expected in it at that pace; bound 341.41
    calm = evaluate(policies, book.baseline("CC-SALES", MONDAY), consumption_today=Decimal("526.566"),
                    window_consumption=Decimal("270"), **kw)  # fmt: skip
    assert calm.decision == "allow" and calm.reasons[0].startswith("insufficient history")
    jump = evaluate(policies, book.baseline("CC-SALES", MONDAY), consumption_today=Decimal("606.566"),
                    window_consumption=Decimal("350"), **kw)  # fmt: skip
    assert jump.breach and jump.decision == "mitigate"
    assert "above the day's own pace 262.626000 + 30.000000%" in jump.reasons[-1]


def test_a_normal_monday_is_allowed(book, policies):
    # Monday runs at its own expected level (1000, not the flat 700 mean): allowed all day
    for hour, share in ((9, "0.1"), (12, "0.41"), (18, "0.82"), (23, "1.0")):
        when = datetime(2026, 11, 30, hour, 0, tzinfo=UTC)
        amount = str(Decimal(1000) * book.cumulative_share("CC-SALES", when) * Decimal("1.03"))
        d = _at(book, policies, "CC-SALES", when, amount)
        assert d.decision == "allow" and not d.breach, (hour, share, d.reasons)
    # the seed's rule breaches every Monday (1030 > 700 x 1.15)
    end = datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)
    assert _at(book, policies, "CC-SALES", end, "1030", mode="flat").breach


def test_a_quiet_sunday_is_allowed(book, policies):
    sunday_evening = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    d = _at(book, policies, "CC-SALES", sunday_evening, "250")
    assert d.decision == "allow" and d.baseline == Decimal("300")


def test_relative_and_material_both_needed(book, policies):
    # CC-SUPPORT expects 10 a day: +100 % at the day's end is relatively large but only 10.00 over?
    end = datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)
    assert _at(book, policies, "CC-SUPPORT", end, "14.99").breach is False  # 4.99 < floor 5.00
    assert _at(book, policies, "CC-SUPPORT", end, "15.00").breach is True
    assert _at(book, policies, "CC-SUPPORT", end, "15.00").decision == "mitigate"


def test_planned_event_scales_the_expectation_until_it_expires(book, policies):
    launch = datetime(2026, 3, 4, 23, 59, 59, tzinfo=UTC)
    d = _at(book, policies, "CC-SALES", launch, "1400")  # expected 1000 x 1.40 -> bound 1610
    assert d.decision == "allow" and d.upper_bound == Decimal("1610.000000")
    assert any("planned event 'launch' (approved by cab@example.com)" in r for r in d.reasons)
    after = _at(book, policies, "CC-SALES", datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC), "1400")
    assert after.decision == "mitigate"


def test_expired_exception_stops_applying_and_says_so(policies_path, book, tmp_path):
    p = tmp_path / "expired.yaml"
    p.write_text(policies_path.read_text().replace('expires: "2026-03-09"', 'expires: "2026-03-03"'))
    pols = PolicySet.load(p)
    d = _at(book, pols, "CC-SALES", datetime(2026, 3, 4, 23, 59, 59, tzinfo=UTC), "1400")
    assert d.decision == "mitigate"
    assert "planned event 'launch' expired on 2026-03-03: not applied" in d.reasons


def test_expired_exemption_stops_applying_and_says_so(policies_path, book, tmp_path):
    t2 = "ed311929-3aff-59bd-9167-11b93317423f"
    when = datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)

    def decide(pols: PolicySet):
        return evaluate(
            pols,
            book.baseline("CC-SUPPORT", when.date()),
            mode="expected",
            cost_center="CC-SUPPORT",
            day=when.date(),
            consumption_today=Decimal("100"),  # expected 10: a breach
            share_now=Decimal(1),
            queue_id=t2,
        )

    in_force = decide(PolicySet.load(policies_path))
    assert in_force.decision == "warn" and any("exempt from mitigation" in r for r in in_force.reasons)
    p = tmp_path / "expired.yaml"
    p.write_text(policies_path.read_text().replace('expires: "2099-01-01"', 'expires: "2026-11-30"'))
    expired = PolicySet.load(p)
    d = decide(expired)
    assert d.decision == "mitigate"
    assert f"exemption of queue {t2} expired on 2026-11-30: not applied" in d.reasons
    assert expired.exempt_queues(when.date()) == frozenset()
    assert [e["kind"] for e in expired.exceptions_in_force(when.date())] == []
    assert [(e["kind"], e["approved_by"]) for e in PolicySet.load(policies_path).exceptions_in_force(
        when.date())] == [("exemption", "cab@example.com")]  # fmt: skip


def test_flat_mode_reproduces_the_seed_arithmetic(book, policies):
    end = datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)
    at_bound = _at(book, policies, "CC-SALES", end, "805.000000", mode="flat")  # 700 x 1.15
    assert (at_bound.breach, at_bound.upper_bound, at_bound.baseline) == (
        False,
        Decimal("805.000000"),
        Decimal("700"),
    )
    assert _at(book, policies, "CC-SALES", end, "805.000001", mode="flat").decision == "mitigate"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "cost_centers: {CC-A: {mitigations: [nope]}}",
            "cost_centers.CC-A.mitigations: unknown mitigation 'nope'",
        ),
        ("cost_centers: {CC-A: {band_pct: '-5'}}", "cost_centers.CC-A.band_pct: unknown key"),
        ("defaults: {warn_at_pct: '0'}", "defaults.warn_at_pct: 0 must be in"),
        (
            "mitigations: {m: {kind: teleport, target: x, set: {a: 1}}}",
            "mitigations.m.kind: 'teleport' is not one of",
        ),
        (
            "cost_centers: {CC-A: {planned_events: [{name: x, start: '2026-01-01', end: '2026-01-02',"
            " uplift_pct: '10'}]}}",
            "planned_events[0].approved_by: every planned event needs who approved it",
        ),
        (
            "cost_centers: {CC-A: {exempt_queues: [q-1]}}",
            "cost_centers.CC-A.exempt_queues[0]: 'q-1': write {queue, approved_by, reason, expires}",
        ),
        (
            "cost_centers: {CC-A: {exempt_queues: [{queue: q-1, approved_by: cab, reason: why}]}}",
            "exempt_queues[0].expires: every exemption needs who approved it, why and an expiry",
        ),
    ],
)
def test_invalid_policies_are_named(tmp_path, yaml_text, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"policy_version: x\n{yaml_text}\n")
    with pytest.raises(PolicyError) as exc:
        PolicySet.load(bad)
    assert str(bad) in str(exc.value) and message in str(exc.value)


def test_unknown_cost_center_fails_validate_and_start(settings, tmp_path, rules_template):
    PolicySet.load(DEFAULT_POLICIES)  # the shipped file is valid
    bad = tmp_path / "unknown.yaml"
    bad.write_text("policy_version: x\ncost_centers: {CC-NOPE: {warn_at_pct: '80'}}\n")
    res = CliRunner().invoke(
        cli, ["guardrails", "validate", "--policies", str(bad), "--rules", str(rules_template)]
    )
    assert (
        res.exit_code == 1 and "cost_centers.CC-NOPE: 'CC-NOPE' is not a registered cost center" in res.output
    )
    from guardrails.service import GuardrailService

    with pytest.raises(PolicyError, match="CC-NOPE"):
        GuardrailService(replace(settings, policies_path=bad)).load()
    ok = CliRunner().invoke(
        cli,
        ["guardrails", "validate", "--policies", str(settings.policies_path), "--rules", str(rules_template)],
    )
    assert ok.exit_code == 0 and ok.output.startswith("ok: policies test-1")


def test_reload_keeps_the_last_good_policy(receiver, settings):
    settings.policies_path.write_text("policy_version: broken\ndefaults: {warn_at_pct: '500'}\n")
    time.sleep(0.8)
    assert receiver.service.policies.value.version == "test-1"
    assert "warn_at_pct" in (receiver.service.policies.last_error or "")
    assert 'ccfinops_guardrail_reload_failing{source="policies"} 1.0' in receiver.client.get("/metrics").text
    assert receiver.client.get("/healthz").json()["policy_error"]
    out = receiver.post(seed_event("kl-1", duration_ms=60_000)).json()
    assert out["policy_version"] == "test-1"


def test_receiver_answers_with_expected_so_far(receiver):
    r = receiver.post(seed_event("es-1", duration_ms=60_000)).json()  # 0.015 on CC-SALES (1.00/day)
    assert r["decision"] == "allow" and r["upper_bound"] == "1.150000" and r["baseline"] == "1.00"
    assert Decimal(r["expected_so_far"]) <= Decimal("1.00") and r["projected_day"] is not None


def test_insufficient_history_and_unattributed_over_http(receiver):
    mkt = receiver.post(seed_event("ih-1", cost_center="CC-MARKETING")).json()
    assert mkt["decision"] == "allow" and mkt["upper_bound"] is None and mkt["history_days"] == 0
    un = receiver.post(seed_event("ih-2", queue="afb9c573-890e-5ad6-bf01-61927ba30bf9")).json()
    assert un["cost_center"] == "UNATTRIBUTED" and un["decision"] == "allow"
    overflow = receiver.post(seed_event("ih-3", queue="cfbdcd4d-4311-5cf1-8345-ffd56e99c532")).json()
    assert overflow["cost_center"] == "CC-SALES"  # the overflow queue inherits from Sales
    stray = receiver.post(
        seed_event("ih-4", queue="afb9c573-890e-5ad6-bf01-61927ba30bf9", cost_center="CC-X")
    )
    body = stray.json()
    assert body["cost_center"] == "UNATTRIBUTED"  # an unregistered explicit cost center is not a new one
    assert body["reasons"][0] == "cost center 'CC-X' is not registered: attributed as the warehouse does"


def test_evaluate_cli_prints_the_decision(settings):
    res = CliRunner().invoke(
        cli,
        [
            "guardrails",
            "evaluate",
            "--cost-center",
            "CC-SALES",
            "--consumption",
            "2.50",
            "--rules",
            str(settings.rules_path),
            "--policies",
            str(settings.policies_path),
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["decision"] == "mitigate" and out["upper_bound"] == "1.150000" and out["baseline"] == "1.00"

"""The generator: deterministic per (seed, day), seasonal, spikes, and fast enough for 10 M a month."""

from __future__ import annotations

from datetime import date

import numpy as np

from simulator.config import CampaignSpike
from simulator.genesys_gen import generate_day
from simulator.org import load_org

ORG = load_org().genesys


def test_same_seed_same_day_is_identical():
    a = generate_day(ORG, 7, date(2026, 3, 2), 100_000)
    b = generate_day(ORG, 7, date(2026, 3, 2), 100_000)
    c = generate_day(ORG, 8, date(2026, 3, 2), 100_000)
    assert a.hex_ids == b.hex_ids and np.array_equal(a.end, b.end)
    assert a.hex_ids[:5] != c.hex_ids[:5]


def test_weekday_busier_than_sunday_and_days_do_not_cross_midnight():
    monday = generate_day(ORG, 7, date(2026, 3, 2), 100_000)
    sunday = generate_day(ORG, 7, date(2026, 3, 8), 100_000)
    assert monday.n > 2.5 * sunday.n
    assert monday.end.max() < 86_400_000 and monday.start.min() >= 0


def test_campaign_spike_adds_outbound_calls():
    base = generate_day(ORG, 7, date(2026, 3, 2), 100_000)
    spike = generate_day(
        ORG,
        7,
        date(2026, 3, 2),
        100_000,
        [CampaignSpike("spring-promo", date(2026, 3, 1), date(2026, 3, 5), 3.0)],
    )
    ci = [c["name"] for c in ORG.campaigns].index("spring-promo")
    assert (spike.campaign == ci).sum() >= 2.5 * (base.campaign == ci).sum()


def test_ten_million_a_month_day_is_generated():
    day = generate_day(ORG, 7, date(2026, 3, 4), 10_000_000)
    assert 300_000 < day.n < 450_000  # one weekday of a 10 M month
    assert len(set(day.hex_ids[:100_000])) == 100_000

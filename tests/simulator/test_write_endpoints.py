"""Write endpoints: bearer required, state observable by GET and by /_sim/state."""

from __future__ import annotations

import httpx

from simulator.org import load_org
from tests.simulator.conftest import cxone_client, genesys_client

ORG = load_org()


def test_genesys_writes_are_observable(sim):
    g = ORG.genesys
    anon = httpx.Client(base_url=sim.base_url)
    assert (
        anon.put(f"/api/v2/routing/skills/{g.premium_skill_id}", json={"state": "inactive"}).status_code
        == 401
    )
    c = genesys_client(sim)
    assert (
        c.put(f"/api/v2/routing/skills/{g.premium_skill_id}", json={"state": "inactive"}).json()["state"]
        == "inactive"
    )
    assert c.get(f"/api/v2/routing/skills/{g.premium_skill_id}").json()["state"] == "inactive"
    assert c.put(f"/api/v2/routing/skills/{g.premium_skill_id}", json={"state": "paused"}).status_code == 400
    q = g.queues[0].id
    c.put(
        f"/api/v2/routing/queues/{q}",
        json={"memberCount": 12, "routingRules": [{"operator": "MEETS_THRESHOLD"}]},
    )
    assert c.get(f"/api/v2/routing/queues/{q}").json()["memberCount"] == 12
    row = f"/api/v2/flows/datatables/{g.ivr_datatable_id}/rows/survey_branch"
    assert c.put(row, json={"enabled": False}).json() == {"key": "survey_branch", "enabled": False}
    pol = f"/api/v2/recording/mediaretentionpolicies/{g.wem_policy_id}"
    assert c.patch(pol, json={"enabled": False}).json()["enabled"] is False
    shifts = {
        "managementUnitId": g.management_unit_id,
        "shifts": [
            {
                "queueId": q,
                "shiftStart": "2026-03-11T08:00:00Z",
                "shiftEnd": "2026-03-11T16:00:00Z",
                "constraints": {"maxCostPerHour": "42.50", "minQualityThreshold": 80, "currency": "USD"},
            }
        ],
    }
    assert c.post("/api/v2/scheduling/groups/shifts", json=shifts).status_code == 201
    assert (
        c.post("/api/v2/scheduling/groups/shifts", json={"managementUnitId": "x", "shifts": [{}]}).status_code
        == 400
    )
    assert (
        c.get("/api/v2/scheduling/groups/shifts").json()["entities"][0]["shifts"][0]["constraints"][
            "maxCostPerHour"
        ]
        == "42.50"
    )
    assert c.get("/api/v2/routing/queues/unknown").status_code == 404
    state = sim.state()
    assert state["skills"][g.premium_skill_id]["state"] == "inactive"
    assert state["queues"][q]["memberCount"] == 12
    assert state["datatable_rows"][g.ivr_datatable_id]["survey_branch"]["enabled"] is False
    assert state["media_retention_policies"][g.wem_policy_id]["enabled"] is False
    assert len(state["shifts"]) == 1
    assert httpx.get(f"{sim.base_url}/_sim/state").json()["queues"][q]["memberCount"] == 12


def test_cxone_skill_write(sim):
    c = cxone_client(sim)
    path = "/incontactapi/services/v30.0/skills/4102"
    assert c.put(path, json={"isActive": False}).json() == {
        "skillId": 4102,
        "skillName": "Inbound Support",
        "isActive": False,
    }
    assert c.get(path).json()["isActive"] is False
    assert sim.state()["cxone_skills"]["4102"]["isActive"] is False

"""Write endpoints later issues drive (routing, IVR rows, WEM policy, shifts, CXone skills)."""

from __future__ import annotations

import uuid

from simulator.http import ApiError, Request, Response, json_response
from simulator.state import SimState


class WriteApi:
    def __init__(self, state: SimState) -> None:
        self.s = state

    def _get(self, bucket: str, key: object, label: str) -> dict:
        item = self.s.write_state[bucket].get(key)
        if item is None:
            raise ApiError(404, "not.found", f"{label} {key} was not found")
        return item  # type: ignore[no-any-return]

    def skill(self, req: Request) -> Response:
        sid = req.params["id"]
        with self.s.lock:
            item = self._get("skills", sid, "Routing skill")
            if req.method == "PUT":
                body = req.json()
                state = body.get("state", item["state"])
                if state not in ("active", "inactive"):
                    raise ApiError(400, "invalid.value", "state must be active or inactive")
                item.update({k: v for k, v in body.items() if k in ("name",)}, state=state)
            return json_response(dict(item))

    def queue(self, req: Request) -> Response:
        qid = req.params["id"]
        with self.s.lock:
            item = self._get("queues", qid, "Queue")
            if req.method == "PUT":
                body = req.json()
                if "memberCount" in body and (
                    not isinstance(body["memberCount"], int) or body["memberCount"] < 0
                ):
                    raise ApiError(400, "invalid.value", "memberCount must be a non-negative integer")
                if "routingRules" in body and not isinstance(body["routingRules"], list):
                    raise ApiError(400, "invalid.value", "routingRules must be a list")
                item.update({k: v for k, v in body.items() if k != "id"})
            return json_response(dict(item))

    def datatable_row(self, req: Request) -> Response:
        dt, row = req.params["dt"], req.params["row"]
        with self.s.lock:
            table = self._get("datatable_rows", dt, "Datatable")
            item = table.get(row)
            if item is None:
                raise ApiError(404, "not.found", f"Datatable row {row} was not found")
            if req.method == "PUT":
                body = req.json()
                if not isinstance(body.get("enabled"), bool):
                    raise ApiError(400, "invalid.value", "enabled must be true or false")
                item.update({k: v for k, v in body.items() if k != "key"})
            return json_response(dict(item))

    def retention_policy(self, req: Request) -> Response:
        pid = req.params["id"]
        with self.s.lock:
            item = self._get("media_retention_policies", pid, "Policy")
            if req.method == "PATCH":
                body = req.json()
                if "enabled" in body and not isinstance(body["enabled"], bool):
                    raise ApiError(400, "invalid.value", "enabled must be true or false")
                item.update({k: v for k, v in body.items() if k != "id"})
            return json_response(dict(item))

    def shifts(self, req: Request) -> Response:
        with self.s.lock:
            if req.method == "GET":
                return json_response({"entities": list(self.s.write_state["shifts"])})
            body = req.json()
            if not isinstance(body.get("managementUnitId"), str):
                raise ApiError(400, "invalid.value", "managementUnitId is required")
            shifts = body.get("shifts")
            if not isinstance(shifts, list) or not shifts:
                raise ApiError(400, "invalid.value", "shifts must be a non-empty list")
            for i, sh in enumerate(shifts):
                for f in ("queueId", "shiftStart", "shiftEnd", "constraints"):
                    if f not in sh:
                        raise ApiError(400, "invalid.value", f"shifts[{i}].{f} is required")
                if not isinstance(sh["constraints"], dict):
                    raise ApiError(400, "invalid.value", f"shifts[{i}].constraints must be an object")
            entity = {"id": str(uuid.uuid4())} | body
            self.s.write_state["shifts"].append(entity)
            return json_response(entity, 201)

    def cxone_skill(self, req: Request) -> Response:
        try:
            sid = int(req.params["id"])
        except ValueError as exc:
            raise ApiError(400, "invalid.value", "skillId must be an integer") from exc
        with self.s.lock:
            item = self._get("cxone_skills", sid, "Skill")
            if req.method == "PUT":
                body = req.json()
                if "isActive" in body and not isinstance(body["isActive"], bool):
                    raise ApiError(400, "invalid.value", "isActive must be true or false")
                item.update({k: v for k, v in body.items() if k in ("isActive", "skillName")})
            return json_response(dict(item))

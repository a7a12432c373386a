"""Guardrail service: webhook receiver, policy engine, mitigations, cost mapping."""

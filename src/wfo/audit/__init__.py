"""Audit events: who changed what through wfo, when, from which address, and with what outcome."""

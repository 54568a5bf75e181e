"""Prefect flows: the clock watch, the incident procedure and the month close."""

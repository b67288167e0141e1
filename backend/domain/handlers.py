"""Importing this module registers every job handler with the worker."""

from backend.domain import mail, pipeline, reminders

__all__ = ["mail", "pipeline", "reminders"]

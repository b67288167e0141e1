"""Importing this module registers every job handler with the worker."""

from backend.domain import key_requests, mail

__all__ = ["key_requests", "mail"]

"""The TinyDB store: hot state, append-only history, one process per folder."""

from mailbot.adapters.store.store import Store

__all__ = ["Store"]

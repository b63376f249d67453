"""Issue 13 §4 and §7 through the whole service: what Exchange and Microsoft 365 do
that a plain mail server does not (a person's soft delete that keeps the message's
id, throttling that lasts minutes, a request budget per mailbox), and that the bot
still handles every message once, moves none twice and loses none."""

from __future__ import annotations

from typing import Any

from tests.backends.conftest import Backend
from tests.backends.test_behaviour import ids, new_form


def test_a_message_a_person_soft_deleted_before_it_was_filed_stays_deleted(
        graph_backend: Backend) -> None:
    """Issue 13 §4: a person Shift+Deletes a form (to Recoverable Items/Deletions)
    after the bot has read and recorded it but before it is filed. Its immutable id
    still resolves on Graph, so a move by id would pull it back into Processed; the
    bot leaves it where the person put it, and the form still counts as handled."""
    service = graph_backend.service()
    forms = [new_form(graph_backend, n) for n in (1, 2, 3)]
    for raw in forms:
        graph_backend.deliver(raw)
    store = graph_backend.server.store
    deleted = forms[1]

    def person_deletes(now: Any, decision: Any, incoming: Any) -> None:
        if incoming is not None and incoming.message_id.strip("<>") == ids([deleted])[0]:
            uid = next(i.id for i in store.folder("inbox").items.values() if i.mime == deleted)
            store.soft_delete(uid)

    service.observers.append(person_deletes)
    assert service.once() == 3
    assert sorted(ids(graph_backend.list_folder("processed"))) == sorted(ids([forms[0], forms[2]]))
    assert store.messages("recoverableitemsdeletions") == [deleted], \
        "the bot pulled a message a person had deleted back into Processed"
    assert graph_backend.list_folder("inbox") == []
    assert len(service.store.load().alerts) == 3

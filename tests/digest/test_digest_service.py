"""The weekly digest (T-WEEKLY) as the service sends it, on the real store, templates
and file sender: the chart rides inline as a named PNG the HTML finds by its
Content-ID, and a step whose chasing stopped (T-QA), recorded in the alert's event
log, is a line under Needs attention."""

from __future__ import annotations

import email
import io
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from mailbot.core.values.alert import Event
from mailbot.core.values.state import Decision

from ..workflow.conftest import MONDAY, Bot

DIGEST_HOUR = MONDAY.replace(hour=8) + timedelta(days=7)     # Mon 23 Nov 2026 08:00 GMT


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    b = Bot(tmp_path / "state", MONDAY)
    yield b
    b.close()


def digests(state: Path) -> list[EmailMessage]:
    found = []
    for path in sorted((state / "outbox").glob("*/digest.*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(msg, EmailMessage)
        found.append(msg)
    return found


def test_the_chart_is_an_inline_png_file_named_and_found_by_its_content_id(
        bot: Bot, tmp_path: Path) -> None:
    from PIL import Image

    bot.send_form("C8")
    bot.at(DIGEST_HOUR + timedelta(minutes=1))
    msg = digests(tmp_path / "state")[-1]
    (image,) = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert image.get_content_disposition() == "inline"
    assert image.get_filename() == "weekly-trend.png"
    assert image["Content-ID"] == "<weekly-trend.png>"
    html = msg.get_body(("html",))
    assert html is not None and 'src="cid:weekly-trend.png"' in html.get_content()
    related = [p for p in msg.walk() if p.get_content_type() == "multipart/related"]
    assert related, "the image and the HTML that shows it are one multipart/related"
    data = image.get_payload(decode=True)
    assert isinstance(data, bytes)
    assert Image.open(io.BytesIO(data)).size == (700, 500)


def test_a_step_whose_chasing_stopped_this_week_is_a_line_in_the_digest(
        bot: Bot, tmp_path: Path) -> None:
    """The event the chasers record when they give up (`chasing stopped`, with the step
    and its owner), written through the store's event log as the service commits it."""
    ref = bot.send_form("C8") or ""
    store = bot.service.store
    bot.at(MONDAY + timedelta(days=3))
    state = store.load()
    alert = state.alerts[ref]
    seq = alert.event_seq + 1
    stopped = Event(ref=ref, seq=seq, at=MONDAY + timedelta(days=3), rule="T-QA",
                    what="chasing stopped", detail={"stage": "sm_qa", "owner": "sue.manager"})
    alerts = {**state.alerts, ref: alert.model_copy(update={"event_seq": seq})}
    store.commit(Decision(state=state.model_copy(update={"alerts": alerts}), events=(stopped,)))
    assert any(e.what == "chasing stopped" for e in store.events(ref))

    bot.at(DIGEST_HOUR + timedelta(minutes=1))
    body = digests(tmp_path / "state")[-1].get_body(("plain",))
    assert body is not None
    text = body.get_content()
    head = text.split("THE WEEK'S FIGURES")[0]
    assert "Chasing stopped this week, after every reminder went unanswered: 1" in head
    assert (f"  {ref} (child J.E.): Service Manager quality assurance, asked of Sue Manager; "
            "stopped Thu 19 Nov 2026 09:00 GMT, still unanswered") in head
    assert "T-QA" not in text and "sm_qa" not in text

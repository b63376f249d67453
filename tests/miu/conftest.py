"""The MIU inbox through the service: the real store, register, templates, Maildir
and file sender, on a simulated clock (issue 6: R-MIU, R-OLA, R-CASCADE)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mailbot.adapters.store.register import RegisterStore
from mailbot.core.values.mail import Outgoing
from mailbot.core.values.state import Decision
from mailbot.service.miu import MiuDesk
from tests.workflow.conftest import MONDAY, Bot

DATA = Path(__file__).parent / "data"
SAMPLE_ALERT = DATA / "08-ola-national-alert.eml"     # ../shared/samples/08, kept here
SAMPLE_FOUND = DATA / "09-ola-found.eml"              # ../shared/samples/09
MIU = "miu@kent.test"


class MiuBot(Bot):
    """The bot, plus the words these tests need for the MIU inbox."""

    @property
    def desk(self) -> MiuDesk:
        desk = self.service.miu
        assert isinstance(desk, MiuDesk), "bootstrap wires the MIU desk"
        return desk

    @property
    def register(self) -> RegisterStore:
        register = self.desk.register
        assert isinstance(register, RegisterStore), "on the real store the register is on disk"
        return register

    def notify(self, raw: bytes, mailbox: str = "miu") -> Decision:
        """Deliver one message to an inbox; the decision the service took on it."""
        before = len(self.record.decisions)
        self.deliver(raw, mailbox)
        handled = [d for _, d, inc in self.record.decisions[before:] if inc is not None]
        assert len(handled) == 1, "one message, one decision"
        return handled[0]

    def questions(self) -> list[Outgoing]:
        """The register's questions to the MIU sent so far, chasers included."""
        return [o for o in self.record.to(MIU, "register_task")]

    def reply(self, text: str, *, sender: str = MIU, to: Outgoing | None = None,
              mailbox: str = "unit") -> Decision:
        """The MIU answers the latest question (Outlook style, quoting it)."""
        question = to or self.questions()[-1]
        before = len(self.record.decisions)
        bot = self.config.organisation.bot_address
        local_part, domain = bot.split("@")
        raw = self.email(sender, f"RE: {question.subject}",
                         f"{text}\r\n\r\nFrom: {self.config.organisation.bot_name} <{bot}>\r\n"
                         f"Sent: Monday\r\nTo: {MIU}\r\nSubject: {question.subject}\r\n\r\n"
                         "Reply to this email with one of these on the first line\r\n",
                         to=f"{local_part}+{question.reply_token}@{domain}",
                         headers={"In-Reply-To": f"<{question.message_id}>"})
        self.deliver(raw, mailbox)
        return next(d for _, d, inc in self.record.decisions[before:] if inc is not None)

    def sent_mail(self) -> list[bytes]:
        sent: list[bytes] = self.service.sender.sent()  # type: ignore[attr-defined]
        return sent

    def digests(self) -> list[dict[str, Any]]:
        return [o.context for _, o in self.record.sent if o.purpose == "weekly_digest"]


def miu_bot(folder: Path, start: datetime = MONDAY, config: Any = None) -> MiuBot:
    return MiuBot(folder / "state", start, config=config)


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[MiuBot]:
    b = miu_bot(tmp_path)
    yield b
    b.close()

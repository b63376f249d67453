"""The hostile messages whose headers a real server adds or passes on (Return-Path,
Sender, Reply-To, display names, address tricks, Authentication-Results), through
Postfix and Dovecot over SMTP and IMAP: the same cases, the same checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.cases import CASES, Case
from tests.security.conftest import Tally
from tests.security.world import judge_case
from tests.support.mailstack import PASSWORD, MailStack

pytestmark = pytest.mark.mailstack
ON_THE_STACK = [c for c in CASES if c.stack]


@pytest.mark.parametrize("case", ON_THE_STACK, ids=[c.name for c in ON_THE_STACK])
def test_hostile_message_over_imap(case: Case, mailstack: MailStack, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch, tally: Tally) -> None:
    from tests.mailstack.bot import PASSWORD_ENV
    from tests.security.stack import StackWorld

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    world = StackWorld(mailstack, tmp_path, edit=case.edit)
    try:
        with tally.trying(case, "IMAP (Dovecot + Postfix)", case.stack_outcome):
            judge_case(world, case.stack_outcome, case.build(world), may_record=case.may_record)
    finally:
        world.close()

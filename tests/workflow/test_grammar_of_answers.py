"""Issue 11, point 2: every answer to a bad form says what to do next, in whole sentences,
and receipts and requests read right for every combination of fields still to come.

Forms go in through the service; what comes out is rendered by the real templates
and read as a team manager would: no "1 fields", no doubled spaces, every sentence
and list item ends with a full stop, no empty list items, and none of the bot's
insides (requirement ids, role keys, field keys, `key=value`) in the body (R-ALL,
R-ABSENT, R-OFSTED, R-DEATH, T-NAT-3W)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailbot.core.values.form import Form
from mailbot.core.values.mail import Outgoing
from tests.workflow.conftest import MONDAY, Bot

LATER = {
    "C1": ("Ofsted notification required", "Form A sent to the Board"),
    "C7": ("National alert requested", "Agencies contacted / reasonable attempts",
           "Family known to be in a particular locality", "Exceptional circumstances"),
}
SENDERS = {"C1": "Pat Head <pat.head@kent.test>", "C7": "Dee Lead <dee.lead@kent.test>",
           "C3": "Kim Lead <kim.lead@kent.test>", "C8": "Tara Manager <tara.manager@kent.test>",
           "C6": "Morgan Lead <morgan.lead@kent.test>"}
FIELD_KEYS = [k for k in Form.model_fields if "_" in k]
_ids = itertools.count(1000001)


def _subsets(items: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    for n in range(len(items) + 1):
        yield from itertools.combinations(items, n)


def _body(text: str) -> str:
    """What the template says about this message: above the footer's rule."""
    return text.split("\n----------", 1)[0]


def grammar_problems(text: str, bot: Bot) -> list[str]:
    body = _body(text)
    found: list[str] = []
    internal = dict.fromkeys([rf"\b{re.escape(k)}\b" for k in FIELD_KEYS]
                + [rf"\b{re.escape(r)}\b" for r in bot.config.roles if "_" in r]
                + [rf"\b{re.escape(s.id)}\b" for route in bot.config.routes.values()
                   for s in route.stages if "_" in s.id]
                + [r"\b[RT]-[A-Z0-9]{2,}", r"\b\w+=\w+"])
    for pattern in internal:
        if m := re.search(pattern, body):
            found.append(f"internal word {m.group()!r}")
    if m := re.search(r"(?<![\d/.:-])\b1 [a-z]+s\b|\(s\)", body):
        found.append(f"bad count {m.group()!r}")
    # the alert's own fields, as a table of label and value, are data, not sentences
    body = body.split("\nTHE ALERT\n", 1)[0]
    for line in body.splitlines():
        if "  " in line.strip():
            found.append(f"doubled space in {line.strip()!r}")
        item = line.strip()
        if item.startswith("- ") or item == "-":
            if not item[2:].strip():
                found.append("empty list item")
            elif not item.endswith("."):
                found.append(f"list item without a full stop: {item!r}")
    for para in re.split(r"\n\s*\n", body):
        lines = [x for x in para.splitlines() if x.strip()]
        prose = [x for x in lines if not x.startswith("  ") and not x.isupper()]
        if prose and not prose[-1].rstrip().endswith((".", ":")):
            found.append(f"sentence without a full stop: {prose[-1]!r}")
    return found


def html_problems(html: str) -> list[str]:
    return ["empty list item in HTML"] if re.search(r"<li[^>]*>\s*</li>", html) else []


def _check(bot: Bot, out: Outgoing, case: str) -> list[str]:
    text, html = bot.service.renderer.bodies(out)
    return [f"{case}, {out.purpose}: {p}" for p in grammar_problems(text, bot) + html_problems(html)]


def _send(bot: Bot, category: str, **changes: str | None) -> tuple[str | None, list[Outgoing]]:
    before = len(bot.record.sent)
    ref = bot.send_form(category, sender=SENDERS[category], **{"Liberi ID": str(next(_ids)),
                                                               **changes})
    return ref, [o for _, o in bot.record.sent[before:]]


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    b = Bot(Path(tmp_path_factory.mktemp("grammar")) / "state", MONDAY)
    yield b
    b.close()


def test_receipts_and_requests_read_right_for_every_combination_still_to_come(many: Bot) -> None:
    """One, two or several fields still to come, for one or several steps: counted in
    words, listed with "and", every sentence whole; and a complete form says none."""
    cases = [(c, missing) for c, labels in LATER.items() for missing in _subsets(labels)]
    cases += [("C3", ()), ("C8", ()), ("C6", ())]
    problems: list[str] = []
    for category, missing in cases:
        ref, sent = _send(many, category, **dict.fromkeys(missing))
        case = f"{category} without {missing or 'nothing'}"
        assert ref is not None, f"{case} was refused"
        receipt = next(o for o in sent if o.purpose == "submitter_receipt")
        request = next(o for o in sent if o.purpose == "approval_request")
        assert len(receipt.context["still_to_come"]) == len(missing), case
        if missing:
            assert re.search(rf"\b{['one', 'two', 'three', 'four'][len(missing) - 1]} answers?\b",
                             receipt.subject), receipt.subject
            assert request.context["still_to_come"], case
        else:
            assert "still to come" not in receipt.subject and not request.context["still_to_come"]
        problems += _check(many, receipt, case) + _check(many, request, case)
    assert problems == []


BAD = {
    "one routing field": ("C3", {"District": None}),
    "two routing fields": ("C3", {"District": None, "Date and time of incident": None}),
    "many, with bad values": ("C1", {"District": "Atlantis", "Social worker": "Sam",
                                     "Date of birth": "31/02/2015", "Liberi ID": "12AB",
                                     "Legal status": "Foster", "Category": "Lost property"}),
    "a yes/no that is neither": ("C8", {"Reported to police": "maybe",
                                        "Out of Hours informed": None}),
    "whereabouts known": ("C8", {"Whereabouts known": "Yes"}),
    "whereabouts known, and no district": ("C6", {"Whereabouts known": "Yes", "District": None,
                                                   "Reported to police": None}),
    "a family in a known locality": ("C7", {"Family known to be in a particular locality": "Yes"}),
}


@pytest.mark.parametrize("case", list(BAD))
def test_every_answer_to_a_bad_form_says_what_to_do_in_whole_sentences(many: Bot,
                                                                       case: str) -> None:
    category, changes = BAD[case]
    ref, sent = _send(many, category, **changes)
    assert ref is None
    (answer,) = [o for o in sent if o.purpose == "form_problems"]
    assert _check(many, answer, case) == []
    for problem in answer.context["problems"]:
        label, _, what = problem.partition(": ")
        assert label and what, problem
        # what the field takes: an instruction, in the form's words
        assert re.search(r"\b(Answer|Write|Tick|Send|answer No)\b", what), problem
    text, _ = many.service.renderer.bodies(answer)
    count = len(answer.context["problems"])
    if count == 1:
        assert "put this right" in text
    elif count > 1:
        assert "put these right" in text


def test_a_child_whose_whereabouts_are_known_is_told_what_to_do_instead(many: Bot) -> None:
    """R-ABSENT: not a list of missing-child fields to fill in, but the procedure's
    answer: an unauthorised absence, kept under review; another category if senior
    managers must act; a missing-child alert if the whereabouts become unknown."""
    ref, sent = _send(many, "C8", **{"Whereabouts known": "Yes", "Reported to police": None,
                                     "Circumstances of going missing": None})
    assert ref is None
    (answer,) = [o for o in sent if o.purpose == "form_problems"]
    assert answer.context["problems"] == [], "no missing-child fields are asked for"
    (advice,) = answer.context["advice"]
    text, html = many.service.renderer.bodies(answer)
    assert advice in text and "this is not a missing-child alert" in html
    for words in ("unauthorised absence", "kept under review", "another category",
                  "C9 Other case of concern", "Whereabouts known: No."):
        assert words in advice, words
    for label in ("Reported to police", "Circumstances of going missing", "Out of Hours"):
        assert label not in _body(text), label

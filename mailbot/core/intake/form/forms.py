"""Finding the form in a message: a Word attachment, else the HTML body, else the text.

A source "yields a form" when it has the shape of one: a new alert has at least
three known labels including the category or the child's name; an update or
de-alert says so (or names a reference) and changes at least one field. Quoted
mail is not read as a form where it is the bot's own words (a reply quoting the
alert it was sent) or, for a message answering the bot, at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from mailbot.core.config import Config
from mailbot.core.intake.form import vocab
from mailbot.core.intake.form.blocks import Block, Para, read_blocks
from mailbot.core.intake.form.fields import BY_ID, RawField
from mailbot.core.intake.form.ticks import ticked_options
from mailbot.core.intake.form.typed import build_form
from mailbot.core.intake.form.validate import validate_form
from mailbot.core.intake.mail.reply_text import quote_is_from, quote_start
from mailbot.core.values.form import Form, FormReading, Problem
from mailbot.core.values.mail import MessageKind

Source = Literal["docx", "html", "text"]
Shape = vocab.AlertType
_KINDS: dict[Shape, MessageKind] = {"new": MessageKind.NEW_FORM, "update": MessageKind.UPDATE,
                                    "dealert": MessageKind.DEALERT}


@dataclass(frozen=True)
class Found:
    reading: FormReading
    kind: MessageKind


def shape(raws: list[RawField], has_ref: bool) -> Shape | None:
    given = {r.field for r in raws if r.value.strip()}
    said = next((_alert_type(r.value) for r in raws if r.field == "alert_type" and r.value.strip()),
                None)
    changes = given - {"alert_type", "reference"}
    if said in ("update", "dealert"):
        return said if changes or has_ref or "reference" in given else None
    if len(given) >= 3 and given & {"category", "child_name"}:
        return "update" if said is None and "reference" in given else "new"
    # an update without "Alert type": a reference, and changes that are more than one
    # line of free text (so "Team: I'm on leave" under a reference is not an update)
    if (has_ref or "reference" in given) and (
            len(changes) >= 2 or any(BY_ID[f].kind != "text" for f in changes)):
        return "update"
    return None


def _alert_type(value: str) -> Shape | None:
    ticked = ticked_options(value)
    if ticked is not None:
        return vocab.alert_type(ticked[0]) if len(ticked) == 1 else None
    return vocab.alert_type(value)


def cut_quoted(blocks: list[Block], cut_here: Callable[[list[str], int], bool]) -> list[Block]:
    """The blocks before the first quote header that `cut_here` says to cut at."""
    kept: list[Block] = []
    for block in blocks:
        if isinstance(block, Para):
            lines = list(block.lines)
            start = quote_start(lines)
            while start is not None and not cut_here(lines, start):
                start = quote_start(lines, start + 1)
            if start is not None:
                kept.append(Para(tuple(lines[:start])))
                return kept
        kept.append(block)
    return kept


def quote_cutter(config: Config, answering_bot: bool) -> Callable[[list[str], int], bool]:
    bot = config.organisation

    def cut_here(lines: list[str], i: int) -> bool:
        return answering_bot or quote_is_from(lines, i, bot.bot_address, bot.bot_name)
    return cut_here


def find_form(candidates: Iterator[tuple[Source, list[Block]]], config: Config,
              refs: tuple[str, ...]) -> Found | None:
    """The first source, in order, that yields a form, read and validated."""
    for source, blocks in candidates:
        raws = read_blocks(blocks)
        found = shape(raws, bool(refs))
        if found is None:
            continue
        kind = _KINDS[found]
        form, problems = build_form(raws, config)
        form = form.model_copy(update={"alert_type": found})
        if found != "new" and form.reference is None and len(set(refs)) == 1:
            form = form.model_copy(update={"reference": refs[0]})
        return Found(FormReading(form=form, problems=_merge(problems, form, config, kind),
                                 source=source), kind)
    return None


def _merge(typed: list[Problem], form: Form, config: Config,
           kind: MessageKind) -> tuple[Problem, ...]:
    """Typing problems, then validation's for fields typing had nothing to say about."""
    return validate_form(form, config, kind, typed)

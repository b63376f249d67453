"""What each field of the form accepts, said as the next thing to do (issue 11).

Every answer to a bad form, and every request for a field still to come, tells the
person what to write: "Ofsted notification required: answer Yes or No." The words
are the form's own (alert-form.md), never a field key. `in_words` and `counted`
keep the lists and numbers in those sentences grammatical.
"""

from __future__ import annotations

from mailbot.core.config import Config
from mailbot.core.intake.form import vocab
from mailbot.core.intake.form.fields import BY_ID

_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

# what a person writes in a free-text field, where "write it in" would say nothing
_TEXT = {
    "child_name": "Write the child's full name.",
    "team": "Write the name of the team.",
    "placement": "Write where the child lives or is placed.",
    "summary": "Write a short summary of the concern.",
    "circumstances": "Write how the child came to go missing.",
    "police_ref": "Write the reference the police gave.",
    "actions_taken": "Write what has been done to find the child.",
    "attempts_to_locate": "Write which agencies were contacted and what was done to find "
                          "the family.",
}


def in_words(items: list[str] | tuple[str, ...], last: str = "and", sep: str = ", ") -> str:
    """"A", "A and B", "A, B and C" (or "or"); with `sep="; "` for items that hold
    commas themselves: "A; B; or C"."""
    items = [i for i in items if i]
    if len(items) < 2:
        return items[0] if items else ""
    if sep != ", ":
        return f"{sep.join(items[:-1])}{sep}{last} {items[-1]}"
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def counted(n: int, noun: str, plural: str = "") -> str:
    """"one answer", "two answers", "12 answers": never "1 answers"."""
    word = _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)
    return f"{word} {noun if n == 1 else (plural or noun + 's')}"


def label(field: str) -> str:
    """The field's label as the form prints it."""
    return BY_ID[field].label


def accepts(field: str, config: Config) -> str:
    """One or two sentences: what the field takes, for example "Answer Yes or No."."""
    spec = BY_ID[field]
    example = f"sam.worker@{config.organisation.domains[0]}"
    prefix = config.organisation.reference_prefix
    if field == "category":
        listed = in_words([f"{k} {c.name}" for k, c in config.categories.items()], "or", "; ")
        return f"Write one of the categories, by its number or its words: {listed}."
    if field == "district":
        return f"Write one of the districts: {in_words(config.all_districts(), 'or')}."
    if field == "case_id":
        return ("Write the child's Liberi ID, in digits only. An unborn baby needs none: "
                "give the expected due date under the label \"Expected due date\".")
    if field == "legal_status":
        return f"Answer {in_words(list(vocab.LEGAL_STATUSES), 'or')}."
    if field == "exceptional":
        return f"Answer {in_words(list(vocab.EXCEPTIONAL), 'or')}."
    kinds = {
        "bool": "Answer Yes or No.",
        "date": "Write the date as day/month/year, for example 23/11/2026.",
        "datetime": "Write the date and time, for example 23/11/2026 14:30.",
        "contact": f"Write the name and the council email address, for example "
                   f"Sam Worker <{example}>.",
        "digits": "Write it in digits only.",
        "alert_type": "Answer New alert, Updated alert or De-alert.",
        "reference": f"Write the reference the alerts inbox gave, for example {prefix}-2026-0042.",
    }
    return kinds.get(spec.kind) or _TEXT.get(field, "Write it in.")


def missing(field: str, config: Config) -> str:
    """A problem's message for a field left empty: "this is missing. Answer Yes or No."."""
    return f"this is missing. {accepts(field, config)}"


def sentence(text: str) -> str:
    """`text` ending with a full stop (messages from the date reader end without one)."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else f"{text}."

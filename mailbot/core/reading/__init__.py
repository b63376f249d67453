"""Reading mail (pure): raw message bytes to an `Incoming` (issue 2, section 3)."""

from mailbot.core.reading.read import read_message
from mailbot.core.reading.validate import validate_form

__all__ = ["read_message", "validate_form"]

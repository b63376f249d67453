"""mailbot: the bot behind a children's services alerts inbox."""

__version__ = "0.1.0"

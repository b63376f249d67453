"""Intake: reading a message (mail/), finding and checking the alert form in it (form/).

Pure: raw bytes and the config in, an `Incoming` out; `mail.read.read_message` never raises."""

"""Reading mail: MIME, the kind of message (form, reply, auto-reply, bounce, ...), a reply's own words."""

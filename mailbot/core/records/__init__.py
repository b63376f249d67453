"""The bot's records as a council answers for them: one alert's full record, what
mentions a child (subject access), and who looked (the access log)."""

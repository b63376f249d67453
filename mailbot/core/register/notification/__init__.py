"""Reading another council's national missing-child notification (R-OLA).

There is no national format: plain text, HTML tables, Word or PDF attachments,
"National Alert", "Missing Child Notification", "CP Alert". So this reads text
only (HTML and attachments have already been turned into text) and records
what it can read with confidence. Anything it cannot (a date that needs a guess,
no date of birth, an authority known only from the mail domain) is named in
`uncertain` so the unit is asked, never guessed at. Dates are read by
`mailbot.core.dates`, the same reader as the form's.

    reading.py   OlaReading, OlaChild: what a notification was read as
    labels.py    "Child's name:", "D.O.B." and the like, with their values
    children.py  the child or children, and their dates of birth as written
    kind.py      a new alert, a re-issue or follow-up, or a "found" notice
    council.py   the issuing authority, and who there to contact
    read.py      read_notification: all of the above, and a summary for the unit
"""

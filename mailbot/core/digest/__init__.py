"""T-WEEKLY: the weekly digest's figures (the week itself is `mailbot.core.clocks.calendar`).

    values.py    Digest and what it holds: a week's figures, flagged alerts, waits, tasks
    facts.py     what the figures need of one alert, worked out once
    week.py      one week's figures: raised, updated, de-alerted, open, missing, interviews
    lists.py     the lists: repeat missing, outstanding interviews, national, waiting longest
    compute.py   compute_digest: the digest for the week before `now`
"""

"""T-WEEKLY: the weekly digest's figures (the week itself is `mailbot.core.clocks.calendar`).

    values.py    Digest and what it holds: a week's figures, flagged alerts, waits, tasks
    facts.py     what the figures need of one alert, worked out once
    week.py      one week's figures: raised, updated, de-alerted, open, missing, interviews
    lists.py     the lists: repeat missing, outstanding interviews, national, waiting longest
    attention.py what comes first: steps past their deadline, chasing stopped, answers on time
    steps.py     a waiting step and its owner in the procedure's words
    compute.py   compute_digest: the digest for the week before `now`
    review.py    section 6: each area's open alerts, weekly, for its Service Manager
"""

"""Time: the statutory and procedural clocks, reminders and escalation, working hours, the week."""




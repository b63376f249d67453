"""Who may act on an alert: the directory, and the checks on whoever answers."""




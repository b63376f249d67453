"""An alert's life by form: raised (R-ALL), updated or de-alerted (R-UPD), a child found."""




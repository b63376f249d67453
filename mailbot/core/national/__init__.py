"""R-NAT, Appendix 3: the national missing-child alert: the three-week gate, sign-off,
cascade, six-monthly re-issue, twelve-month lapse, and "found"."""




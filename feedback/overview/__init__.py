"""The manager overview under /leder: the latest results of the units a manager leads (the
quality group: the top-level units) beside everyone's and the round before, open and overdue
action points, and deviation numbers. Every number comes from the same suppressed results as
the results pages."""

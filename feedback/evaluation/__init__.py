"""The quality group's evaluation of a round and its action plan, with managers' answers and
the status of each point (pages under /resultater/<round>/vurdering and /tiltak). The public
page that shows what was published is ``feedback.published``."""

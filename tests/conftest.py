"""pytest's summary says why tests were skipped: one line per reason, with how many.

`-q` shows only "N skipped"; a user's clone (no MicroPython source kit beside it) would not
learn that, or why, the ESP8266-profile tests did not run.
"""


def pytest_terminal_summary(terminalreporter):
    reasons = {}
    for rep in terminalreporter.stats.get("skipped", []):
        longrepr = rep.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason[len("Skipped: "):] if reason.startswith("Skipped: ") else reason
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, n in sorted(reasons.items()):
        terminalreporter.write_line("skipped %d: %s" % (n, reason))

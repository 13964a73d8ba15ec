"""One-line errors for the host tools' CLIs: a mistake a user can make (a port in use,
nothing listening, no terminal, a missing file) ends in one line saying what to do, never
in a traceback. Bugs still show theirs.
"""

import errno
import sys


def in_use(host, port, what, hint):
    """The message for EADDRINUSE on host:port."""
    return "%s:%s is already in use: is %s already running? Stop it (Ctrl-C in its terminal) " \
           "or %s" % (host, port, what, hint)


def is_in_use(e):
    return isinstance(e, OSError) and e.errno == errno.EADDRINUSE


def fail(message, code=1):
    """Print `error: message` on stderr and exit with `code`."""
    print("error: %s" % message, file=sys.stderr)
    raise SystemExit(code)

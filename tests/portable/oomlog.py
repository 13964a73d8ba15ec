# A log on a heap too full for a handler's line: a handler that keeps a task alive (retry
# later, log and go on) logs what failed, and when the failure was the heap's the formatted
# line may not fit either. Its MemoryError escaped the handler and ended the task, which the
# app takes for a crash (a board whose heap filled for two seconds restarted in its SNTP
# task). Each such handler says a short constant line instead, and its task goes on.
# Its own module: support.py is imported by every test, on a board-sized heap.


class OomLog:
    """A log on a heap too full for a handler's line with details (the one that holds
    `details`): that line raises MemoryError, as its formatting would; every other line goes
    through and is kept in .lines."""

    def __init__(self, details):
        self.details = details
        self.lines = []

    def __call__(self, line):
        if self.details in line:
            raise MemoryError("memory allocation failed, allocating 244 bytes")
        self.lines.append(line)

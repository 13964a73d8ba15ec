# What one callback answer means for the notifier (docs/yango.md §2.1, §6.5-§6.6).
OK = 0  # 2xx: delivered
RETRY = 1  # 5xx, 408, 429: retry with backoff from the latest state
DROP = 2  # 400 and other 4xx: log, drop the batch, never retry
STOP = 3  # 401, 403: credentials or skill id wrong; stop sending
UNKNOWN_USER = 4  # 400 UNKNOWN_USER: transient once, an error when repeated


def classify(status, body):
    """(verdict, request_id, text) for an HTTP status and its body (bytes or str);
    text reads 'HTTP 400 request_id=... error_code=... error_message=...'."""
    rid = code = msg = None
    if isinstance(body, bytes):
        try:
            body = body.decode()
        except UnicodeError:
            body = "(not UTF-8)"
    if body[:1] == "{":
        try:  # only for the log line
            if "\\u" in body:  # lenient: an emoji escaped as a pair reads as itself
                import json_input

                j = json_input.loads(body, lenient=True)
            else:  # the usual answer: the built-in parser, so no parser code stays in RAM
                import json

                j = json.loads(body)
            rid, code, msg = j.get("request_id"), j.get("error_code"), j.get("error_message")
        except (ValueError, AttributeError):
            pass
    text = "HTTP %d request_id=%s" % (status, rid)
    if code or msg:
        text += " error_code=%s error_message=%r" % (code, msg)
    elif body and not 200 <= status < 300:
        text += " %r" % body[:60]
    if 200 <= status < 300:
        v = OK
    elif status == 400 and code == "UNKNOWN_USER":
        v = UNKNOWN_USER
    elif status in (401, 403):
        v = STOP
    elif status >= 500 or status in (408, 429):
        v = RETRY
    else:
        v = DROP
    return v, rid, text

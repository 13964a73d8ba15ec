# The one HTML frame of the board's pages (setup access point, local page): small, no script,
# readable on a phone.
from net.http_server import escape

_CSS = ("body{font-family:sans-serif;max-width:40em;margin:1em auto;padding:0 1em}"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;"
        "padding:.3em;text-align:left}form{display:inline}input[type=number]{width:5em}"
        "label{display:block;margin:.5em 0}input{font-size:1em;max-width:100%}"
        ".bad{color:#b00}")


PAGE_TAIL = "</body></html>"


def page_head(title):
    """The page up to the <h1> title (escaped here), as a list of str chunks to append the
    body to; end the list with PAGE_TAIL."""
    t = escape(title)
    return ["<!DOCTYPE html><html><head><meta charset=utf-8><meta name=viewport "
            "content='width=device-width'><title>%s</title><style>" % t, _CSS,
            "</style></head><body><h1>%s</h1>" % t]


def page(title, body):
    """A whole page as str chunks: page_head(title) + body (HTML, escaped by the caller)."""
    out = page_head(title)
    out.append(body)
    out.append(PAGE_TAIL)
    return out

# The one URL parser of the board: ws://, wss://, http:// and https:// (RFC 3986 authority
# without userinfo), for the WebSocket handshake, the HTTP client and the config checks.


def parse_url(url, scheme="http"):
    """(tls: bool, host, port, path) of a scheme:// or scheme + "s://" URL.

    scheme: "http" (http/https, default ports 80/443) or "ws" (ws/wss, same ports). A host
    in brackets is IPv6 ("ws://[::1]:9000/"). The path keeps its query; "/" when empty.
    ValueError: another scheme, whitespace, userinfo, no host, a port outside 1-65535.
    """
    if not isinstance(url, str) or " " in url or "\r" in url or "\n" in url:
        raise ValueError("unusable URL: %r" % (url,))
    n = len(scheme)
    # by index into url: no copy of the rest of it (an 80-byte slice per Yango POST)
    if url.startswith(scheme + "://"):
        tls, i, port = False, n + 3, 80
    elif url.startswith(scheme + "s://"):
        tls, i, port = True, n + 4, 443
    else:
        raise ValueError("URL must start with %s:// or %ss://: %r" % (scheme, scheme, url))
    j = url.find("/", i)
    hostport, path = (url[i:], "/") if j < 0 else (url[i:j], url[j:])
    p = sep = ""
    if hostport[:1] == "[":  # IPv6 literal
        i = hostport.find("]")
        host, tail = (hostport[1:i], hostport[i + 1:]) if i > 0 else ("", "")
        if tail:
            sep, p = tail[:1], tail[1:]
            if sep != ":":
                host = ""
    else:
        host, sep, p = hostport.partition(":")
    if sep:
        port = int(p) if p.isdigit() else 0
    if not host or "@" in host or not 0 < port < 65536:
        raise ValueError("bad host or port in URL: %r" % url)
    return tls, host, port, path

# Module-scope Sinric Pro requests (docs/sinricpro.md §10): health, setSetting and
# otaUpdateAvailable, for sinric.dispatch.Dispatcher (through its public surface). The portal
# sends them rarely, so the dispatcher imports this module for such a request and drops it
# afterwards: a small board does not keep this code resident.
import gc

from canonical_json import dumps


def handle(d, action, value, what):
    """(message, value) answering a module-scope request to Dispatcher d; value None means
    the request failed with message."""
    if action == "health":
        return "OK", {"report": dumps(health(d))}
    if action == "otaUpdateAvailable":
        return "OTA updates are not supported yet", None
    msg = 'Module did not handle "%s"' % action
    if action == "setSetting" and d.on_setting is not None:
        ok, r = d.call(d.on_setting, (value.get("id"), value.get("value")), what,
                        'Module failed to handle "setSetting"')
        if not ok:
            return r, None
        if r is not None:
            return "OK", {"id": value.get("id"), "value": r}
    return msg, None


def health(d):
    """The health report: uptime (from the synced clock when there is one), reconnects,
    dropped events, free heap, and what d.health() adds."""
    s = d.stats
    r = {"uptime": d.uptime_s(), "reconnects": s["reconnects"],
         "droppedEvents": s["dropped_events"]}
    if hasattr(gc, "mem_free"):
        gc.collect()
        r["freeHeap"] = gc.mem_free()
    if d.health is not None:
        try:
            r.update(d.health())
        except Exception as e:
            try:  # the failure may be the heap's: the report goes out without the line
                d.log("sinric: handler for %s raised %s: %s" % ("health", type(e).__name__, e))
            except MemoryError:
                d.log("sinric: health handler failed (out of memory for the details)")
    return r

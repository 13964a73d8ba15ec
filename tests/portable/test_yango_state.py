# Pending-state coalescing with injected ticks: pure logic, both runtimes.
import json

from clock import Clock
from support import FakeTicks, raises
from yango.state import PEND, PendingStates

LAMP = {"id": "lamp", "capabilities": [
    {"type": "devices.capabilities.on_off", "reportable": True},
    {"type": "devices.capabilities.range", "reportable": True,
     "parameters": {"instance": "brightness", "range": {"min": 1, "max": 100}}},
    {"type": "devices.capabilities.color_setting", "reportable": True,
     "parameters": {"color_model": "rgb", "temperature_k": {"min": 2700, "max": 6500}}},
    {"type": "devices.capabilities.toggle", "reportable": False,
     "parameters": {"instance": "mute"}}],
    "properties": [{"type": "devices.properties.float", "reportable": True,
                    "parameters": {"instance": "temperature",
                                   "unit": "unit.temperature.celsius"}}]}
DOOR = {"id": "door", "properties": [
    {"type": "devices.properties.event", "reportable": True,
     "parameters": {"instance": "open", "events": [{"value": "opened"}, {"value": "closed"}]}},
    {"type": "devices.properties.event", "reportable": True, "retrievable": False,
     "parameters": {"instance": "button", "events": [{"value": "click"}]}}]}
ON = "devices.capabilities.on_off"
EV = "devices.properties.event"


def make():
    ft = FakeTicks(start=(1 << 30) - 300)  # wraps inside the tests
    p = PendingStates(Clock(ft))
    p.declare(LAMP)
    p.declare(DOOR)
    return p, ft


def body_states(body):
    if not isinstance(body, str):  # take() gives the body as pieces
        body = "".join(body)
    out = []
    for d in json.loads(body)["payload"]["devices"]:
        for key in ("capabilities", "properties"):
            for s in d.get(key, []):
                out.append((d["id"], s["type"].split(".")[-1], s["state"]["instance"],
                            s["state"]["value"]))
    return out


def test_newest_value_wins_one_entry_per_instance():
    p, ft = make()
    now = ft.ticks_ms()
    for i in range(7):
        assert p.report("lamp", ON, "on", i % 2 == 0, now) == 1000
    p.report("lamp", "devices.capabilities.range", "brightness", 30, now)
    p.report("lamp", "devices.capabilities.range", "brightness", 70, now)
    parts, batch = p.take("u1", 1735689600, 2048)
    body = "".join(parts)
    assert sorted(body_states(body)) == [("lamp", "on_off", "on", True),
                                         ("lamp", "range", "brightness", 70)]
    assert len(batch) == 2 and p.pending() == 0
    j = json.loads(body)
    assert j["ts"] == 1735689600 and j["payload"]["user_id"] == "u1"


def test_window_starts_at_first_change_and_events_are_due_at_once():
    p, ft = make()
    assert p.due(ft.ticks_ms(), 10000, None) is None
    p.report("lamp", ON, "on", True, ft.ticks_ms())
    ft.advance(400)  # crosses the 2^30 wrap
    p.report("lamp", ON, "on", False, ft.ticks_ms())
    assert p.due(ft.ticks_ms(), 10000, None) == 600  # not pushed back by the 2nd change
    p.report("door", EV, "open", "closed", ft.ticks_ms())  # baseline: not sent
    assert p.due(ft.ticks_ms(), 10000, None) == 600
    assert p.report("door", EV, "open", "opened", ft.ticks_ms()) == 0
    assert p.due(ft.ticks_ms(), 10000, None) == 0


def test_unchanged_values_are_not_queued_but_clicks_are():
    p, ft = make()
    now = ft.ticks_ms()
    p.report("lamp", ON, "on", True, now)
    p.take("u", 1, 2048)
    assert p.report("lamp", ON, "on", True, now) is None
    assert p.report("lamp", ON, "on", 1, now) is None  # normalised first
    p.report("door", EV, "open", "opened", now)
    assert p.report("door", EV, "open", "opened", now) is None
    assert p.report("door", EV, "button", "click", now) == 0
    p.take("u", 1, 2048)
    assert p.report("door", EV, "button", "click", now) == 0  # a second click


def test_stale_momentary_events_are_dropped():
    p, ft = make()
    p.report("door", EV, "button", "click", ft.ticks_ms())
    p.report("lamp", ON, "on", True, ft.ticks_ms())
    ft.advance(10001)
    dropped = []
    assert p.due(ft.ticks_ms(), 10000, dropped.append) <= 0
    assert [s[2] for s in dropped] == ["button"]
    assert body_states(p.take("u", 1, 2048)[0]) == [("lamp", "on_off", "on", True)]


def test_restore_keeps_newer_values():
    p, ft = make()
    now = ft.ticks_ms()
    p.report("lamp", ON, "on", True, now)
    p.report("lamp", "devices.capabilities.range", "brightness", 50, now)
    _, batch = p.take("u", 1, 2048)
    p.report("lamp", ON, "on", False, now + 5)  # during the failed request
    p.restore(batch)
    assert sorted(body_states(p.take("u", 2, 2048)[0])) == [
        ("lamp", "on_off", "on", False), ("lamp", "range", "brightness", 50)]


def test_full_report_marks_known_caps_and_floats_not_events():
    p, ft = make()
    now = ft.ticks_ms()
    p.report("lamp", ON, "on", True, now)
    p.report("lamp", "devices.properties.float", "temperature", 21.456, now)
    p.report("door", EV, "open", "closed", now)
    p.take("u", 1, 2048)
    p.mark(now)
    assert sorted(body_states(p.take("u", 1, 2048)[0])) == [
        ("lamp", "float", "temperature", 21.46), ("lamp", "on_off", "on", True)]
    p.mark(now, True)
    assert body_states(p.take("u", 1, 2048)[0]) == [("lamp", "float", "temperature", 21.46)]


def test_body_cap_splits_batches_without_losing_anything():
    p, ft = make()
    ids = ["device-%02d" % i for i in range(30)]
    for i in ids:
        p.declare({"id": i, "capabilities": [{"type": ON}]})
        p.report(i, ON, "on", True, ft.ticks_ms())
    seen = []
    while p.pending():
        parts, batch = p.take("u", 1735689600, 512)
        body = "".join(parts)
        assert len(body) <= 512, len(body)
        seen.extend(s[0] for s in body_states(body))
    assert sorted(seen) == ids


def test_only_declared_pairs_and_good_values():
    p, ft = make()
    now = ft.ticks_ms()
    for args in (("nope", ON, "on", True), ("lamp", ON, "off", True),
                 ("lamp", "devices.capabilities.toggle", "mute", True)):  # reportable false
        with raises(KeyError):
            p.report(*args, now)
    with raises(ValueError):
        p.report("lamp", ON, "on", "yes", now)
    with raises(ValueError):
        p.report("door", EV, "open", "ajar", now)
    assert p.pending() == 0


def test_redeclare_keeps_values_and_rejects_junk():
    p, ft = make()
    p.report("lamp", ON, "on", True, ft.ticks_ms())
    p.declare(LAMP)
    assert [s for s in p.slots if s[0] == "lamp" and s[2] == "on"][0][5] is True
    assert not [s for s in p.slots if s[PEND]]  # re-declared slots start idle
    for bad in (None, {"name": "x"}, {"id": "x", "capabilities": {}},
                {"id": "x", "capabilities": [{"type": "devices.capabilities.range"}]},
                {"id": "x", "capabilities": ["on_off"]}):
        with raises(ValueError):
            p.declare(bad)


def test_body_is_canonical_json_in_small_pieces():
    from canonical_json import dumps

    p, ft = make()
    now = ft.ticks_ms()
    p.declare({"id": 'q"uote\u00e9', "capabilities": [
        {"type": "devices.capabilities.color_setting",
         "parameters": {"color_model": "hsv", "color_scene": {"scenes": [{"id": "night"}]}}},
        {"type": ON}], "properties": [
        {"type": "devices.properties.float", "parameters": {"instance": "power"}}]})
    p.report('q"uote\u00e9', "devices.capabilities.color_setting", "hsv",
             {"h": 10, "s": 20.4, "v": 30}, now)
    p.report('q"uote\u00e9', "devices.capabilities.color_setting", "scene", "night", now)
    p.report('q"uote\u00e9', ON, "on", False, now)
    p.report('q"uote\u00e9', "devices.properties.float", "power", 0.000015, now)
    p.report("lamp", "devices.properties.float", "temperature", -5.5, now)
    p.report("door", EV, "button", "click", now)
    parts, batch = p.take("user \\ 1", 1735689600, 4096)
    assert max(len(x) for x in parts) < 120  # small pieces, never the whole body
    body = "".join(parts)
    assert parts.size == len(body.encode())  # bytes: the id has a non-ASCII letter
    assert len(batch) == 6
    assert body == dumps(json.loads(body))  # byte-identical to the canonical encoder
    j = json.loads(body)
    assert j["payload"]["user_id"] == "user \\ 1"
    assert [d["id"] for d in j["payload"]["devices"]] == ["lamp", "door", 'q"uote\u00e9']
    assert j["payload"]["devices"][0] == {"id": "lamp", "properties": [
        {"type": "devices.properties.float",
         "state": {"instance": "temperature", "value": -5.5}}]}

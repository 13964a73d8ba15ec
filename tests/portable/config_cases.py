import json

# Config variants shared by the portable validator tests (both runtimes) and the simulated
# board tests (tests/host/test_sim_board.py), which boot each bad one on the real interpreter.
# good() builds a fresh valid config with one device of every type (validate() fills it in).

SID = "5dc1564130aaaaaaaaaaaa0"  # + one hex digit


def good():
    return {
        "wifi": {"ssid": "home", "password": "secret-123", "hostname": "hall-node"},
        "sinric": {"app_key": "00000000-0000-4000-8000-000000000000",
                   "app_secret": "s" * 40},
        "yango": {"skill_id": "8e3f1c2a-0b4d-4f6e-9a1c-3d5e7f9b1c2d", "token": "y0_token",
                  "user_id": "user-1"},
        "board": {"status_led": 2},
        "devices": [
            {"name": "lamp", "type": "switch", "sinric_id": SID + "1", "relay": 5, "button": 0},
            {"name": "dim", "type": "dimmer", "sinric_id": SID + "2", "pwm": 12},
            {"name": "strip", "type": "light", "yango_id": "strip", "red": 25, "green": 26,
             "blue": 27},
            {"name": "blinds", "type": "blinds", "sinric_id": SID + "4", "up": 18, "down": 19,
             "travel_ms": 20000},
            {"name": "lock", "type": "lock", "sinric_id": SID + "5", "relay": 21},
            {"name": "garage", "type": "garage", "sinric_id": SID + "6", "relay": 23,
             "contact": 34},
            {"name": "heat", "type": "thermostat", "sinric_id": SID + "7", "relay": 13, "dht": 4},
            {"name": "pir", "type": "motion", "sinric_id": SID + "8", "pin": 35},
            {"name": "window", "type": "contact", "sinric_id": SID + "9", "pin": 36},
            {"name": "outside", "type": "temperature", "sinric_id": SID + "a", "dht": 15},
            {"name": "bell", "type": "doorbell", "sinric_id": SID + "b", "button": 39},
        ],
    }


def apply(case, cfg):
    """Apply a bad case to cfg and return it. case[1:] is ("set", path, value),
    ("del", path), ("dev", index, {fields}) or ("many",); paths index lists with ints."""
    op = case[1]
    if op == "dev":
        cfg["devices"][case[2]].update(case[3])
    elif op == "many":
        cfg["devices"] = [{"name": "d%d" % i, "type": "motion", "yango_id": "d%d" % i,
                           "pin": 0} for i in range(33)]
    else:
        o = cfg
        path = case[2]
        for k in path[:-1]:
            o = o[k]
        if op == "set":
            o[path[-1]] = case[3]
        else:
            del o[path[-1]]
    return cfg


HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
if not HERE.endswith("tests/portable"):  # run precompiled from build/: the data stays here
    HERE = "tests/portable"


def bad_cases():
    """The invalid variants, one at a time (the heap is small): [message after "config: ",
    change...] from config_cases.jsonl; its first line is a header."""
    with open(HERE + "/config_cases.jsonl") as f:
        f.readline()
        for line in f:
            yield json.loads(line)


# Whole-file variants: (config.json text or None for no file, message)
BAD_FILES = [
    (None, "config.json: not found"),
    ("{wifi", "config.json: not valid JSON"),
    ("", "config.json: not valid JSON"),
    ("[1, 2]", "config: must be a JSON object"),
    # (head, n spaces, tail): written in pieces, the heap is small
    (("{", 17000, "}"), "config.json: too large (17002 bytes, at most 16384)"),
]


def write_file(path, text):
    """Write a BAD_FILES text (a tuple is written in pieces: the heap is small)."""
    with open(path, "w") as f:
        if isinstance(text, tuple):
            f.write(text[0])
            for _ in range(text[1] // 1000):
                f.write(" " * 1000)
            f.write(text[2])
        else:
            f.write(text)

# Masking throughput of net.frame.mask against the alternatives, on MicroPython or CPython.
# usage: make bench-ws   (or: MICROPYPATH=lib micropython tools/bench/mp_ws_mask.py)
import os

try:
    from time import ticks_diff, ticks_us
except ImportError:  # CPython
    from time import perf_counter_ns

    def ticks_us():
        return perf_counter_ns() // 1000

    def ticks_diff(a, b):
        return a - b


from array import array

from net.frame import mask


def byte_loop(buf, key, start=0):
    for i in range(start, len(buf)):
        buf[i] ^= key[(i - start) & 3]


def words32(buf, key, start=0):
    # 4 bytes at a time through array('I'); copies the payload in and out
    n = (len(buf) - start) & ~3
    w = array("I", bytes(buf[start : start + n]))
    k = array("I", key)[0]
    for i in range(len(w)):
        w[i] ^= k
    buf[start : start + n] = bytes(w)
    byte_loop(memoryview(buf)[start + n :], key)


def whole_int(buf, key, start=0):
    # one big integer for the whole payload: fastest, but ~3x the payload in temporaries
    n = len(buf) - start
    k = int.from_bytes((key * (n // 4 + 1))[:n], "big")
    buf[start:] = (int.from_bytes(buf[start:], "big") ^ k).to_bytes(n, "big")


def rate(fn, n):
    key = os.urandom(4)
    data = bytearray(os.urandom(n))
    want = bytearray(data)
    byte_loop(want, key)
    got = bytearray(data)
    fn(got, key)
    assert got == want, fn
    reps = max(3, 100000 // n)
    t = ticks_us()
    for _ in range(reps):
        fn(data, key)
    return n * reps / max(1, ticks_diff(ticks_us(), t))  # bytes per us = MB/s


print("%-28s %8s %8s %8s" % ("MB/s by payload size", "64 B", "400 B", "4096 B"))
for name, fn in (("byte loop (naive)", byte_loop), ("32-bit words (array)", words32),
                 ("whole-payload int", whole_int), ("net.frame.mask (256 B ints)", mask)):
    print("%-28s %8.1f %8.1f %8.1f" % ((name,) + tuple(rate(fn, n) for n in (64, 400, 4096))))

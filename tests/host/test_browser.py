"""The board's pages in a real browser: headless Chromium (Debian's chromium and
chromium-driver, installed by `make browser`) driven by Selenium against the simulated
board, whose ports 80/53 are free ports on 127.0.0.1. Screenshots land in build/screenshots
(`make screenshots` refreshes the copies in docs/img)."""

import os
import shutil
from pathlib import Path

import pytest
from e2e_rig import Rig, sid
from simhelp import board

from tools.demo.run import DEMO_HEAP

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or "build/screenshots")
HANG = 20
WIFI = ("home-net", "right-pass-7781")
PAGE_PW = "page-pass-81kx"


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        pytest.fail("chromium/chromedriver missing: `make browser` installs them")
    o = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=480,1000"):
        o.add_argument(a)
    o.binary_location = CHROMIUM
    d = webdriver.Chrome(service=Service(DRIVER), options=o)
    d.set_page_load_timeout(HANG)
    yield d
    d.quit()


def shot(browser, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SHOTS / (name + ".png")))


def fill(browser, values):
    for name, v in values.items():
        f = browser.find_element(By.NAME, name)
        f.clear()
        f.send_keys(v)


def until(browser, fn, what):
    """fn(browser) true within HANG s; the page may be replaced meanwhile (a form's answer)."""
    return WebDriverWait(browser, HANG, ignored_exceptions=(
        NoSuchElementException, StaleElementReferenceException)).until(fn, what)


def replaced(old):
    """A wait condition: the element `old` has left the document (its page was replaced).
    Selenium's staleness_of knows one way Chromium says so (a stale element); mid-navigation
    Chromium may answer "Node with given id does not belong to the document" instead, which
    staleness_of lets through as an error."""

    def check(_):
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" in str(e):
                return True
            raise
        return False

    return check


def submit(browser, css="button"):
    """Click a form's button and wait until the board's answer has replaced the page: a
    click returns before the navigation it starts, so the old page can still be read."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, css).click()
    until(browser, replaced(old), "the board's answer to the form")


def test_set_up_a_board_from_nothing(browser):
    with board(None, heap=DEMO_HEAP, wifi=WIFI) as sim:
        sim.wait_for("setup: page ready")
        browser.get("http://127.0.0.1:%d/" % sim.http_port)
        assert browser.title == "Board setup"
        shot(browser, "setup")
        fill(browser, {"wifi.ssid": "x" * 33, "wifi.password": WIFI[1]})
        submit(browser)
        alert = browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
        assert alert == "wifi.ssid: must be a non-empty string of at most 32 characters"
        assert browser.find_element(By.NAME, "wifi.password").get_attribute("value") == ""
        shot(browser, "setup-error")
        fill(browser, {"wifi.ssid": WIFI[0], "wifi.password": WIFI[1]})
        submit(browser)
        assert "Settings saved" in browser.page_source
        sim.wait_boot(2)
        sim.wait_for("wifi: online", since=sim.boots[1].first_line)
        assert sim.info()["app"] == "running"


def test_fix_a_wrong_wifi_password(browser):
    cfg = {"wifi": {"ssid": WIFI[0], "password": "wrong-pass-000", "setup_after_s": 2},
           "devices": [{"name": "lamp", "type": "switch", "relay": 5, "yango_id": "lamp"}]}
    with board(cfg, heap=DEMO_HEAP, wifi=WIFI) as sim:
        i = sim.wait_for("setup: access point ")
        assert "because Wi-Fi failed for" in sim.lines[i]
        sim.wait_for("setup: page ready", since=i)
        assert sim.info()["app"] == "running"  # the app goes on beside the access point
        browser.get("http://127.0.0.1:%d/" % sim.http_port)
        ssid = browser.find_element(By.NAME, "wifi.ssid")
        assert ssid.get_attribute("value") == WIFI[0]  # stored values shown, secrets never
        pw = browser.find_element(By.NAME, "wifi.password")
        assert pw.get_attribute("value") == "" and pw.get_attribute("placeholder") == \
            "(unchanged)"
        assert "wrong-pass-000" not in browser.page_source
        fill(browser, {"wifi.password": WIFI[1]})
        submit(browser)
        assert "Settings saved" in browser.page_source
        sim.wait_boot(2)
        sim.wait_for("wifi: online", since=sim.boots[1].first_line)
        assert "setup: access point" not in sim.output(2)
        assert sim.get(5)["mode"] == "out"


LAMP = {"name": "lamp", "type": "switch", "sinric_id": sid(1), "yango_id": "lamp", "relay": 5}


def test_toggle_a_relay_from_the_local_page(browser):
    with Rig([LAMP], extra={"web": {"password": PAGE_PW}}) as r:
        r.board.wait_for("web: local page on port")
        base = "127.0.0.1:%d" % r.board.http_port
        browser.get("http://:%s@%s/" % (PAGE_PW, base))
        assert browser.title == "Board"
        mark = r.events_mark()
        submit(browser, "button[value=On]")
        r.wait_pin(5, lambda p: p["value"] == 1)
        r.wait_event(sid(1), "setPowerState", mark, {"state": "On"})
        r.wait_yango("lamp", "on_off", "on", True)
        until(browser, lambda b: "on: True" in b.find_element(By.TAG_NAME, "table").text,
              "the page shows the lamp on")
        shot(browser, "local-page")
        submit(browser, "button[value=Off]")
        r.wait_pin(5, lambda p: p["value"] == 0)
        r.wait_yango("lamp", "on_off", "on", False)

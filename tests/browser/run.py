#!/usr/bin/env python3
"""Browser tests of the viewer page and the owner console, in Debian's headless Chromium.

By default the runner starts tests/browser/fake_relay.py (which implements the relay's public
contract) and runs every test against it. With --relay-url it uses a running relay instead; add
--relay-command to let the runner start (and, for the restart test, restart) that relay itself:

    python tests/browser/run.py                                   # fake relay
    python tests/browser/run.py --relay-url http://127.0.0.1:8080 --owner-key "$KEY"
    python tests/browser/run.py --relay-url http://127.0.0.1:8080 --owner-key "$KEY" \\
        --relay-command "share-relay serve --listen 127.0.0.1:8080 --data-dir /tmp/relay-data"

Screenshots of the viewer and the console go to docs/images/ (--screenshots to change).
The last line is "N passed, N failed, N skipped"; the exit status is 1 when anything failed.
"""

import argparse
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from websockets.sync.client import connect as ws_connect

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PROTOCOL = "share-relay.v1"
MAX_VIEWERS_PER_SHARE = 2


class Skip(Exception):
    pass


# The relay under test


class Relay:
    """A relay the tests talk to: the fake one (started here), or a real one by URL."""

    def __init__(self, url, owner_key, command=None, fake=False):
        self.url = url.rstrip("/") if url else None
        self.managed = fake or command is not None  # started here, with the limits set below
        self.owner_key = owner_key
        self.command = command
        self.fake = fake
        self.process = None
        self.state_dir = tempfile.mkdtemp(prefix="share-relay-browser-")

    @property
    def can_restart(self):
        return self.fake or self.command is not None

    def start(self):
        if self.fake:
            listen = "127.0.0.1:0" if self.url is None else self.url.split("//", 1)[1]
            args = [sys.executable, str(HERE / "fake_relay.py"), "--listen", listen, "--owner-key", self.owner_key,
                    "--state", os.path.join(self.state_dir, "state.json"), "--web", str(ROOT / "web")]
            self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
            line = self.process.stdout.readline()
            if "listening on " not in line:
                raise RuntimeError(f"fake relay did not start: {line!r}")
            self.url = line.strip().split("listening on ", 1)[1]
        elif self.command:
            env = dict(os.environ, SHARE_RELAY_OWNER_KEY=self.owner_key)
            self.process = subprocess.Popen(shlex.split(self.command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_healthy()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=6)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self):
        self.stop()
        self.start()

    def wait_healthy(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"relay at {self.url} is not healthy")

    def rpc(self, method, **params):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
        request = urllib.request.Request(self.url + "/rpc", data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.owner_key}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            answer = json.load(response)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def share(self, session_id, expires_in=3600):
        return self.rpc("session.share", session_id=session_id, expires_in=expires_in)["shareToken"]

    def presenter(self, session_id):
        return Presenter(self, session_id)

    def ws_url(self, path):
        return self.url.replace("http", "ws", 1) + path


class Presenter:
    """Publishes events to a session like a clawd daemon does (issue 4's presenter socket)."""

    def __init__(self, relay, session_id):
        self.connection = ws_connect(relay.ws_url(f"/v1/sessions/{session_id}/publish"),
                                     subprotocols=[PROTOCOL, relay.owner_key], open_timeout=5)
        self.socket = self.connection.__enter__()
        ready = json.loads(self.socket.recv(timeout=5))
        assert ready.get("type") == "ready", ready
        self.next_id = 100

    def notify(self, method, **params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def send(self, value):
        self.socket.send(json.dumps(value))

    def sync(self):
        """Waits until the relay has taken every event sent so far (relay.sync)."""
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": "relay.sync"})
        deadline = time.time() + 5
        while time.time() < deadline:
            answer = json.loads(self.socket.recv(timeout=5))
            if answer.get("id") == self.next_id:
                return answer["result"]["seq"]
        raise TimeoutError("relay.sync")

    def close(self):
        self.socket.close()


# The browser


def make_browser(width=1280, height=900, mobile=False):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", "--hide-scrollbars", "--lang=en-US"):
        options.add_argument(argument)
    if mobile:
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0}})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=options, service=service)


def wait_for(driver, condition, timeout=5, message=""):
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: condition(d), message)


def text(driver, css):
    for _ in range(5):  # the console re-renders parts of its table: retry a stale element
        try:
            elements = driver.find_elements(By.CSS_SELECTOR, css)
            return elements[0].text if elements else None
        except StaleElementReferenceException:
            time.sleep(0.05)
    return None


def visible(driver, css):
    elements = driver.find_elements(By.CSS_SELECTOR, css)
    return bool(elements) and elements[0].is_displayed()


def severe_console_messages(driver):
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


# Tests


class Suite:
    def __init__(self, relay, screenshots):
        self.relay = relay
        self.screenshots = Path(screenshots)
        self.screenshots.mkdir(parents=True, exist_ok=True)
        self.browser = None

    def driver(self):
        if self.browser is None:
            self.browser = make_browser()
        return self.browser

    def open_viewer(self, driver, token):
        driver.get(f"{self.relay.url}/s#{token}")
        wait_for(driver, lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "connected",
                 message="viewer connected")

    def session(self, name):
        return f"{name}-{secrets.token_hex(4)}"

    def test_viewer_renders_messages_streaming_tool_calls_and_status(self):
        driver = self.driver()
        driver.get_log("browser")  # drop what earlier tests logged
        session = self.session("render")
        token = self.relay.share(session, expires_in=2 * 3600)
        presenter = self.relay.presenter(session)
        presenter.notify("session.statusChanged", sessionId=session, status="running")
        presenter.notify("session.messageCreated", sessionId=session, message={
            "id": "m1", "role": "user", "content": "Why does the release build fail on Linux? Fix it please."})
        presenter.notify("session.messageCreated", sessionId=session, message={"id": "m2", "role": "assistant", "content": ""})
        presenter.sync()
        self.open_viewer(driver, token)
        assert "#" not in driver.current_url, f"the token stayed in the address bar: {driver.current_url}"
        assert driver.current_url.endswith("/s"), driver.current_url

        streamed = "Let me look at the build log first."
        for end in (8, 20, len(streamed)):
            presenter.notify("session.messageUpdated", sessionId=session, message={"id": "m2", "role": "assistant", "content": streamed[:end]})
        wait_for(driver, lambda d: text(d, '[data-message-id="m2"] .content') == streamed, message="streamed message complete")
        assert len(driver.find_elements(By.CSS_SELECTOR, '[data-message-id="m2"]')) == 1, "an update must replace, not append"

        presenter.notify("session.toolCallCreated", sessionId=session, toolCall={
            "id": "t1", "name": "bash", "input": {"command": "swift build -c release 2>&1 | tail -3"}, "status": "running"})
        presenter.notify("session.toolCallUpdated", sessionId=session, toolCall={
            "id": "t1", "status": "completed",
            "output": "error: missing required module 'CZlib'\nnote: install zlib1g-dev\n"})
        presenter.notify("session.messageCreated", sessionId=session, message={
            "id": "m3", "role": "assistant",
            "content": [{"type": "text", "text": "The release build misses zlib's headers: `apt-get install zlib1g-dev` fixes it."}]})
        presenter.notify("session.statusChanged", sessionId=session, status="idle")
        presenter.send({"type": "custom.metrics", "tokens": {"input": 1834, "output": 212}})
        presenter.sync()

        wait_for(driver, lambda d: text(d, "#session-status") == "idle", message="status badge idle")
        tool = driver.find_element(By.CSS_SELECTOR, '[data-tool-call-id="t1"]')
        assert len(driver.find_elements(By.CSS_SELECTOR, '[data-tool-call-id="t1"]')) == 1
        assert tool.find_element(By.CSS_SELECTOR, ".tool-name").text == "bash"
        assert tool.find_element(By.CSS_SELECTOR, ".tool-status").text == "completed"
        tool.find_element(By.CSS_SELECTOR, "summary").click()  # collapsible: open it
        wait_for(driver, lambda d: "missing required module" in tool.find_element(By.CSS_SELECTOR, ".tool-output").text)
        assert "swift build" in tool.find_element(By.CSS_SELECTOR, ".tool-input").text
        assert "zlib1g-dev" in text(driver, '[data-message-id="m3"] .content')
        raw = driver.find_elements(By.CSS_SELECTOR, ".item.raw")
        assert raw and "custom.metrics" in raw[-1].text and '"output": 212' in raw[-1].text, "unknown event as formatted JSON"
        assert text(driver, "#viewers") == "1 viewer", text(driver, "#viewers")
        assert text(driver, "#presenter") == "presenter online"
        assert (text(driver, "#expiry") or "").startswith("expires in 1 h") or text(driver, "#expiry").startswith("expires in 2 h"), text(driver, "#expiry")
        seqs = [int(e.get_attribute("data-seq")) for e in driver.find_elements(By.CSS_SELECTOR, ".item[data-seq]")]
        assert seqs == sorted(set(seqs)), f"events out of order or twice: {seqs}"
        errors = severe_console_messages(driver)
        assert not errors, errors
        driver.save_screenshot(str(self.screenshots / "viewer.png"))

        phone = make_browser(390, 760, mobile=True)
        try:
            self.open_viewer(phone, self.relay.share(session))
            wait_for(phone, lambda d: text(d, "#session-status") == "idle")
            width = phone.execute_script("return document.documentElement.scrollWidth")
            assert width <= 390, f"the page scrolls sideways on a phone: {width}px"
            phone.save_screenshot(str(self.screenshots / "viewer-phone.png"))
        finally:
            phone.quit()
        presenter.close()

    def test_revoke_from_console_ends_the_viewer_within_a_second(self):
        driver = self.driver()
        session = self.session("revoke")
        other = self.relay.share(session, expires_in=8 * 3600)
        presenter = self.relay.presenter(session)
        presenter.notify("session.messageCreated", message={"id": "a", "role": "assistant", "content": "Watching this?"})
        presenter.sync()

        driver.get(f"{self.relay.url}/console")
        driver.find_element(By.ID, "key-input").send_keys(self.relay.owner_key)
        driver.find_element(By.CSS_SELECTOR, "#key-form button").click()
        assert "clw_owner" not in driver.current_url and self.relay.owner_key not in driver.current_url
        session_input = driver.find_element(By.ID, "session-input")
        session_input.clear()
        session_input.send_keys(session)
        driver.find_element(By.CSS_SELECTOR, "#expiry-select option[value='1800']").click()
        driver.find_element(By.CSS_SELECTOR, "#share-form button[type=submit]").click()
        wait_for(driver, lambda d: d.find_element(By.ID, "created-link").get_attribute("value").startswith(self.relay.url + "/s#clw_share_"),
                 message="viewer link shown")
        link = driver.find_element(By.ID, "created-link").get_attribute("value")
        token = link.split("#", 1)[1]
        driver.find_element(By.ID, "copy-link").click()
        wait_for(driver, lambda d: text(d, "#copy-state") in ("Link copied.", "Select the link and copy it."))
        wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#share-rows tr")) == 2, message="two shares listed")
        console_tab = driver.current_window_handle

        driver.switch_to.new_window("tab")
        viewer_tab = driver.current_window_handle
        # Record every WebSocket close the page sees: the relay's 4403 must be a clean close
        # (its close frame, then the end of the stream at once: the relay half-closes TCP).
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
            window.__closes = [];
            const NativeWebSocket = window.WebSocket;
            window.WebSocket = class extends NativeWebSocket {
                constructor(...args) {
                    super(...args);
                    this.addEventListener('close', (e) => window.__closes.push({code: e.code, clean: e.wasClean}));
                }
            };"""})
        driver.get(link)
        wait_for(driver, lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "connected")
        driver.execute_script("""
            const ended = document.getElementById('ended');
            new MutationObserver(() => { if (!ended.hidden && !window.__endedAt) window.__endedAt = Date.now(); })
                .observe(ended, { attributes: true });""")

        driver.switch_to.window(console_tab)
        row = f'#share-rows tr[data-token="{token}"]'
        wait_for(driver, lambda d: text(d, row + " td.viewers") == "1", timeout=6, message="viewer count 1 in the console")
        assert "…" in text(driver, row + " td.token") and token not in text(driver, row + " td.token")
        assert "min" in text(driver, row + " td.expires")
        driver.save_screenshot(str(self.screenshots / "console.png"))
        clicked_at = driver.execute_script("return Date.now()")
        driver.find_element(By.CSS_SELECTOR, row + " button").click()
        wait_for(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, row), timeout=3, message="console list dropped the share")
        assert len(driver.find_elements(By.CSS_SELECTOR, "#share-rows tr")) == 1

        driver.switch_to.window(viewer_tab)
        wait_for(driver, lambda d: d.execute_script("return window.__endedAt"), timeout=3, message="revoked screen")
        elapsed = driver.execute_script("return window.__endedAt") - clicked_at
        assert elapsed < 1000, f"revoked screen after {elapsed} ms"
        assert driver.find_element(By.ID, "ended").get_attribute("data-code") == "4403"
        assert driver.execute_script("return window.__closes") == [{"code": 4403, "clean": True}], \
            driver.execute_script("return window.__closes")
        assert text(driver, "#ended-title") == "The owner stopped sharing"
        time.sleep(1.5)
        assert driver.find_element(By.ID, "connection").get_attribute("data-state") == "ended", "must not reconnect after 4403"
        driver.save_screenshot(str(self.screenshots / "viewer-revoked.png"))
        driver.close()
        driver.switch_to.window(console_tab)
        self.relay.rpc("session.revokeShare", share_token=other)
        presenter.close()

    def test_short_share_ends_on_the_expired_screen(self):
        driver = self.driver()
        session = self.session("expiry")
        token = self.relay.share(session, expires_in=3)
        self.open_viewer(driver, token)
        assert "expires in" in text(driver, "#expiry")
        wait_for(driver, lambda d: visible(d, "#ended"), timeout=6, message="expired screen")
        assert driver.find_element(By.ID, "ended").get_attribute("data-code") == "4410"
        assert text(driver, "#ended-title") == "This share has expired"
        driver.get(f"{self.relay.url}/s#{token}")  # the same link again: still the expired screen
        wait_for(driver, lambda d: visible(d, "#ended"), message="expired screen on reopening")
        assert driver.find_element(By.ID, "ended").get_attribute("data-code") == "4410"

    def test_invalid_link_ends_on_the_invalid_screen(self):
        driver = self.driver()
        driver.get(f"{self.relay.url}/s#clw_share_{'0' * 32}")
        wait_for(driver, lambda d: visible(d, "#ended"), message="invalid link screen")
        assert driver.find_element(By.ID, "ended").get_attribute("data-code") == "4401"

    def test_pasting_a_link_starts_watching(self):
        driver = self.driver()
        session = self.session("paste")
        token = self.relay.share(session)
        driver.get(f"{self.relay.url}/s")
        driver.execute_script("sessionStorage.clear()")
        driver.get(f"{self.relay.url}/s")
        wait_for(driver, lambda d: visible(d, "#token-form-panel"), message="paste field")
        driver.find_element(By.ID, "token-input").send_keys(f"{self.relay.url}/s#{token}")
        driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
        wait_for(driver, lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "connected")
        assert text(driver, "#session-id") == session

    def test_markup_in_events_is_shown_as_text_and_never_runs(self):
        driver = self.driver()
        session = self.session("xss")
        token = self.relay.share(session)
        image = '<img src=x onerror="window.__xss=1;document.title=\'pwned\'">'
        script = "<script>window.__xss=2</script>"
        presenter = self.relay.presenter(session)
        presenter.notify("session.messageCreated", message={"id": "x1", "role": "assistant", "content": image + " and " + script})
        presenter.notify("session.messageCreated", message={"id": image, "role": script, "content": [{"type": "text", "text": script}]})
        presenter.notify("session.toolCallCreated", toolCall={"id": "x2", "name": image, "input": script, "status": image, "output": image})
        presenter.notify("session.statusChanged", status=image)
        presenter.send({"type": script, image: script})
        presenter.sync()
        self.open_viewer(driver, token)
        wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".item[data-seq]")) == 5, message="five events")
        time.sleep(0.5)
        assert driver.execute_script("return window.__xss") is None, "a payload ran"
        assert driver.title != "pwned"
        assert not driver.find_elements(By.CSS_SELECTOR, "#timeline img, #timeline script, #bar img")
        assert text(driver, '[data-message-id="x1"] .content') == image + " and " + script
        assert text(driver, "#session-status") == image
        assert image in text(driver, '[data-tool-call-id="x2"] .tool-name')
        assert script in driver.find_elements(By.CSS_SELECTOR, ".item.raw")[0].text
        presenter.close()

    def test_console_creates_lists_and_revokes_shares(self):
        """Needs only /rpc and the pages, so it also runs against a relay without live routes."""
        driver = self.driver()
        driver.get_log("browser")
        session = self.session("console")
        driver.get(f"{self.relay.url}/console")
        driver.execute_script("sessionStorage.clear()")
        driver.get(f"{self.relay.url}/console")
        wait_for(driver, lambda d: visible(d, "#key-panel"), message="owner key asked for")
        driver.find_element(By.ID, "key-input").send_keys("clw_owner_wrong")
        driver.find_element(By.CSS_SELECTOR, "#key-form button").click()
        session_input = driver.find_element(By.ID, "session-input")
        session_input.clear()
        session_input.send_keys(session)
        driver.find_element(By.CSS_SELECTOR, "#share-form button[type=submit]").click()
        wait_for(driver, lambda d: visible(d, "#key-panel") and "refused" in (text(d, "#key-panel .error") or ""),
                 message="a wrong key is refused and asked for again")
        driver.find_element(By.ID, "key-input").send_keys(self.relay.owner_key)
        driver.find_element(By.CSS_SELECTOR, "#key-form button").click()
        assert driver.execute_script("return sessionStorage.getItem('share-relay.owner-key')") == self.relay.owner_key
        driver.find_element(By.CSS_SELECTOR, "#expiry-select option[value='custom']").click()
        driver.find_element(By.ID, "custom-minutes").send_keys("90")
        driver.find_element(By.CSS_SELECTOR, "#share-form button[type=submit]").click()
        wait_for(driver, lambda d: "/s#clw_share_" in d.find_element(By.ID, "created-link").get_attribute("value"))
        token = driver.find_element(By.ID, "created-link").get_attribute("value").split("#", 1)[1]
        listed = self.relay.rpc("session.shareList", session_id=session)["shares"]
        assert [share["shareToken"] for share in listed] == [token]
        row = f'#share-rows tr[data-token="{token}"]'
        wait_for(driver, lambda d: (text(d, row + " td.expires") or "").startswith(("1 h 29 min", "1 h 30 min")), message="custom expiry 90 min")
        driver.execute_script("document.querySelector(arguments[0]).click()", row + " button")
        wait_for(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, row), message="revoked share dropped")
        assert self.relay.rpc("session.shareList", session_id=session)["shares"] == []
        assert self.relay.owner_key not in driver.current_url
        errors = [m for m in severe_console_messages(driver) if "401" not in m]  # the wrong key's 401 is expected
        assert not errors, errors

    def test_auto_scroll_stops_when_the_reader_scrolls_up(self):
        driver = self.driver()
        session = self.session("scroll")
        token = self.relay.share(session)
        presenter = self.relay.presenter(session)
        for index in range(40):
            presenter.notify("session.messageCreated", message={"id": f"s{index}", "role": "assistant", "content": f"line {index}\n" * 3})
        presenter.sync()
        self.open_viewer(driver, token)
        at_bottom = "return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 48"
        wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".item[data-seq]")) == 40)
        presenter.notify("session.messageCreated", message={"id": "s40", "role": "assistant", "content": "follows"})
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-message-id="s40"]') and d.execute_script(at_bottom),
                 message="follows new events at the bottom")
        driver.execute_script("window.scrollTo(0, 0)")
        time.sleep(0.2)
        presenter.notify("session.messageCreated", message={"id": "s41", "role": "assistant", "content": "stays put"})
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-message-id="s41"]'))
        wait_for(driver, lambda d: visible(d, "#jump"), message="jump to latest shown")
        assert driver.execute_script("return window.scrollY") == 0, "scrolled although the reader had scrolled up"
        driver.find_element(By.ID, "jump").click()
        wait_for(driver, lambda d: d.execute_script(at_bottom) and not visible(d, "#jump"), message="jumped to latest")
        presenter.close()

    def test_too_many_viewers_ends_on_its_screen(self):
        if not self.relay.managed:
            raise Skip("needs a relay started here, with SHARE_RELAY_MAX_VIEWERS_PER_SHARE set")
        driver = self.driver()
        token = self.relay.share(self.session("limit"))
        first = driver.current_window_handle
        tabs = []
        for _ in range(MAX_VIEWERS_PER_SHARE):
            driver.switch_to.new_window("tab")
            tabs.append(driver.current_window_handle)
            self.open_viewer(driver, token)
        driver.switch_to.new_window("tab")
        tabs.append(driver.current_window_handle)
        driver.get(f"{self.relay.url}/s#{token}")
        wait_for(driver, lambda d: visible(d, "#ended"), message="too many viewers screen")
        assert driver.find_element(By.ID, "ended").get_attribute("data-code") == "4429"
        assert text(driver, "#ended-title") == "Too many viewers"
        for tab in tabs:
            driver.switch_to.window(tab)
            driver.close()
        driver.switch_to.window(first)

    def test_gap_is_marked_and_later_events_follow(self):
        if not self.relay.fake:
            raise Skip("makes the fake relay report a gap; with the real relay a gap needs retention to run out")
        driver = self.driver()
        session = self.session("gap")
        token = self.relay.share(session)
        presenter = self.relay.presenter(session)
        presenter.notify("session.messageCreated", message={"id": "g1", "role": "assistant", "content": "before"})
        presenter.sync()
        self.open_viewer(driver, token)
        request = urllib.request.Request(self.relay.url + "/_fake/gap", method="POST",
                                         data=json.dumps({"session_id": session, "from": 2, "to": 41}).encode())
        urllib.request.urlopen(request, timeout=5).close()
        presenter.notify("session.messageCreated", message={"id": "g42", "role": "assistant", "content": "after"})
        wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-message-id="g42"]'), message="event after the gap")
        kinds = [item.get_attribute("class").split()[1] for item in driver.find_elements(By.CSS_SELECTOR, "#timeline > li")]
        assert kinds == ["message", "gap", "message"], kinds
        assert "40 events (2–41)" in text(driver, ".item.gap")
        assert driver.find_element(By.CSS_SELECTOR, '[data-message-id="g42"]').get_attribute("data-seq") == "42"
        presenter.close()

    def test_relay_restart_reconnects_and_shows_every_event_exactly_once(self):
        if not self.relay.can_restart:
            raise Skip("needs the fake relay or --relay-command to restart the relay")
        driver = self.driver()
        session = self.session("restart")
        token = self.relay.share(session)
        presenter = self.relay.presenter(session)
        for index in range(1, 6):
            presenter.notify("session.messageCreated", message={"id": f"r{index}", "role": "assistant", "content": f"before restart {index}"})
        presenter.sync()
        self.open_viewer(driver, token)
        wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".item[data-seq]")) == 5)
        presenter.close()

        # Events 6-10 exist only in the new process: seeing them proves the viewer reconnected.
        self.relay.restart()
        presenter = self.relay.presenter(session)
        for index in range(6, 11):
            presenter.notify("session.messageCreated", message={"id": f"r{index}", "role": "assistant", "content": f"after restart {index}"})
        presenter.sync()
        wait_for(driver, lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "connected",
                 timeout=10, message="viewer reconnected")
        wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".item[data-seq]")) >= 10, timeout=5)
        time.sleep(0.5)
        items = driver.find_elements(By.CSS_SELECTOR, ".item[data-seq]")
        ids = [item.get_attribute("data-message-id") for item in items]
        assert ids == [f"r{index}" for index in range(1, 11)], f"each event exactly once, in order: {ids}"
        presenter.close()


def main():
    parser = argparse.ArgumentParser(description="Browser tests of the ShareRelay web pages.")
    parser.add_argument("--relay-url", help="a running relay; default: start the fake relay")
    parser.add_argument("--owner-key", help="the relay's owner key (required with --relay-url)")
    parser.add_argument("--relay-command", help="command that starts the real relay at --relay-url (enables the restart test)")
    parser.add_argument("--share-relay", metavar="BINARY",
                        help="start this share-relay executable on a free port with a fresh data directory (implies --relay-url and --relay-command)")
    parser.add_argument("--screenshots", default=str(ROOT / "docs" / "images"))
    parser.add_argument("-k", dest="only", help="run the tests whose name contains this")
    args = parser.parse_args()

    # Limits for the relays started here (the fake one reads the same variables).
    os.environ["SHARE_RELAY_MAX_VIEWERS_PER_SHARE"] = str(MAX_VIEWERS_PER_SHARE)
    if args.share_relay:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        data = tempfile.mkdtemp(prefix="share-relay-browser-data-")
        args.relay_url = f"http://127.0.0.1:{port}"
        args.owner_key = args.owner_key or "clw_owner_" + secrets.token_hex(16)
        args.relay_command = f"{shlex.quote(args.share_relay)} serve --listen 127.0.0.1:{port} --data-dir {shlex.quote(data)}"
    if args.relay_url:
        if not args.owner_key:
            parser.error("--owner-key is required with --relay-url")
        relay = Relay(args.relay_url, args.owner_key, command=args.relay_command)
    else:
        relay = Relay(None, "clw_owner_" + secrets.token_hex(16), fake=True)
    relay.start() if (relay.fake or relay.command) else relay.wait_healthy()
    print(f"relay: {'fake ' if relay.fake else ''}{relay.url}", flush=True)

    suite = Suite(relay, args.screenshots)
    names = [name for name in dir(suite) if name.startswith("test_") and (not args.only or args.only in name)]
    passed = failed = skipped = 0
    try:
        for name in names:
            started = time.time()
            try:
                getattr(suite, name)()
                passed += 1
                print(f"PASS {name} ({time.time() - started:.1f} s)", flush=True)
            except Skip as reason:
                skipped += 1
                print(f"SKIP {name}: {reason}", flush=True)
            except (AssertionError, TimeoutException, Exception):
                failed += 1
                print(f"FAIL {name} ({time.time() - started:.1f} s)", flush=True)
                traceback.print_exc()
                if suite.browser:
                    suite.browser.save_screenshot(f"/tmp/share-relay-browser-{name}.png")
                    print(f"  screenshot: /tmp/share-relay-browser-{name}.png", flush=True)
                    suite.browser.quit()
                    suite.browser = None
    finally:
        if suite.browser:
            suite.browser.quit()
        relay.stop()
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

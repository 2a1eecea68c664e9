"""A minimal Chrome DevTools Protocol client over --remote-debugging-pipe
(messages are JSON, each ended by a NUL byte, read from the browser's fd 4
and written to its fd 3), so the tests drive a real headless Chromium with
the Python standard library alone.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time


class Browser:
    def __init__(self, executable, timeout=60.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="ep-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # The browser reads commands on fd 3 and writes answers on fd 4.
        def child_fds():
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.process = subprocess.Popen(
            [executable, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-sync", "--mute-audio",
             "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
             "--window-size=1280,900", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=child_fds, pass_fds=(3, 4))
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events = []

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from chromium")
            import select
            ready, _, _ = select.select([self._from_browser], [], [], 0.5)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                err = self.process.stderr.read().decode(errors="replace")[-2000:]
                raise RuntimeError("chromium closed the pipe: " + err)
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def post(self, method, session=None, **params):
        """Sends a command without waiting; returns its id for reply()."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        return self._next_id

    def reply(self, message_id, method="command"):
        for i, answer in enumerate(self.events):
            if answer.get("id") == message_id:
                self.events.pop(i)
                break
        else:
            deadline = time.monotonic() + self.timeout
            while True:
                answer = self._read_message(deadline)
                if answer.get("id") == message_id:
                    break
                self.events.append(answer)
        if "error" in answer:
            raise RuntimeError("%s: %s" % (method, answer["error"]))
        return answer.get("result", {})

    def send(self, method, session=None, **params):
        return self.reply(self.post(method, session, **params), method)

    def wait_event(self, method, deadline_seconds=30.0):
        deadline = time.monotonic() + deadline_seconds
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            event = self._read_message(deadline)
            if event.get("method") == method:
                return event
            self.events.append(event)


class Page:
    """One tab, attached with a flat session."""

    def __init__(self, browser):
        self.browser = browser
        target = browser.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = browser.send("Target.attachToTarget", targetId=target,
                                    flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(domain + ".enable")

    def send(self, method, **params):
        return self.browser.send(method, session=self.session, **params)

    def navigate(self, url):
        self.send("Page.navigate", url=url)
        self.browser.wait_event("Page.loadEventFired")

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError("evaluate %r: %s" % (expression, result["exceptionDetails"]))
        return result["result"].get("value")

    def click(self, x, y, prompt_answer=None):
        """A real left click at (x, y) of the viewport. With prompt_answer,
        the click opens a window.prompt(), answered with that text."""
        for kind in ("mouseMoved", "mousePressed"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                      clickCount=1)
        pending = self.browser.post("Input.dispatchMouseEvent", session=self.session,
                                    type="mouseReleased", x=x, y=y, button="left",
                                    clickCount=1)
        if prompt_answer is not None:
            self.browser.wait_event("Page.javascriptDialogOpening")
            self.send("Page.handleJavaScriptDialog", accept=True, promptText=prompt_answer)
        self.browser.reply(pending, "Input.dispatchMouseEvent")

    def type_text(self, text):
        self.send("Input.insertText", text=text)

    def screenshot(self, path):
        import base64
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        with open(path, "wb") as out:
            out.write(base64.b64decode(data["data"]))

    def errors(self):
        """Console errors, uncaught exceptions and error log entries so far."""
        found = []
        for event in self.browser.events:
            method = event.get("method")
            params = event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append(" ".join(str(a.get("value", a.get("description")))
                                      for a in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", ""))
        return found

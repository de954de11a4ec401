"""What the browser tests share: a master the test starts on 127.0.0.1 (a
free port, its own temp tree and token store), headless Chromium through
Selenium, and screenshots written where the build keeps its output.

A test exits 77 (ctest's SKIP_RETURN_CODE) with a clear message only when
Chromium cannot start; every other failure is a failure.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77

# What a test found wrong, in order; each test's main() reports it and
# exits 1 when it is not empty.
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


class Master:
    """`zddc serve --mode master` with tokens, on a free port."""

    def __init__(self, zddc, files):
        self.zddc = zddc
        self.dir = tempfile.mkdtemp(prefix="zddc-browser-")
        self.root = os.path.join(self.dir, "root")
        self.state = os.path.join(self.dir, "state")
        for path, data in files.items():
            full = os.path.join(self.root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data if isinstance(data, bytes) else data.encode())
        self.token = self.issue("controller", "/:rw")
        self.log_path = os.path.join(self.dir, "daemon.log")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [zddc, "serve", "--root", self.root, "--state-dir", self.state,
             "--listen", "127.0.0.1:0", "--max-write-bytes", "1MiB"],
            stderr=self.log, stdout=subprocess.DEVNULL)
        self.port = self._wait_for_port()
        self.url = "http://127.0.0.1:%d" % self.port

    def issue(self, name, grant):
        out = subprocess.run([self.zddc, "token", "issue", "--name", name, "--grant", grant,
                              "--state-dir", self.state], check=True, capture_output=True, text=True)
        return out.stdout.strip().splitlines()[0]

    def _wait_for_port(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as f:
                m = re.search(rb"msg=listening url=http://127\.0\.0\.1:(\d+)/", f.read())
            if m:
                return int(m.group(1))
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("the daemon did not start:\n" + open(self.log_path).read())

    def request(self, method, path, body=None, headers=None):
        """A request with the token (what a tool or another person does)."""
        h = {"Authorization": "Bearer " + self.token}
        h.update(headers or {})
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=h)
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def file(self, path):
        full = os.path.join(self.root, path)
        return open(full, "rb").read() if os.path.exists(full) else None

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_chromium(download_dir):
    """Headless Chromium, or exit 77 when it cannot start on this machine."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        print("SKIP: python3-selenium is not installed (scripts/install-deps.sh installs it): %s" % e)
        sys.exit(SKIP)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1280,900"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": download_dir})
    try:
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                                  options=options)
    except Exception as e:  # noqa: BLE001 - any failure to start is the one reason to skip
        print("SKIP: Chromium could not start here: %s" % str(e).splitlines()[0])
        sys.exit(SKIP)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


def wait_for(predicate, timeout=15, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - the page may be mid-reload
            last = e
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


def screenshot(driver, out_dir, name, width, height=900):
    os.makedirs(out_dir, exist_ok=True)
    driver.set_window_size(width, height)
    time.sleep(0.2)  # let the layout settle after the resize
    path = os.path.join(out_dir, name)
    driver.save_screenshot(path)
    print("screenshot: %s" % path)
    return path

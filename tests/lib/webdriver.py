"""A minimal W3C WebDriver client (urllib only) for the browser tests.

    with Browser() as b:            # starts chromedriver on a free port and a
        b.get('file:///tmp/r.html') # headless Chromium session
        n = b.script('return document.title')
        png = b.screenshot()        # PNG bytes
    nonblank(png)                   # True when the picture shows something

Chromium is /usr/bin/chromium and the driver /usr/bin/chromedriver unless
CHROMIUM / CHROMEDRIVER say otherwise.
"""
import base64
import io
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('CHROMEDRIVER', '/usr/bin/chromedriver')


class WebDriverError(Exception):
    pass


def _free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Browser:
    def __init__(self, width=1280, height=1600, start_timeout=60):
        self.port = _free_port()
        self.base = f'http://127.0.0.1:{self.port}'
        self.log = tempfile.TemporaryFile()
        self.profile = tempfile.TemporaryDirectory(prefix='hpo-chromium-')
        self.driver = subprocess.Popen([CHROMEDRIVER, f'--port={self.port}'],
                                       stdout=self.log, stderr=subprocess.STDOUT)
        self.session = None
        deadline = time.monotonic() + start_timeout
        while True:  # wait for the driver to answer /status
            try:
                if self._call('GET', '/status').get('ready'):
                    break
            except (OSError, WebDriverError):
                pass
            if self.driver.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise WebDriverError('chromedriver did not start: ' + self.driver_log())
            time.sleep(0.1)
        caps = {'capabilities': {'alwaysMatch': {
            'browserName': 'chrome',
            'goog:chromeOptions': {
                'binary': CHROMIUM,
                'args': ['--headless=new', '--no-sandbox', '--disable-gpu',
                         f'--window-size={width},{height}', '--disable-dev-shm-usage',
                         '--no-first-run', '--no-default-browser-check',
                         f'--user-data-dir={self.profile.name}'],
            }}}}
        try:
            value = self._call('POST', '/session', caps)
        except Exception:
            self.close()
            raise
        self.session = value['sessionId']

    def _call(self, method, path, body=None, timeout=120):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                answer = json.loads(r.read() or b'{}')
        except urllib.error.HTTPError as e:
            try:
                v = json.loads(e.read()).get('value', {})
                msg = f"{v.get('error')}: {v.get('message', '')[:500]}"
            except ValueError:
                msg = str(e)
            raise WebDriverError(f'{method} {path}: {msg}') from None
        return answer.get('value', answer)

    def _s(self, path):
        return f'/session/{self.session}{path}'

    def get(self, url):
        self._call('POST', self._s('/url'), {'url': url})

    def script(self, source, *args):
        return self._call('POST', self._s('/execute/sync'), {'script': source, 'args': list(args)})

    def screenshot(self):
        return base64.b64decode(self._call('GET', self._s('/screenshot')))

    def driver_log(self):
        try:
            self.log.seek(0)
            return self.log.read().decode(errors='replace')[-2000:]
        except (OSError, ValueError):
            return ''

    def close(self):
        if self.session:
            try:
                self._call('DELETE', self._s(''), timeout=30)
            except (OSError, WebDriverError):
                pass
            self.session = None
        if self.driver and self.driver.poll() is None:
            self.driver.terminate()
            try:
                self.driver.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.driver.kill()
                self.driver.wait()
        self.log.close()
        self.profile.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def nonblank(png, min_colours=8, max_share=0.99):
    """True when the PNG has more than `min_colours` distinct colours and no
    colour covers more than `max_share` of it (a blank or one-colour page fails)."""
    from PIL import Image
    img = Image.open(io.BytesIO(png)).convert('RGB')
    w, h = img.size
    if w == 0 or h == 0:
        return False
    colours = img.getcolors(maxcolors=w * h)
    if not colours or len(colours) <= min_colours:
        return False
    return max(c for c, _ in colours) <= max_share * w * h

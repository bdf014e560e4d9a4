"""What the browser suites share: the server under test, the admin API over urllib, the watch
on everything the page reports, screenshots, sign-in, and JWTs checked against a JWKS.

The server and key come from console_test.py's command line and environment (see there).
"""

import base64
import collections
import hashlib
import json
import os
import re
import sys
import urllib.error
import urllib.request

BASE = sys.argv[1]
OUT = sys.argv[2] if len(sys.argv) > 2 else None  # screenshots; passkey_test.py takes none
KEY = os.environ["KEYTURN_ADMIN_KEY"]  # from the environment: argv is visible to every process
CHROMIUM = os.environ.get("KEYTURN_CHROMIUM", "/usr/bin/chromium")
XSS_NAME = '<img src=x onerror="window.__xss=1">'
XSS_FIELD = '<img src=x onerror="window.__xss=2">'
PW = "5ebe2294ecd0e0f08eab7690d2a6ee69"  # the MD5 of "secret", as clients send it


# Chromium's words when a sandbox without `allow-scripts` stops a script in a srcdoc frame.
SANDBOXED = re.compile(r"^Blocked script execution in 'about:srcdoc' because the document's frame "
                       r"is sandboxed and the 'allow-scripts' permission is not set\.$")


def api(method, path, body=None, headers=None):
    """One call to Keyturn: (status, JSON body)."""
    req = urllib.request.Request(BASE + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    for k, v in (headers or {"authorization": "Bearer " + KEY}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def app_by_name(name):
    status, page = api("GET", "/admin/apps?limit=100")
    assert status == 200, page
    return next(a for a in page["apps"] if a["name"] == name)


class Watch:
    """Everything the browser reports that would mean the page misbehaved."""

    def __init__(self, page):
        self.console = []
        self.problems = []
        self.requests = []
        self.answers = []  # (method, status, url) of every response
        self.errors = collections.Counter()  # 4xx/5xx responses seen, by status
        self.expected = collections.Counter()  # those the journey provokes on purpose
        self.blocked = 0  # scripts of a previewed template the sandbox blocked, provoked too
        self.expect_blocked = False
        page.on("console", lambda m: self.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed",
                lambda r: self.problems.append(f"request failed: {r.url} {r.failure}"))
        page.on("request", lambda r: self.requests.append(r))
        page.on("response", self.response)
        page.expose_function("__keyturnCsp", lambda d: self.problems.append(f"CSP violation: {d}"))
        page.add_init_script("""document.addEventListener('securitypolicyviolation',
            (e) => window.__keyturnCsp(e.violatedDirective + ' ' + e.blockedURI));""")

    def response(self, r):
        self.answers.append((r.request.method, r.status, r.url))
        if r.status >= 400:
            self.errors[r.status] += 1

    def expect_error(self, status):
        self.expected[status] += 1

    def expect_blocked_scripts(self):
        """From now on, Chromium's report that the preview's sandbox blocked a script is the
        journey's doing (a template holding <script> and onerror), not a fault."""
        self.expect_blocked = True

    def verdict(self):
        problems = list(self.problems)
        if self.errors != self.expected:
            problems.append(f"error responses {dict(self.errors)}, provoked {dict(self.expected)}")
        # Chromium logs each error response as a console error; those provoked are allowed.
        allowed = collections.Counter(self.expected)
        for kind, text in self.console:
            m = re.search(r"Failed to load resource: the server responded with a status of (\d+)", text)
            if kind == "error" and m and allowed[int(m.group(1))] > 0:
                allowed[int(m.group(1))] -= 1
            elif kind == "error" and self.expect_blocked and SANDBOXED.search(text):
                self.blocked += 1
            elif kind in ("error", "warning"):
                problems.append(f"console {kind}: {text}")
        if self.expect_blocked and self.blocked == 0:
            problems.append("no script of the previewed template was reported blocked")
        print(f"  {len(self.requests)} requests, {len(self.console)} console messages, "
              f"provoked error answers {dict(self.expected)}"
              + (f", {self.blocked} sandboxed scripts blocked" if self.expect_blocked else ""))
        return problems


def shot(page, name):
    page.screenshot(path=os.path.join(OUT, name + ".png"), full_page=True)


def sign_in(page, key, remember=False):
    page.get_by_label("Admin key", exact=True).fill(key)
    if remember:
        page.get_by_label("Remember for this tab").check()
    page.get_by_role("button", name="Sign in").click()


def setting(page, name):
    return page.get_by_label(name, exact=True)


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims_of(jwt):
    """The payload of a JWT, unverified (for reading a claim)."""
    return json.loads(b64url(jwt.split(".")[1]))


# DER prefix of a SHA-256 DigestInfo (RFC 8017, 9.2): what PKCS#1 v1.5 signs.
SHA256_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def verifies(jwt, jwks):
    """Whether `jwt` is an RS256 JWT signed by the JWKS key its `kid` names: RSASSA-PKCS1-v1_5
    checked by hand (s^e mod n against the padded digest), so no crypto package is needed."""
    head, body, sig = jwt.split(".")
    header = json.loads(b64url(head))
    key = next((k for k in jwks["keys"] if k.get("kid") == header.get("kid")), None)
    if header.get("alg") != "RS256" or key is None or key.get("kty") != "RSA":
        return False
    n = int.from_bytes(b64url(key["n"]), "big")
    e = int.from_bytes(b64url(key["e"]), "big")
    size = (n.bit_length() + 7) // 8
    signed = pow(int.from_bytes(b64url(sig), "big"), e, n).to_bytes(size, "big")
    digest = hashlib.sha256(f"{head}.{body}".encode()).digest()
    padding = b"\x00\x01" + b"\xff" * (size - len(SHA256_INFO) - len(digest) - 3) + b"\x00"
    return signed == padding + SHA256_INFO + digest

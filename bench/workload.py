"""The mixed workload of issue 20 item 6, shared by the held loads against `keyturn serve`
(bench/mixed_load.py) and against the Lambda bootstraps over moto (bench/lambda_load.py).

`Workload(url)` talks to any deployment by its base URL. `create_app` makes the one app the load
runs in (signup flow `none`, invitations on, per-address limits raised: every request comes from
one address, as a backend's would); `run(app_token, seconds, clients, mailed_code)` runs the
clients, each owning its users and cycling through signup, login, getUser, getApplication,
setUserMetadata, changePassword, forgotPassword + resetPassword (the code read by `mailed_code`,
which knows where the deployment's mail goes), a second login and invite. Every answer is
checked (a 5xx, or an unexpected 4xx, is a failure) and each route's latency kept.
`lost_logins` then logs every account in with the password its last acknowledged change set, and
`report` prints per route: requests, req/s, p50 and p99 (ms).

Python 3 standard library only.
"""
import json, re, threading, time
import urllib.error, urllib.request

PW, OTHER_PW = "5ebe2294ecd0e0f08eab7690d2a6ee69", "795f3202b17cb6bc3d4b771d8c6c9eaf"

# A six-digit code in a mail's text or HTML (not a colour such as #333333).
CODE = re.compile(r"(?<![#\w])(\d{6})(?!\w)")


class Workload:
    def __init__(self, url):
        self.url = url
        self.lock = threading.Lock()
        self.latencies = {}   # route -> [seconds]
        self.failures = []    # strings
        self.passwords = {}   # handle -> password acknowledged last
        self.elapsed = 0.0

    def call(self, method, path, body=None, headers=()):
        """(status, json or None, seconds)."""
        req = urllib.request.Request(self.url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
        req.add_header("content-type", "application/json")
        for k, v in headers:
            req.add_header(k, v)
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw, status = r.read(), r.status
        except urllib.error.HTTPError as e:
            raw, status = e.read(), e.code
        took = time.perf_counter() - t0
        try:
            return status, json.loads(raw), took
        except ValueError:
            return status, None, took

    def wait_ready(self, path="/openapi.json", tries=300):
        for _ in range(tries):
            try:
                self.call("GET", path)
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{self.url} never answered")

    def create_app(self, admin_key):
        status, app, _ = self.call("POST", "/admin/apps", {
            "name": "Mixed load", "signupFlow": "none", "invitationEnabled": True,
            "addressSendsPerHour": 1000000, "addressFailedChecksPer15Min": 1000000,
            "mailDailyLimit": 10000000,
            "metaData": [{"path": "user_data.n", "fieldName": "n", "required": False,
                          "canEdit": True}],
        }, [("authorization", "Bearer " + admin_key)])
        assert status == 200, (status, app)
        return app["appToken"]

    def timed(self, route, method, path, body=None, headers=(), ok=(200,)):
        status, reply, took = self.call(method, path, body, headers)
        with self.lock:
            self.latencies.setdefault(route, []).append(took)
            if status not in ok:
                self.failures.append(f"{route}: {status} {reply}")
        return status, reply

    def client(self, n, app_h, deadline, mailed_code):
        i = 0
        while time.monotonic() < deadline:
            i += 1
            handle = f"c{n}-{i}@load.example"
            pw = PW
            self.timed("signup", "POST", "/api/appuser/signup",
                       {"handle": handle, "password": pw}, app_h)
            with self.lock:
                self.passwords[handle] = pw
            _, session = self.timed("login", "POST", "/api/appuser/login",
                                    {"handle": handle, "password": pw}, app_h)
            acc = [("access-token", (session or {}).get("access-token", ""))]
            self.timed("getUser", "GET", "/api/appuser/getUser", None, acc)
            self.timed("getApplication", "GET", "/api/appuser/getApplication", None, app_h)
            self.timed("setUserMetadata", "POST", "/api/appuser/setUserMetadata",
                       {"metaData": {"user_data": {"n": str(i)}}}, acc)
            self.timed("changePassword", "POST", "/api/appuser/changePassword",
                       {"password": pw, "newPassword": OTHER_PW}, acc)
            pw = OTHER_PW
            with self.lock:
                self.passwords[handle] = pw
            self.timed("forgotPassword", "POST", "/api/appuser/forgotPassword",
                       {"handle": handle}, app_h)
            code = mailed_code(handle)
            if code is None:
                with self.lock:
                    self.failures.append(f"no reset code mailed to {handle}")
                continue
            self.timed("resetPassword", "POST", "/api/appuser/resetPassword",
                       {"handle": handle, "password": PW, "code": code}, app_h)
            with self.lock:
                self.passwords[handle] = PW
            # A reset proved the mailbox, so the account may invite.
            _, session = self.timed("login", "POST", "/api/appuser/login",
                                    {"handle": handle, "password": PW}, app_h)
            acc = [("access-token", (session or {}).get("access-token", ""))]
            self.timed("invite", "POST", "/api/appuser/invite",
                       {"handle": f"inv-{n}-{i}@load.example"}, acc)

    def run(self, app_token, seconds, clients, mailed_code):
        """Runs `clients` threads for `seconds`; `mailed_code(handle)` is the newest code mailed
        to `handle` (None if none)."""
        app_h = [("app-token", app_token)]
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        threads = [threading.Thread(target=self.client, args=(n, app_h, deadline, mailed_code))
                   for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.elapsed = time.monotonic() - started

    def lost_logins(self, app_token):
        """The accounts whose last acknowledged password no longer logs in."""
        app_h = [("app-token", app_token)]
        lost = []
        for handle, pw in self.passwords.items():
            status, _, _ = self.call("POST", "/api/appuser/login",
                                     {"handle": handle, "password": pw}, app_h)
            if status != 200:
                lost.append(handle)
        return lost

    def report(self, clients):
        """Prints the per-route table; returns the number of 5xx answers."""
        elapsed = self.elapsed
        print(f"{clients} clients, {elapsed:.0f} s, {len(self.passwords)} accounts")
        print(f"{'route':<16} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}")
        total = 0
        for route, xs in sorted(self.latencies.items()):
            xs = sorted(xs)
            total += len(xs)
            p50 = xs[len(xs) // 2] * 1000
            p99 = xs[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000
            print(f"{route:<16} {len(xs):>9} {len(xs) / elapsed:>7.1f} {p50:>7.1f} {p99:>7.1f}")
        print(f"{'all':<16} {total:>9} {total / elapsed:>7.1f}")
        fives = [f for f in self.failures if re.match(r"^\w+: 5\d\d", f)]
        return len(fives)

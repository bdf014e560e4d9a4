#!/usr/bin/env python3
"""A mixed workload held for minutes against `keyturn serve`, then the table checker.

Starts `<bin-dir>/keyturn serve` on a private loopback port over a fresh data dir, creates one app
(signup flow `none`, invitations on, per-address limits raised: every request comes from one
address, as a backend's would), then runs --clients threads for --seconds. Each client owns its
users and cycles through: signup, login, getUser, getApplication, changePassword,
forgotPassword + resetPassword (the code read from the local outbox), setUserMetadata, invite.
Every answer is checked (a 5xx, or an unexpected 4xx, is a failure), and each route's latency is
kept.

At the end it runs `keyturn doctor --json` over the whole table and every user logs in with the
password its last acknowledged change set.

Prints per route: requests, req/s, p50 and p99 (ms). Exits 1 on any 5xx, unexpected answer,
checker finding or lost login. Issue 20 item 6; figures in docs/reliability.md.

usage: bench/mixed_load.py [--seconds 180] [--clients 8] [--bin-dir target/release]
Loopback only; no AWS.
"""
import argparse, json, os, random, re, socket, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--seconds", type=int, default=180)
p.add_argument("--clients", type=int, default=8)
p.add_argument("--bin-dir", default="target/release")
a = p.parse_args()
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
server_bin = os.path.join(root, a.bin_dir, "keyturn")
if not os.access(server_bin, os.X_OK):
    sys.exit(f"missing {server_bin}: cargo build --release -p keyturn-infra --bin keyturn")

PW, OTHER_PW = "5ebe2294ecd0e0f08eab7690d2a6ee69", "795f3202b17cb6bc3d4b771d8c6c9eaf"
ADMIN_KEY = "mixed-load-admin-key-0123456789abcdef0123"

s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
url = f"http://127.0.0.1:{port}"
data = tempfile.mkdtemp(prefix="keyturn-mixed-")
env = dict(os.environ, KEYTURN_ADMIN_KEY=ADMIN_KEY, RUST_LOG="warn")
env.pop("KEYTURN_PUBLIC_URL", None)
log = open(os.path.join(data, "serve.log"), "w")
server = subprocess.Popen([server_bin, "serve", "--addr", f"127.0.0.1:{port}", "--data-dir",
                           os.path.join(data, "state")], env=env, stdout=log, stderr=log)


def call(method, path, body=None, headers=()):
    """(status, json or None, seconds)."""
    req = urllib.request.Request(url + path, method=method,
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


for _ in range(300):
    try:
        call("GET", "/openapi.json")
        break
    except OSError:
        time.sleep(0.1)
admin = [("authorization", "Bearer " + ADMIN_KEY)]
status, app, _ = call("POST", "/admin/apps", {
    "name": "Mixed load", "signupFlow": "none", "invitationEnabled": True,
    "addressSendsPerHour": 1000000, "addressFailedChecksPer15Min": 1000000,
    "mailDailyLimit": 10000000,
    "metaData": [{"path": "user_data.n", "fieldName": "n", "required": False, "canEdit": True}],
}, admin)
assert status == 200, app
app_h = [("app-token", app["appToken"])]

lock = threading.Lock()
latencies = {}          # route -> [seconds]
failures = []           # strings
passwords = {}          # handle -> password acknowledged last
deadline = time.monotonic() + a.seconds


def timed(route, method, path, body=None, headers=(), ok=(200,)):
    status, reply, took = call(method, path, body, headers)
    with lock:
        latencies.setdefault(route, []).append(took)
        if status not in ok:
            failures.append(f"{route}: {status} {reply}")
    return status, reply


def outbox_code(handle):
    _, box, _ = call("GET", "/local/outbox")
    for m in reversed(box["messages"]):
        if m["to"] == handle:
            found = re.search(r"\b(\d{6})\b", m["text"])
            return found and found.group(1)
    return None


def client(n):
    i = 0
    while time.monotonic() < deadline:
        i += 1
        handle = f"c{n}-{i}@load.example"
        pw = PW
        timed("signup", "POST", "/api/appuser/signup", {"handle": handle, "password": pw}, app_h)
        with lock:
            passwords[handle] = pw
        _, session = timed("login", "POST", "/api/appuser/login",
                           {"handle": handle, "password": pw}, app_h)
        acc = [("access-token", (session or {}).get("access-token", ""))]
        timed("getUser", "GET", "/api/appuser/getUser", None, acc)
        timed("getApplication", "GET", "/api/appuser/getApplication", None, app_h)
        timed("setUserMetadata", "POST", "/api/appuser/setUserMetadata",
              {"metaData": {"user_data": {"n": str(i)}}}, acc)
        timed("changePassword", "POST", "/api/appuser/changePassword",
              {"password": pw, "newPassword": OTHER_PW}, acc)
        pw = OTHER_PW
        with lock:
            passwords[handle] = pw
        timed("forgotPassword", "POST", "/api/appuser/forgotPassword", {"handle": handle}, app_h)
        code = outbox_code(handle)
        if code is None:
            with lock:
                failures.append(f"no reset code mailed to {handle}")
            continue
        timed("resetPassword", "POST", "/api/appuser/resetPassword",
              {"handle": handle, "password": PW, "code": code}, app_h)
        with lock:
            passwords[handle] = PW
        # A reset proved the mailbox, so the account may invite.
        _, session = timed("login", "POST", "/api/appuser/login",
                           {"handle": handle, "password": PW}, app_h)
        acc = [("access-token", (session or {}).get("access-token", ""))]
        timed("invite", "POST", "/api/appuser/invite",
              {"handle": f"inv-{n}-{i}@load.example"}, acc)


started = time.monotonic()
threads = [threading.Thread(target=client, args=(n,)) for n in range(a.clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - started

lost = []
for handle, pw in passwords.items():
    status, _, _ = call("POST", "/api/appuser/login", {"handle": handle, "password": pw}, app_h)
    if status != 200:
        lost.append(handle)
doctor = subprocess.run([server_bin, "--json", "doctor"], capture_output=True, text=True,
                        env=dict(env, KEYTURN_URL=url))
server.terminate()
server.wait()

print(f"{a.clients} clients, {elapsed:.0f} s, {len(passwords)} accounts")
print(f"{'route':<16} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}")
total = 0
for route, xs in sorted(latencies.items()):
    xs = sorted(xs)
    total += len(xs)
    p50 = xs[len(xs) // 2] * 1000
    p99 = xs[min(len(xs) - 1, int(len(xs) * 0.99))] * 1000
    print(f"{route:<16} {len(xs):>9} {len(xs) / elapsed:>7.1f} {p50:>7.1f} {p99:>7.1f}")
print(f"{'all':<16} {total:>9} {total / elapsed:>7.1f}")
fives = [f for f in failures if re.match(r"^\w+: 5\d\d", f)]
print(f"5xx: {len(fives)}; other unexpected answers: {len(failures) - len(fives)}; "
      f"logins lost: {len(lost)}; doctor exit {doctor.returncode}")
for f in failures[:10]:
    print("  ", f)
if doctor.returncode != 0:
    print(doctor.stdout[-2000:], doctor.stderr[-2000:])
sys.exit(1 if failures or lost or doctor.returncode != 0 else 0)

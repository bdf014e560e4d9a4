#!/usr/bin/env python3
"""A mixed workload held for minutes against `keyturn serve`, then the table checker.

Starts `<bin-dir>/keyturn serve` on a private loopback port over a fresh data dir, then runs the
mixed workload of bench/workload.py (one app; --clients threads for --seconds, each owning its
users: signup, login, getUser, getApplication, setUserMetadata, changePassword,
forgotPassword + resetPassword with the code read from the local outbox, login, invite). Every
answer is checked (a 5xx, or an unexpected 4xx, is a failure), and each route's latency is kept.

At the end it runs `keyturn doctor --json` over the whole table and every user logs in with the
password its last acknowledged change set.

Prints per route: requests, req/s, p50 and p99 (ms). Exits 1 on any 5xx, unexpected answer,
checker finding or lost login. Issue 20 item 6; figures in docs/reliability.md.

usage: bench/mixed_load.py [--seconds 180] [--clients 8] [--bin-dir target/release]
Loopback only; no AWS.
"""
import argparse, os, socket, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workload import CODE, Workload  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--seconds", type=int, default=180)
p.add_argument("--clients", type=int, default=8)
p.add_argument("--bin-dir", default="target/release")
a = p.parse_args()
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
server_bin = os.path.join(root, a.bin_dir, "keyturn")
if not os.access(server_bin, os.X_OK):
    sys.exit(f"missing {server_bin}: cargo build --release -p keyturn-infra --bin keyturn")

ADMIN_KEY = "mixed-load-admin-key-0123456789abcdef0123"

s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
url = f"http://127.0.0.1:{port}"
data = tempfile.mkdtemp(prefix="keyturn-mixed-")
env = dict(os.environ, KEYTURN_ADMIN_KEY=ADMIN_KEY, RUST_LOG="warn")
env.pop("KEYTURN_PUBLIC_URL", None)
log = open(os.path.join(data, "serve.log"), "w")
server = subprocess.Popen([server_bin, "serve", "--addr", f"127.0.0.1:{port}", "--data-dir",
                           os.path.join(data, "state")], env=env, stdout=log, stderr=log)

w = Workload(url)
w.wait_ready()
app_token = w.create_app(ADMIN_KEY)


def outbox_code(handle):
    _, box, _ = w.call("GET", "/local/outbox")
    for m in reversed(box["messages"]):
        if m["to"] == handle:
            found = CODE.search(m["text"])
            return found and found.group(1)
    return None


w.run(app_token, a.seconds, a.clients, outbox_code)
lost = w.lost_logins(app_token)
doctor = subprocess.run([server_bin, "--json", "doctor"], capture_output=True, text=True,
                        env=dict(env, KEYTURN_URL=url))
server.terminate()
server.wait()

fives = w.report(a.clients)
print(f"5xx: {fives}; other unexpected answers: {len(w.failures) - fives}; "
      f"logins lost: {len(lost)}; doctor exit {doctor.returncode}")
for f in w.failures[:10]:
    print("  ", f)
if doctor.returncode != 0:
    print(doctor.stdout[-2000:], doctor.stderr[-2000:])
sys.exit(1 if w.failures or lost or doctor.returncode != 0 else 0)

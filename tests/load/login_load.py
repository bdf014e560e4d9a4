#!/usr/bin/env python3
"""Bounded load against a *local* Keyturn (`keyturn serve`), stdlib only.

Creates an app (flow `none`), signs up users, then runs a fixed number of requests per route with
a few concurrent clients and prints latency percentiles and throughput per route, plus ratios
between routes measured in the same run (this machine is shared and noisy: compare ratios, not
absolute figures). Only loopback addresses are accepted.

usage: login_load.py [--base http://127.0.0.1:8787] [--admin-key KEY] [--requests 200] [--clients 4]
"""
import argparse, concurrent.futures, hashlib, json, statistics, time, urllib.parse, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--base", default="http://127.0.0.1:8787")
p.add_argument("--admin-key", default="dev-admin-key")
p.add_argument("--requests", type=int, default=200)
p.add_argument("--clients", type=int, default=4)
a = p.parse_args()
host = urllib.parse.urlparse(a.base).hostname
if host not in ("127.0.0.1", "localhost", "::1"):
    raise SystemExit("refusing a non-loopback target: " + a.base)
a.requests = min(a.requests, 5000)


def call(method, path, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(a.base + path, data=data, method=method, headers=headers or {})
    req.add_header("content-type", "application/json")
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            out = r.read()
    except urllib.error.HTTPError as e:
        out = e.read()
    return time.perf_counter() - t, out


_, out = call("POST", "/admin/apps", {"name": "Load", "signupFlow": "none"},
              {"authorization": "Bearer " + a.admin_key})
app = json.loads(out)
token = {"app-token": app["appToken"]}
pw = hashlib.md5(b"load-secret").hexdigest()
run = str(int(time.time()))
users = [f"load{i}-{run}@example.com" for i in range(a.clients * 4)]
access = []
for u in users:
    _, out = call("POST", "/api/appuser/signup", {"handle": u, "password": pw}, token)
    access.append(json.loads(out)["access-token"])


def bench(name, fn):
    lat = []
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(a.clients) as ex:
        for d, _ in ex.map(fn, range(a.requests)):
            lat.append(d)
    wall = time.perf_counter() - t0
    lat.sort()
    res = {"p50_ms": 1000 * statistics.median(lat), "p95_ms": 1000 * lat[int(0.95 * len(lat)) - 1],
           "rps": len(lat) / wall}
    print(f"{name:16} p50 {res['p50_ms']:8.2f} ms  p95 {res['p95_ms']:8.2f} ms  {res['rps']:8.1f} req/s")
    return res


r_app = bench("getApplication", lambda i: call("GET", "/api/appuser/getApplication", None, token))
r_user = bench("getUser", lambda i: call("GET", "/api/appuser/getUser", None,
                                          {"access-token": access[i % len(access)]}))
r_login = bench("login", lambda i: call("POST", "/api/appuser/login",
                                        {"handle": users[i % len(users)], "password": pw}, token))
print(f"login / getApplication p50 ratio: {r_login['p50_ms'] / r_app['p50_ms']:.1f}x "
      f"(Argon2id m=19 MiB t=2 dominates login)")
print(f"getUser / getApplication p50 ratio: {r_user['p50_ms'] / r_app['p50_ms']:.2f}x")

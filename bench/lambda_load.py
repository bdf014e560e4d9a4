#!/usr/bin/env python3
"""The mixed workload held for minutes against the Lambda bootstraps over moto, then the checker.

What a deployment runs, on loopback: moto (DynamoDB, Secrets Manager, SES; one request at a time,
as tests/moto_serial.py serves it, so conditional writes stay atomic; a TransactWriteItems retried
with the ClientRequestToken of one already applied answers success, as DynamoDB's does), a table and service secret
set up as tests/tests/e2e/lambda_bootstrap.rs does, and the real bootstraps (`keyturn-lambda` for
every end-user function, `keyturn-lambda-admin` for `admin`), started with Lambda's environment
(`KEYTURN_FUNCTION` picks the router) and --instances processes per function. In front of them a
small gateway plays API Gateway and the Lambda service: it turns each HTTP request into an HTTP
API (payload v2) event, as template.yaml's `HttpApi` events deliver them, queues it for the
function its path names, and hands it out through a Runtime API (one per function) to whichever
instance polls next; the function's `{statusCode, headers, body}` becomes the HTTP answer (an
invocation error becomes 502).

Through the gateway it runs the workload of bench/workload.py (the same as bench/mixed_load.py),
with the reset codes read from the mail SES (moto) recorded. Then every account logs in with its
last acknowledged password, and `keyturn --json doctor` checks the whole table through the
gateway (GET /admin/doctor, served by the admin bootstrap).

Prints per route: requests, req/s, p50 and p99 (ms), and the process count. Exits 1 on any 5xx,
unexpected answer, checker finding or lost login. Issue 20 item 6; figures in
docs/reliability.md. Not part of CI.

usage: bench/lambda_load.py [--seconds 180] [--clients 8] [--instances 2] [--bin-dir target/release]
  --bin-dir holds keyturn, keyturn-lambda and keyturn-lambda-admin (release:
  `cargo build --release -p keyturn-infra -p keyturn-lambda-admin --bin keyturn --bin
  keyturn-lambda --bin keyturn-lambda-admin`). Needs the tools venv of tests/run.sh (moto, boto3):
  KEYTURN_TOOLS_DIR, default ~/.cache/keyturn-tools. Loopback only; no AWS.
"""
import argparse, hashlib, http.server, io, json, os, queue, re, shutil, socket, socketserver
import subprocess
import sys, tempfile, threading, time, base64, urllib.parse, urllib.request

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
VENV = os.path.join(os.environ.get("KEYTURN_TOOLS_DIR",
                                   os.path.expanduser("~/.cache/keyturn-tools")), "venv")
VENV_PY = os.path.join(VENV, "bin", "python")
ACCOUNT = "123456789012"

# --- moto, as a child process: `lambda_load.py --moto PORT` ----------------------------------
if len(sys.argv) == 3 and sys.argv[1] == "--moto":
    # moto_serial.py's server (one request at a time) plus GET /_outbox?to=ADDR: the newest
    # mail SES recorded for ADDR, read from the backend in this process (moto's own
    # /moto-api/data.json dumps every backend, the whole table included, on each call).
    from werkzeug.serving import run_simple
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from moto.ses.models import ses_backends

    port = int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from moto_serial import serial_app  # noqa: E402

    def outbox(environ, start_response, lock):
        to = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("to", [""])[0]
        found = None
        with lock:
            sent = ses_backends[ACCOUNT]["us-east-1"].sent_messages
            for m in reversed(sent):
                if to in (getattr(m, "destinations", None) or {}).get("ToAddresses", []):
                    found = {"subject": getattr(m, "subject", ""), "body": getattr(m, "body", "")}
                    break
        body = json.dumps(found).encode()
        start_response("200 OK", [("content-type", "application/json"),
                                  ("content-length", str(len(body)))])
        return [body]

    def stats(environ, start_response, lock):
        body = json.dumps(counts).encode()
        start_response("200 OK", [("content-type", "application/json"),
                                  ("content-length", str(len(body)))])
        return [body]

    serial, _, counts = serial_app({"/_outbox": outbox, "/_stats": stats})
    run_simple("127.0.0.1", port, serial, threaded=True, use_reloader=False,
               request_handler=MotoRequestHandler)
    sys.exit(0)

sys.path.insert(0, BENCH)
from workload import CODE, Workload  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--seconds", type=int, default=180)
p.add_argument("--clients", type=int, default=8)
p.add_argument("--instances", type=int, default=2,
               help="processes per password-hashing function (login, signup, changePassword, "
                    "resetPassword); one for the others")
p.add_argument("--bin-dir", default="target/release")
a = p.parse_args()
bin_dir = os.path.join(ROOT, a.bin_dir)
for b in ("keyturn", "keyturn-lambda", "keyturn-lambda-admin"):
    if not os.access(os.path.join(bin_dir, b), os.X_OK):
        sys.exit(f"missing {bin_dir}/{b}: cargo build --release -p keyturn-infra "
                 "-p keyturn-lambda-admin --bin keyturn --bin keyturn-lambda --bin keyturn-lambda-admin")
if not os.access(VENV_PY, os.X_OK):
    sys.exit(f"missing {VENV_PY}: the tools venv of tests/run.sh (moto, boto3)")

ADMIN_KEY = "lambda-load-admin-key-0123456789abcdef0123"
work = tempfile.mkdtemp(prefix="keyturn-lambda-load-")
procs = []


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    return port


def stop_all():
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
    for proc in procs:
        proc.wait()


moto_port = free_port()
moto_url = f"http://127.0.0.1:{moto_port}"
procs.append(subprocess.Popen([VENV_PY, os.path.abspath(__file__), "--moto", str(moto_port)],
                              stdout=open(os.path.join(work, "moto.log"), "w"),
                              stderr=subprocess.STDOUT))

# --- the deployment: table, service secret, verified sender (boto3 from the tools venv) -------
sys.path.insert(0, [os.path.join(VENV, "lib", x, "site-packages")
                    for x in os.listdir(os.path.join(VENV, "lib"))][0])
import boto3  # noqa: E402

aws = dict(endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="testing",
           aws_secret_access_key="testing")
for _ in range(200):
    try:
        boto3.client("dynamodb", **aws).list_tables()
        break
    except Exception:
        time.sleep(0.1)
TABLE, PREFIX, SENDER = "keyturn-lambda-load", "keyturn/lambda-load", "no-reply@example.com"
# The table keyturn's DynamoStore::create_table makes (tests/tests/e2e/lambda_bootstrap.rs).
boto3.client("dynamodb", **aws).create_table(
    TableName=TABLE, BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"}
                          for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
               {"AttributeName": "sk", "KeyType": "RANGE"}],
    GlobalSecondaryIndexes=[{"IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
                             "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"},
                                           {"AttributeName": "gsi1sk", "KeyType": "RANGE"}]}])
boto3.client("secretsmanager", **aws).create_secret(
    Name=f"{PREFIX}/service",
    SecretString=json.dumps({"master": hashlib.sha256(b"lambda-load").hexdigest()}))
boto3.client("ses", **aws).verify_email_identity(EmailAddress=SENDER)

# --- the gateway: HTTP -> API Gateway v2 event -> Runtime API -> the function's answer -------
HOST = "abc123.execute-api.us-east-1.amazonaws.com"


def function_of(path):
    """The function the template routes `path` to (None: no route)."""
    if path == "/admin" or path.startswith("/admin/"):
        return "admin"
    m = re.fullmatch(r"/api/appuser/([A-Za-z]+)", path)
    if m:
        return re.sub(r"(?<!^)([A-Z])", r"-\1", m.group(1)).lower()
    return None


class Invocation:
    def __init__(self, event):
        self.event = event
        self.done = threading.Event()
        self.reply = None  # the function's response object, or None after an invocation error


class Function:
    """One function: its queue of invocations and the Runtime API its instances poll."""

    def __init__(self, name):
        self.name = name
        self.queue = queue.Queue()
        self.pending = {}
        self.lock = threading.Lock()
        self.seq = 0
        fn = self

        class Runtime(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def answer(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if not self.path.endswith("/runtime/invocation/next"):
                    return self.answer(404)
                inv = fn.queue.get()
                with fn.lock:
                    fn.seq += 1
                    rid = f"{fn.name}-{fn.seq}"
                    fn.pending[rid] = inv
                body = json.dumps(inv.event).encode()
                self.answer(200, body, (
                    ("Lambda-Runtime-Aws-Request-Id", rid),
                    ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000)),
                    ("Lambda-Runtime-Invoked-Function-Arn",
                     f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{fn.name}"),
                    ("Content-Type", "application/json")))

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                m = re.search(r"/runtime/invocation/([^/]+)/(response|error)$", self.path)
                if m:
                    with fn.lock:
                        inv = fn.pending.pop(m.group(1), None)
                    if inv is not None:
                        if m.group(2) == "response":
                            try:
                                inv.reply = json.loads(raw)
                            except ValueError:
                                inv.reply = None
                        else:
                            sys.stderr.write(f"{fn.name}: invocation error {raw[:300]!r}\n")
                        inv.done.set()
                elif self.path.endswith("/runtime/init/error"):
                    sys.stderr.write(f"{fn.name}: init error {raw[:300]!r}\n")
                self.answer(202)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

            def handle_error(self, *args):
                pass

        self.server = Server(("127.0.0.1", 0), Runtime)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def invoke(self, event, timeout=30):
        inv = Invocation(event)
        self.queue.put(inv)
        if not inv.done.wait(timeout):
            return None
        return inv.reply


def event(method, path, query, headers, body, source_ip):
    """An HTTP API (payload format 2.0) event, as API Gateway builds it."""
    h = {k.lower(): v for k, v in headers.items()}
    h["host"] = HOST
    ev = {"version": "2.0", "routeKey": f"{method} {path}", "rawPath": path,
          "rawQueryString": query, "headers": h, "isBase64Encoded": False,
          "requestContext": {
              "accountId": ACCOUNT, "apiId": "abc123", "domainName": HOST,
              "domainPrefix": "abc123",
              "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                       "sourceIp": source_ip, "userAgent": h.get("user-agent", "")},
              "requestId": "r", "routeKey": f"{method} {path}", "stage": "$default",
              "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
              "timeEpoch": int(time.time() * 1000)}}
    if query:
        ev["queryStringParameters"] = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
    if body:
        ev["body"] = body.decode("utf-8", "replace")
    return ev


FUNCTIONS = {}
GATEWAY_ERRORS = []


class Gateway(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def relay(self):
        url = urllib.parse.urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        name = function_of(url.path)
        fn = FUNCTIONS.get(name)
        if fn is None:
            return self.answer(404, b'{"message":"Not Found"}', {})
        reply = fn.invoke(event(self.command, url.path, url.query, dict(self.headers.items()),
                                body, self.client_address[0]))
        if reply is None:
            GATEWAY_ERRORS.append(f"{name}: no answer or an invocation error")
            return self.answer(502, b'{"message":"Internal Server Error"}', {})
        out = reply.get("body") or ""
        out = base64.b64decode(out) if reply.get("isBase64Encoded") else out.encode()
        self.answer(int(reply.get("statusCode", 200)), out, reply.get("headers") or {})

    def answer(self, status, body, headers):
        self.send_response(status)
        for k, v in headers.items():
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = relay


class GatewayServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


# --- the functions the workload reaches, each behind its own Runtime API ---------------------
HASHING = ("login", "signup", "change-password", "reset-password")
NAMES = ("admin", "signup", "login", "get-user", "get-application", "set-user-metadata",
         "change-password", "forgot-password", "reset-password", "invite")
ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_STREAM_NAME": "s",
    "AWS_LAMBDA_LOG_GROUP_NAME": "g", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_ENDPOINT_URL": moto_url, "RUST_LOG": "warn", "KEYTURN_TABLE": TABLE,
    "KEYTURN_SECRET_PREFIX": PREFIX, "KEYTURN_MAIL_FROM": SENDER,
    "KEYTURN_ADMIN_KEY_SHA256": hashlib.sha256(ADMIN_KEY.encode()).hexdigest(),
}
for name in NAMES:
    fn = FUNCTIONS[name] = Function(name)
    binary = os.path.join(bin_dir, "keyturn-lambda-admin" if name == "admin" else "keyturn-lambda")
    for i in range(a.instances if name in HASHING else 1):
        env = dict(ENV, KEYTURN_FUNCTION=name, AWS_LAMBDA_FUNCTION_NAME=name,
                   AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{fn.server.server_address[1]}")
        procs.append(subprocess.Popen([binary], env=env,
                                      stdout=open(os.path.join(work, f"{name}-{i}.log"), "w"),
                                      stderr=subprocess.STDOUT))
gateway = GatewayServer(("127.0.0.1", 0), Gateway)
threading.Thread(target=gateway.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{gateway.server_address[1]}"

try:
    w = Workload(url)
    started = time.monotonic()
    app_token = w.create_app(ADMIN_KEY)
    print(f"bootstraps up and the app created in {time.monotonic() - started:.1f} s "
          f"({len(procs) - 1} processes)")

    def mailed_code(handle):
        """The code in the newest mail SES (moto) recorded for `handle`."""
        with urllib.request.urlopen(f"{moto_url}/_outbox?{urllib.parse.urlencode({'to': handle})}",
                                    timeout=30) as r:
            mail = json.loads(r.read())
        found = mail and CODE.search(mail["body"])
        return found and found.group(1)

    w.run(app_token, a.seconds, a.clients, mailed_code)
    lost = w.lost_logins(app_token)
    doctor = subprocess.run([os.path.join(bin_dir, "keyturn"), "--json", "doctor"],
                            capture_output=True, text=True,
                            env=dict(os.environ, KEYTURN_URL=url, KEYTURN_ADMIN_KEY=ADMIN_KEY))
    exited = [p.args[0] for p in procs[1:] if p.poll() is not None]
    with urllib.request.urlopen(f"{moto_url}/_stats", timeout=30) as r:
        moto_stats = json.loads(r.read())
finally:
    stop_all()

fives = w.report(a.clients)
print(f"5xx: {fives}; other unexpected answers: {len(w.failures) - fives}; "
      f"logins lost: {len(lost)}; doctor exit {doctor.returncode}; "
      f"bootstraps exited early: {len(exited)}; gateway errors: {len(GATEWAY_ERRORS)}; "
      f"transactions applied (by token): {moto_stats['transactions']}, retried after they "
      f"applied: {moto_stats['transactionReplays']}")
for f in (w.failures + GATEWAY_ERRORS)[:10]:
    print("  ", f)
if doctor.returncode != 0:
    print(doctor.stdout[-2000:], doctor.stderr[-2000:])
else:
    print("doctor:", doctor.stdout.strip()[-300:])
failed = w.failures or lost or exited or GATEWAY_ERRORS or doctor.returncode != 0
if failed:
    print(f"logs in {work}")
else:
    shutil.rmtree(work, ignore_errors=True)
sys.exit(1 if failed else 0)

#!/usr/bin/env python3
"""moto's server with one request handled at a time, and DynamoDB's transaction idempotency.

DynamoDB makes every conditional write and every TransactWriteItems call atomic. moto's stock
server runs requests on parallel threads without a lock, so two concurrent transactions can both
pass their conditions (seen here: two accounts for one handle in 1 of 6 runs of the 20-way
register race). Serialising requests behind one lock restores the guarantee the production
store gives, while clients stay as concurrent as before (threads and keep-alive are kept).

DynamoDB also makes TransactWriteItems idempotent by its ClientRequestToken, which the SDK fills
in and keeps across its retries: a retry of a transaction that was applied (its answer lost to a
timeout on a loaded machine) answers success and changes nothing. moto applies it again, and the
conditions the first attempt consumed then fail, so a step that succeeded would read as a
conflict. This server answers such a retry as DynamoDB does (bench/lambda_load.py counted 9 in
952 under load).

usage: moto_serial.py HOST PORT
"""
import io
import json
import os
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app


def serial_app(routes=None):
    """moto's WSGI app behind one lock, with retried transactions answered by their token.

    `routes` maps extra paths to `handler(environ, start_response, lock)` (bench/lambda_load.py
    adds its outbox and counters). Returns the app, its lock and its counters: `transactions`
    applied by token and `transactionReplays` answered without applying.
    """
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()
    applied = set()  # ClientRequestTokens of transactions moto applied
    counts = {"transactions": 0, "transactionReplays": 0}

    def serial(environ, start_response):
        extra = (routes or {}).get(environ.get("PATH_INFO"))
        if extra is not None:
            return extra(environ, start_response, lock)
        token = transaction_token(environ)
        with lock:
            if token is not None and token in applied:
                counts["transactionReplays"] += 1
                body = b"{}"
                start_response("200 OK", [("content-type", "application/x-amz-json-1.0"),
                                          ("content-length", str(len(body)))])
                return [body]
            status = []

            def capture(s, headers, exc_info=None):
                status.append(s)
                return start_response(s, headers, exc_info)
            # Materialise the body inside the lock: the backend work happens while it is produced.
            out = list(app(environ, capture))
            if token is not None and status and status[0].startswith("200"):
                applied.add(token)
                counts["transactions"] += 1
            return out

    return serial, lock, counts


def transaction_token(environ):
    """The ClientRequestToken of a TransactWriteItems call (its body is put back for moto)."""
    if not environ.get("HTTP_X_AMZ_TARGET", "").endswith(".TransactWriteItems"):
        return None
    raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(raw)
    try:
        return json.loads(raw).get("ClientRequestToken")
    except ValueError:
        return None


if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    os.environ.setdefault("MOTO_PORT", str(port))  # as moto_server does: URLs it builds use it
    run_simple(host, port, serial_app()[0], threaded=True, use_reloader=False,
               request_handler=MotoRequestHandler)

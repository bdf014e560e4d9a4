#!/usr/bin/env python3
"""moto's server with one request handled at a time.

DynamoDB makes every conditional write and every TransactWriteItems call atomic. moto's stock
server runs requests on parallel threads without a lock, so two concurrent transactions can both
pass their conditions (seen here: two accounts for one handle in 1 of 6 runs of the 20-way
register race). Serialising requests behind one lock restores the guarantee the production
store gives, while clients stay as concurrent as before (threads and keep-alive are kept).

usage: moto_serial.py HOST PORT
"""
import os
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault("MOTO_PORT", str(port))  # as moto_server does: URLs it builds use it
app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def serial(environ, start_response):
    with lock:
        # Materialise the body inside the lock: the backend work happens while it is produced.
        return list(app(environ, start_response))


run_simple(host, port, serial, threaded=True, use_reloader=False, request_handler=MotoRequestHandler)

#!/usr/bin/env python3
"""Writes a synthetic CosyncJWT `mongoexport` directory for import figures (never committed):
`apps.jsonl` (one app, its RSA key as plain base64 of the PEM, as the original stored it without
ENCRYPT_KEY, and an app token) and `users.jsonl` with N users.

    ~/.cache/keyturn-tools/venv/bin/python bench/cosync_export.py 10000 /tmp/cosync-10k

Every user has the same bcrypt(md5("password")) hash (cost 10, PyPI `bcrypt`): the import stores
hashes as they are, so hashing each would only slow this script. Every 5th user has a userName,
every 10th an authenticator secret (on), every 50th is suspended; all have metadata, a locale,
createdAt and lastLogin, like the original's records. Needs PyPI `cryptography` and `bcrypt`
(both in the tools venv).
"""
import base64
import hashlib
import json
import pathlib
import sys

import bcrypt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
out = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else f"/tmp/cosync-{n}")
out.mkdir(parents=True, exist_ok=True)
app_id = hashlib.md5(f"synthetic-{n}".encode()).hexdigest()

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                        serialization.NoEncryption())
b64u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
token = ".".join([b64u(b'{"alg":"RS256","typ":"JWT"}'),
                  b64u(json.dumps({"appId": app_id, "scope": "app", "iat": 1650000000}).encode()),
                  b64u(b"signature-of-the-original-server")])
app = {"_id": {"$oid": "6" * 24}, "appId": app_id, "name": f"Synthetic {n}", "status": "active",
       "appPrivateKey": base64.b64encode(pem).decode(), "appToken": token,
       "signupEnabled": True, "signupFlow": "code", "userNamesEnabled": True,
       "anonymousLoginEnabled": True, "twoFactorVerification": "google", "googleAppName": "Synth",
       "userJWTExpiration": 24, "realmAppId": "synthetic-realm", "locales": ["EN"],
       "metaData": [{"id": "1", "path": "plan", "fieldName": "plan", "required": False,
                     "canEdit": True}], "metaDataEmail": True}
(out / "apps.jsonl").write_text(json.dumps(app, separators=(",", ":")) + "\n")

md5 = hashlib.md5(b"password").hexdigest()
password = bcrypt.hashpw(md5.encode(), bcrypt.gensalt(10)).decode()
with open(out / "users.jsonl", "w") as f:
    for i in range(n):
        doc = {"_id": {"$oid": f"{i:024x}"}, "appId": app_id, "handle": f"user{i}@example.com",
               "password": password, "status": "suspend" if i % 50 == 49 else "active",
               "locale": "EN", "loginProvider": "", "metaData": {"plan": "pro", "n": str(i)},
               "twoFactorPhoneVerification": False, "twoFactorGoogleVerification": i % 10 == 0,
               "createdAt": {"$date": "2022-03-04T05:06:07.089Z"},
               "lastLogin": {"$date": "2024-05-06T07:08:09.000Z"}, "__v": 0}
        if i % 5 == 0:
            doc["userName"] = f"user{i}"
        if i % 10 == 0:
            doc["googleSecretKey"] = "jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp"
        f.write(json.dumps(doc, separators=(",", ":")) + "\n")
print(f"{out}: app {app_id}, {n} users (password: 'password')")

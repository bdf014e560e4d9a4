"""Passkeys in a real browser: the distribution's Chromium, driven by Playwright, with the
DevTools virtual authenticator (`WebAuthn.enable`, `WebAuthn.addVirtualAuthenticator`: an
internal, user-verifying platform authenticator), against a running `keyturn serve`
(tests/browser/run.sh starts one).

    KEYTURN_ADMIN_KEY=<admin key> passkey_test.py <base url>

A small test page on a loopback origin (`http://localhost:<port>`, the server's own port, the
page itself answered by Playwright) calls `navigator.credentials.create` and `.get` with the
options of `passkey/registerBegin` and `passkey/loginBegin`, and posts `credential.toJSON()` to
the finish routes: what a web client of Keyturn does. Checked: a user adds a passkey after a
password login, signs in with it alone, and the session works; the virtual authenticator holds
one discoverable credential; a replayed finish is 640; passkeys off is 417.
"""

import urllib.parse

from playwright.sync_api import sync_playwright

from support import BASE, CHROMIUM, KEY, PW, api

PORT = urllib.parse.urlparse(BASE).port
ORIGIN = f"http://localhost:{PORT}"
PAGE = f"{ORIGIN}/passkey-test-page"

# The test page: two functions a web client of Keyturn would have.
HTML = """<!doctype html><meta charset="utf-8"><title>passkeys</title><script>
async function call(path, headers, body) {
  const r = await fetch(path, {method: "POST", headers: {"content-type": "application/json", ...headers},
                               body: JSON.stringify(body || {})});
  return {status: r.status, body: await r.json()};
}
async function addPasskey(access) {
  const begin = await call("/api/appuser/passkey/registerBegin", {"access-token": access});
  if (begin.status !== 200) return begin;
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(begin.body.publicKey);
  const credential = await navigator.credentials.create({publicKey});
  return call("/api/appuser/passkey/registerComplete", {"access-token": access},
              {credential: credential.toJSON(), name: "Chromium"});
}
async function signIn(appToken, replay) {
  const begin = await call("/api/appuser/passkey/loginBegin", {"app-token": appToken});
  if (begin.status !== 200) return begin;
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(begin.body.publicKey);
  const credential = (await navigator.credentials.get({publicKey})).toJSON();
  const first = await call("/api/appuser/passkey/loginComplete", {"app-token": appToken}, {credential});
  if (!replay) return first;
  const second = await call("/api/appuser/passkey/loginComplete", {"app-token": appToken}, {credential});
  return {first, second};
}
</script><p>passkey test page</p>"""


def main():
    status, app = api("POST", "/admin/apps", {
        "name": "Passkey browser test", "signupFlow": "none",
        "allowedOrigins": [ORIGIN], "passkeysEnabled": True,
        "passkeyRpId": "localhost", "passkeyOrigins": [ORIGIN]})
    assert status == 200, app
    app_token = app["appToken"]
    status, off = api("POST", "/admin/apps", {
        "name": "Passkeys off", "signupFlow": "none", "allowedOrigins": [ORIGIN]})
    assert status == 200, off
    status, session = api("POST", "/api/appuser/signup",
                          {"handle": "pat@example.com", "password": PW},
                          {"app-token": app_token})
    assert status == 200, session

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        problems = []
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.route(PAGE, lambda route: route.fulfill(status=200, content_type="text/html",
                                                     body=HTML))
        page.goto(PAGE)
        cdp = page.context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True,
            "automaticPresenceSimulation": True}})["authenticatorId"]

        added = page.evaluate("(a) => addPasskey(a)", session["access-token"])
        assert added["status"] == 200, added
        assert added["body"]["name"] == "Chromium", added
        held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        assert len(held["credentials"]) == 1, held
        assert held["credentials"][0]["isResidentCredential"] is True, held
        assert held["credentials"][0]["rpId"] == "localhost", held

        signed_in = page.evaluate("(t) => signIn(t, true)", app_token)
        assert signed_in["first"]["status"] == 200, signed_in
        assert signed_in["second"]["status"] == 400, signed_in
        assert signed_in["second"]["body"]["code"] == 640, signed_in
        fresh = signed_in["first"]["body"]
        status, profile = api("GET", "/api/appuser/getUser", None,
                              {"access-token": fresh["access-token"]})
        assert status == 200 and profile["handle"] == "pat@example.com", profile
        assert fresh["jwt"].count(".") == 2, fresh

        refused = page.evaluate("(t) => signIn(t, false)", off["appToken"])
        assert refused["status"] == 400 and refused["body"]["code"] == 417, refused
        assert not problems, problems
        browser.close()
    print("passkeys in Chromium: registered, signed in, replay refused, passkeys off refused")


if __name__ == "__main__":
    main()

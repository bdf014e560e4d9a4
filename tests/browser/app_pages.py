"""The console's pages of one app in a real browser (called by console_test.py): a metadata
field added on the JWT page reaching a real user's JWT, the user panel and its actions, invites,
the three key steps with a JWT verified against the linked JWKS at each, a template whose
markup and scripts stay inert in the preview, and the audit trail, newest first, filtered and
paged. Every change is checked through the API, not only on the page.
"""

import json
import urllib.request

from playwright.sync_api import expect

from support import BASE, KEY, PW, Watch, api, b64url, claims_of, shot, sign_in, verifies

XSS_META = '<img src=x onerror="window.__xss=4">'
# A template whose image handler and script would mark the frame's body if they ever ran.
XSS_TEMPLATE = ('<p>Hello %HANDLE% from %APP_NAME%</p>'
                '<img src="data:," onerror="document.body.dataset.xss=1">'
                '<script>document.body.dataset.xss=2</script>')


def login(app, handle):
    status, session = api("POST", "/api/appuser/login", {"handle": handle, "password": PW},
                          {"app-token": app["appToken"]})
    assert status == 200, session
    return session["jwt"]


def linked(page, name):
    """The JSON a link of the Keys page leads to, fetched as a JWT consumer does (no key)."""
    href = page.get_by_role("link", name=name, exact=True).get_attribute("href")
    assert href.startswith(BASE + "/apps/"), href
    with urllib.request.urlopen(href, timeout=10) as r:
        return json.load(r)


def kid_of(jwt):
    return json.loads(b64url(jwt.split(".")[0]))["kid"]


def kid_text(page, label):
    return page.locator(f"[data-kid={label}]").inner_text()


def app_pages(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    watch = Watch(page)
    invite_fields = [{"path": "team", "fieldName": "team", "required": False, "canEdit": False}]
    status, app = api("POST", "/admin/apps", {"name": "Pages Demo", "signupFlow": "none",
                                              "invitationEnabled": True, "locales": ["EN", "FR"],
                                              "metaDataInvite": invite_fields})
    assert status == 200, app
    app_id = app["appId"]
    console = f"{BASE}/admin/console#/apps/{app_id}"
    status, kim = api("POST", "/api/appuser/signup", {"handle": "kim@example.com", "password": PW},
                      {"app-token": app["appToken"]})
    assert status == 200 and "user_data" not in claims_of(kim["jwt"]), kim
    page.goto(BASE + "/admin/console")
    sign_in(page, KEY)
    expect(page.get_by_role("heading", name="Apps", exact=True)).to_be_visible()

    # A metadata field added on the JWT page: the next login's JWT carries the claim.
    page.goto(f"{console}/jwt")
    meta = page.locator("[data-setting=metaData]")
    meta.get_by_role("button", name="Add field").click()
    meta.locator(".meta-path").last.fill("user_data.name")
    meta.locator(".meta-name").last.fill("name")
    meta.locator(".meta-canedit").last.check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#status")).to_contain_text("Saved metaData")
    status, _ = api("POST", "/api/appuser/setUserMetadata", {"metaData": {"user_data": {"name": "Kim"}}},
                    {"access-token": kim["access-token"]})
    assert status == 200
    assert claims_of(login(app, "kim@example.com"))["user_data"] == {"name": "Kim"}
    status, _ = api("POST", "/api/appuser/signup",
                    {"handle": "ann@example.com", "password": PW, "metaData": {"user_data": {"name": XSS_META}}},
                    {"app-token": app["appToken"]})
    assert status == 200

    # The user panel: the facts, metadata holding markup shown as text, and the actions.
    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name="ann@example.com").click()
    expect(page.get_by_role("heading", name="User ann@example.com")).to_be_visible()
    expect(page.locator("[data-fact=Provider]")).to_have_text("password")
    expect(page.locator("[data-fact='Second factors']")).to_have_text("none")
    expect(page.locator("[data-fact=Phone]")).to_have_text("none")
    assert json.loads(page.locator("#user-metadata").inner_text()) == {"user_data": {"name": XSS_META}}
    assert page.locator("img").count() == 0 and page.evaluate("window.__xss") is None
    shot(page, "11-user-panel")
    ann_jwt = login(app, "ann@example.com")
    status, access = api("POST", "/api/appuser/login", {"handle": "ann@example.com", "password": PW},
                         {"app-token": app["appToken"]})
    token = {"access-token": access["access-token"]}
    assert api("GET", "/api/appuser/getUser", None, token)[0] == 200
    page.get_by_role("button", name="Revoke sessions").click()
    expect(page.locator("#status")).to_have_text("Every session of this user ended.")
    assert api("GET", "/api/appuser/getUser", None, token)[0] != 200, "the session still works"
    page.get_by_role("button", name="Reset 2FA").click()
    expect(page.locator("#status")).to_have_text("Both second factors are off; the user was mailed.")
    page.get_by_role("button", name="Suspend").click()
    expect(page.locator("[data-fact=Status]")).to_have_text("suspended")
    ann_id = claims_of(ann_jwt)["sub"]
    status, ann = api("GET", f"/admin/apps/{app_id}/users/{ann_id}")
    assert ann["status"] == "suspended", ann
    confirm = page.get_by_role("button", name="Delete this user")
    expect(confirm).to_be_disabled()
    page.get_by_label("Type the handle to confirm").fill("ann@example.co")
    expect(confirm).to_be_disabled()
    page.get_by_label("Type the handle to confirm").fill("ann@example.com")
    confirm.click()
    expect(page.locator("#status")).to_have_text("Deleted ann@example.com.")
    expect(page.locator("td.user-handle")).to_have_text(["kim@example.com"])
    assert api("GET", f"/admin/apps/{app_id}/users/{ann_id}")[0] != 200

    # Invites: create with metadata and locale, listed as the API lists it, then revoked.
    page.get_by_role("link", name="Invites", exact=True).click()
    expect(page.get_by_role("heading", name="Invites")).to_be_visible()
    page.get_by_label("Handle", exact=True).fill("bob@example.com")
    page.get_by_label("Metadata", exact=True).fill('{"team": "<b>blue</b>"}')
    page.get_by_label("Locale", exact=True).fill("FR")
    page.get_by_role("button", name="Send invite").click()
    expect(page.locator("#status")).to_have_text("Invited bob@example.com.")
    row = page.locator("tr[data-invite='bob@example.com']")
    expect(row).to_contain_text('{"team":"<b>blue</b>"}')
    status, listed = api("GET", f"/admin/apps/{app_id}/invites")
    assert [(i["handle"], i["locale"], i["metaData"]) for i in listed["invites"]] == [
        ("bob@example.com", "FR", {"team": "<b>blue</b>"})], listed
    assert page.locator("tr[data-invite] b").count() == 0
    shot(page, "12-invites")
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("#status")).to_have_text("Revoked the invite to bob@example.com.")
    expect(row).to_have_count(0)
    assert api("GET", f"/admin/apps/{app_id}/invites")[1]["invites"] == []

    # Keys: each step's button only when the runbook allows it; a JWT verified against the
    # JWKS the page links to at every step.
    page.get_by_role("link", name="Keys", exact=True).click()
    rotate, activate, retire = (page.get_by_role("button", name=n, exact=True)
                                for n in ("Rotate", "Activate", "Retire"))
    expect(rotate).to_be_enabled()
    expect(activate).to_be_disabled()
    expect(retire).to_be_disabled()
    old = login(app, "kim@example.com")
    old_kid = kid_text(page, "Signing")
    assert verifies(old, linked(page, "JWKS")) and kid_of(old) == old_kid
    assert linked(page, "Discovery document")["jwks_uri"] == BASE + f"/apps/{app_id}/.well-known/jwks.json"
    rotate.click()
    expect(activate).to_be_enabled()
    expect(rotate).to_be_disabled()
    staged = kid_text(page, "Staged")
    expect(page.locator("#status")).to_have_text(f"Staged {staged}.")
    jwks = linked(page, "JWKS")
    assert {k["kid"] for k in jwks["keys"]} == {old_kid, staged}
    assert verifies(old, jwks) and verifies(login(app, "kim@example.com"), jwks)
    shot(page, "13-keys-staged")
    activate.click()
    expect(retire).to_be_enabled()
    expect(page.locator("[data-kid=Signing]")).to_have_text(staged)
    expect(page.locator("[data-kid=Previous]")).to_have_text(old_kid)
    new = login(app, "kim@example.com")
    assert kid_of(new) == staged
    jwks = linked(page, "JWKS")
    assert verifies(old, jwks) and verifies(new, jwks)
    retire.click()
    expect(retire).to_be_disabled()
    expect(page.locator("[data-kid=Previous]")).to_have_text("none")
    jwks = linked(page, "JWKS")
    assert [k["kid"] for k in jwks["keys"]] == [staged]
    assert verifies(new, jwks) and not verifies(old, jwks)
    status, view = api("GET", f"/admin/apps/{app_id}/keys")
    assert view == {"currentKid": staged, "stagedKid": None, "previousKids": []}, view
    shot(page, "14-keys")

    # Enough history for a second page of the audit trail: eight stores and removals.
    for n in range(8):
        sms = f"/admin/apps/{app_id}/templates/EN/sms"
        assert api("PUT", sms, {"text": f"%CODE% ({n})"})[0] == 200
        assert api("DELETE", sms)[0] == 200

    # Templates: placeholders listed, a template holding an image handler and a script is
    # previewed in the sandboxed frame without either running, then stored and reset.
    page.get_by_role("link", name="Templates", exact=True).click()
    expect(page.locator("#template-state")).to_have_text("The built-in default.")
    expect(page.locator("#placeholders")).to_contain_text("%CODE%")
    watch.expect_blocked_scripts()
    page.get_by_label("html", exact=True).fill(XSS_TEMPLATE)
    preview = page.frame_locator("#preview-html")
    expect(preview.locator("p")).to_have_text("Hello user@example.com from Pages Demo")
    assert preview.locator("body").get_attribute("data-xss") is None
    page.get_by_role("button", name="Save template").click()
    expect(page.locator("#template-state")).to_have_text("The app's own template.")
    status, stored = api("GET", f"/admin/apps/{app_id}/templates/EN/signUp")
    assert stored["html"] == XSS_TEMPLATE and stored["custom"] is True, stored
    expect(preview.locator("p")).to_have_text("Hello user@example.com from Pages Demo")
    assert preview.locator("body").get_attribute("data-xss") is None
    assert page.evaluate("window.__xss") is None
    shot(page, "15-templates")
    page.get_by_role("button", name="Use the default").click()
    expect(page.locator("#template-state")).to_have_text("The built-in default.")
    assert api("GET", f"/admin/apps/{app_id}/templates/EN/signUp")[1]["custom"] is False

    # Audit: newest first (the template reset on top), one user's entries, and paging.
    page.get_by_role("link", name="Audit", exact=True).click()
    events = page.locator("td.audit-event")
    expect(events.first).to_have_text("admin.template.removed")
    status, first = api("GET", f"/admin/apps/{app_id}/audit?limit=25")
    expect(events).to_have_text([e["event"] for e in first["entries"]])
    shot(page, "16-audit")
    assert first["cursor"], f"more than one page of entries: {len(first['entries'])}"
    status, second = api("GET", f"/admin/apps/{app_id}/audit?limit=25&cursor={first['cursor']}")
    page.get_by_role("button", name="Next page").click()
    expect(page.get_by_text("Page 2")).to_be_visible()
    expect(events).to_have_text([e["event"] for e in second["entries"]])
    page.get_by_role("button", name="Previous page").click()
    expect(page.get_by_text("Page 1")).to_be_visible()
    expect(events).to_have_text([e["event"] for e in first["entries"]])
    page.get_by_label("User id").fill(ann_id)
    page.get_by_role("button", name="Filter").click()
    status, ann_trail = api("GET", f"/admin/apps/{app_id}/audit?userId={ann_id}")
    assert ann_trail["entries"], "ann's entries"
    expect(events).to_have_text([e["event"] for e in ann_trail["entries"]])
    assert all(KEY not in r.url for r in watch.requests), "the key in a URL"
    assert all(KEY not in text for _, text in watch.console), "the key in the console"
    context.close()
    return watch.verdict()

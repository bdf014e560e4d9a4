"""The developer console in a real browser: Chromium from the distribution, driven by
Playwright, against a running `keyturn serve` (tests/browser/run.sh starts one).

    KEYTURN_ADMIN_KEY=<admin key> console_test.py <base url> <output dir>

One journey through the page as a developer uses it, checked against the admin API (urllib),
plus the attacks the page must withstand. The run fails on any console error, page error,
failed request, CSP violation (`securitypolicyviolation`) or error response the journey did not
provoke on purpose. Screenshots of each page go to the output directory.
"""

import json
import os
import sys

from playwright.sync_api import expect, sync_playwright

import app_pages
from support import BASE, CHROMIUM, KEY, OUT, PW, XSS_FIELD, XSS_NAME, Watch, api, app_by_name, setting, shot, sign_in


def journey(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    watch = Watch(page)
    page.goto(BASE + "/admin/console")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "01-sign-in")

    # A wrong key is refused, and nothing behind it is shown.
    watch.expect_error(401)
    sign_in(page, "not-the-key-" + "x" * 32)
    expect(page.get_by_text("The admin key was refused.")).to_be_visible()
    expect(page.locator("#nav")).to_be_hidden()
    shot(page, "02-wrong-key")

    sign_in(page, KEY)
    expect(page.get_by_role("heading", name="Apps", exact=True)).to_be_visible()

    # Create an app: its token is shown once, and is the app's.
    page.get_by_label("Name", exact=True).fill("Console Demo")
    page.get_by_role("button", name="Create").click()
    secret = page.locator("[data-secret=app-token]")
    expect(secret).to_be_visible()
    demo = app_by_name("Console Demo")
    status, full = api("GET", f"/admin/apps/{demo['appId']}")
    assert secret.inner_text() == full["appToken"], "the shown token is the app's"
    expect(page.locator(f"tr[data-app-id='{demo['appId']}']")).to_be_visible()
    shot(page, "03-app-created")

    # An app named with markup is listed as text.
    page.get_by_label("Name", exact=True).fill(XSS_NAME)
    page.get_by_role("button", name="Create").click()
    expect(page.locator("td.app-name", has_text=XSS_NAME)).to_have_text(XSS_NAME)
    assert page.locator("img").count() == 0 and page.evaluate("window.__xss") is None

    # JWT settings: a value out of range is refused beside its field...
    page.locator(f"tr[data-app-id='{demo['appId']}']").get_by_role("link", name="JWT settings").click()
    expect(page.get_by_role("heading", name="JWT settings of Console Demo")).to_be_visible()
    setting(page, "signupFlow").select_option("link")
    setting(page, "invitationEnabled").check()
    setting(page, "twoFactorVerification").select_option("google")
    setting(page, "googleAppName").fill("Demo Co")
    setting(page, "userJWTExpiration").fill("0")
    watch.expect_error(400)
    page.get_by_role("button", name="Save").click()
    error = page.locator("[data-setting=userJWTExpiration] .error")
    expect(error).to_contain_text("userJWTExpiration must be 1..=8760")
    shot(page, "04-jwt-field-error")
    # ...and the rest is saved once it is fixed.
    setting(page, "userJWTExpiration").fill("48")
    setting(page, "accessTokenExpiration").fill("12")
    setting(page, "realmAppId").fill("realm-demo")
    setting(page, "locales").fill("EN, FR")
    setting(page, "allowedOrigins").fill("https://app.example.com")
    setting(page, "passwordMinLength").fill("10")
    setting(page, "anonymousLoginEnabled").check()
    setting(page, "auditRetentionDays").fill("30")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#status")).to_contain_text("Saved")
    status, app = api("GET", f"/admin/apps/{demo['appId']}")
    for name, value in {"signupFlow": "link", "invitationEnabled": True,
                        "twoFactorVerification": "google", "googleAppName": "Demo Co",
                        "userJWTExpiration": 48, "accessTokenExpiration": 12,
                        "realmAppId": "realm-demo", "locales": ["EN", "FR"],
                        "allowedOrigins": ["https://app.example.com"], "passwordMinLength": 10,
                        "anonymousLoginEnabled": True, "auditRetentionDays": 30}.items():
        assert app[name] == value, (name, app[name], value)

    # A metadata field, and the claims it puts in the JWT, live.
    meta = page.locator("[data-setting=metaData]")
    meta.get_by_role("button", name="Add field").click()
    meta.locator(".meta-path").last.fill("user_data.name")
    meta.locator(".meta-name").last.fill("name")
    meta.locator(".meta-required").last.check()
    meta.get_by_role("button", name="Add field").click()
    meta.locator(".meta-path").last.fill("profile.nick")
    meta.locator(".meta-name").last.fill(XSS_FIELD)
    claims = json.loads(page.locator("#claims-preview").inner_text())
    assert claims["user_data"] == {"name": "<name>"}, claims
    assert claims["profile"] == {"nick": f"<{XSS_FIELD}>"}, claims
    assert claims["aud"] == "realm-demo" and claims["exp"] - claims["iat"] == 48 * 3600, claims
    assert claims["email"] and claims["iss"] == app["issuer"], claims
    assert page.locator("img").count() == 0
    shot(page, "05-metadata-preview")
    # A path over a registered claim: the preview says so, and the API's 604 lands beside it.
    meta.get_by_role("button", name="Add field").click()
    meta.locator(".meta-path").last.fill("amr")
    meta.locator(".meta-name").last.fill("x")
    expect(page.locator("#claims-notes")).to_contain_text("registered claim")
    watch.expect_error(400)
    page.get_by_role("button", name="Save").click()
    expect(meta.locator(".error").last).to_contain_text("registered claim")
    meta.get_by_role("button", name="Remove field").last.click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#status")).to_contain_text("Saved metaData")
    status, app = api("GET", f"/admin/apps/{demo['appId']}")
    assert app["metaData"] == [
        {"path": "user_data.name", "fieldName": "name", "required": True, "canEdit": False},
        {"path": "profile.nick", "fieldName": XSS_FIELD, "required": False, "canEdit": False},
    ], app["metaData"]
    # The Twilio account is write-only: a bad token is refused beside its field; once set,
    # the page says a token is set and shows it nowhere.
    twilio_token = "0123456789abcdef" * 2
    page.get_by_label("accountSid").fill("AC" + "0" * 32)
    page.get_by_label("authToken").fill("not-hex")
    page.get_by_label("phoneNumber").fill("+447911123456")
    watch.expect_error(400)
    page.get_by_role("button", name="Set Twilio account").click()
    expect(page.locator("form[aria-label='Twilio account'] .field .error").nth(1)).to_contain_text("authToken")
    page.get_by_label("authToken").fill(twilio_token)
    page.get_by_role("button", name="Set Twilio account").click()
    expect(page.locator("#twilio-state")).to_have_text("An auth token is set.")
    expect(page.get_by_label("authToken")).to_have_value("")
    status, app = api("GET", f"/admin/apps/{demo['appId']}")
    assert app["twilio"] == {"accountSid": "AC" + "0" * 32, "phoneNumber": "+447911123456",
                             "authTokenSet": True}, app["twilio"]
    assert twilio_token not in page.content()
    # Reloaded from the API, the stored markup is still text.
    page.wait_for_load_state("networkidle")  # a reload aborts a listing still in flight
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # the key was forgotten
    sign_in(page, KEY)
    page.goto(f"{BASE}/admin/console#/apps/{demo['appId']}/jwt")
    expect(page.locator("#claims-preview")).to_contain_text("profile")
    claims = json.loads(page.locator("#claims-preview").inner_text())
    assert claims["profile"] == {"nick": f"<{XSS_FIELD}>"}, claims
    assert page.locator("img").count() == 0 and page.evaluate("window.__xss") is None
    shot(page, "06-jwt-settings")

    # Rotate the app token with a grace period: the new one is shown once, both work.
    old_token = app["appToken"]
    page.get_by_role("link", name="← Apps").click()
    page.locator(f"tr[data-app-id='{demo['appId']}']").get_by_role("button", name="Rotate app token").click()
    page.get_by_label("Grace (seconds)").fill("600")
    page.get_by_role("button", name="Rotate", exact=True).click()
    expect(page.locator("[data-secret=app-token]")).to_be_visible()
    new_token = page.locator("[data-secret=app-token]").inner_text()
    assert new_token != old_token
    for token in (old_token, new_token):
        status, _ = api("GET", "/api/appuser/getApplication", headers={"app-token": token})
        assert status == 200, (status, token == new_token)
    expect(page.get_by_text("The previous token works until")).to_be_visible()
    shot(page, "07-token-rotated")

    # Users: find one by prefix, suspend and reactivate.
    status, users_app = api("POST", "/admin/apps", {"name": "Users Demo", "signupFlow": "none"})
    for handle in ("ann@example.com", "bob@example.com"):
        status, _ = api("POST", "/api/appuser/signup", {"handle": handle, "password": PW},
                        {"app-token": users_app["appToken"]})
        assert status == 200
    page.goto(f"{BASE}/admin/console#/apps/{users_app['appId']}/users")
    expect(page.locator("td.user-handle")).to_have_count(2)
    page.get_by_label("Handle starts with").fill("ann")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("td.user-handle")).to_have_count(1)
    page.get_by_role("button", name="Suspend").click()
    expect(page.locator("td.user-status")).to_have_text("suspended")
    status, listed = api("GET", f"/admin/apps/{users_app['appId']}/users?search=ann")
    assert listed["users"][0]["status"] == "suspended", listed
    shot(page, "08-users")
    page.get_by_role("button", name="Reactivate").click()
    expect(page.locator("td.user-status")).to_have_text("active")

    # Delete, only once the name is typed; the 202 loop runs to the end.
    page.get_by_role("link", name="← Apps").click()
    row = page.locator(f"tr[data-app-id='{users_app['appId']}']")
    row.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("button", name="Delete this app and everything in it")
    expect(confirm).to_be_disabled()
    page.get_by_label("Type the app's name to confirm").fill("Users Dem")
    expect(confirm).to_be_disabled()
    page.get_by_label("Type the app's name to confirm").fill("Users Demo")
    page.get_by_label("Items per call").fill("1")  # one item a call: the 202 loop runs
    confirm.click()
    expect(page.get_by_text("Deleted Users Demo.")).to_be_visible()
    expect(row).to_have_count(0)
    status, _ = api("GET", f"/admin/apps/{users_app['appId']}")
    assert status >= 400, status
    deletes = [st for m, st, u in watch.answers if m == "DELETE" and users_app["appId"] in u]
    assert deletes[-1] == 200 and deletes.count(202) >= 2, deletes
    shot(page, "09-deleted")

    # Narrow window: still readable, the actions still reachable.
    page.set_viewport_size({"width": 400, "height": 800})
    expect(page.locator(f"tr[data-app-id='{demo['appId']}']").get_by_role("button", name="Delete")).to_be_visible()
    shot(page, "10-narrow")

    # The key was never in a URL, in storage or in the console.
    assert all(KEY not in r.url for r in watch.requests), "the key in a URL"
    assert KEY not in page.url
    assert KEY not in page.evaluate("JSON.stringify(localStorage)")
    assert KEY not in page.evaluate("JSON.stringify(sessionStorage)")
    assert all(KEY not in text for _, text in watch.console), "the key in the console"
    assert all(r.headers.get("authorization") in (None, f"Bearer {KEY}", "Bearer not-the-key-" + "x" * 32)
               for r in watch.requests), "an authorization header other than the typed ones"
    context.close()
    return watch.verdict()


def remembered(browser):
    """Ticking "remember for this tab" keeps the key in sessionStorage only; sign-out drops it."""
    context = browser.new_context()
    page = context.new_page()
    watch = Watch(page)
    page.goto(BASE + "/admin/console")
    sign_in(page, KEY, remember=True)
    expect(page.get_by_role("heading", name="Apps", exact=True)).to_be_visible()
    assert KEY in page.evaluate("JSON.stringify(sessionStorage)")
    assert KEY not in page.evaluate("JSON.stringify(localStorage)")
    page.wait_for_load_state("networkidle")  # a reload aborts a listing still in flight
    page.reload()
    expect(page.get_by_role("heading", name="Apps", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert KEY not in page.evaluate("JSON.stringify(sessionStorage)")
    # A remembered key the server no longer takes (rotated meanwhile) is dropped at its first
    # refusal, and the page asks for the key again.
    sign_in(page, KEY, remember=True)
    expect(page.get_by_role("heading", name="Apps", exact=True)).to_be_visible()
    page.evaluate("sessionStorage.setItem('keyturn.adminKey', 'rotated-' + 'y'.repeat(32))")
    watch.expect_error(401)
    page.wait_for_load_state("networkidle")  # a reload aborts a listing still in flight
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("form[aria-label='Sign in'] .error")).to_have_text("The admin key was refused.")
    assert page.evaluate("sessionStorage.length") == 0
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert KEY not in page.evaluate("JSON.stringify(sessionStorage)")
    context.close()
    return watch.verdict()


def framed(browser):
    """Another page cannot frame the console (clickjacking): the frame stays empty."""
    context = browser.new_context()
    page = context.new_page()
    # The control: a response without the console's headers (the JSON document) does load in
    # the same kind of frame, so an empty console frame is the headers' doing.
    page.set_content(f'<iframe id="f" src="{BASE}/admin/console"></iframe>'
                     f'<iframe id="g" src="{BASE}/openapi.json"></iframe>')
    control = page.frame_locator("#g").locator("body")
    expect(control).to_contain_text("openapi")
    page.wait_for_timeout(1000)
    loaded = page.frame_locator("#f").locator("#main").count()
    context.close()
    return [] if loaded == 0 else ["the console loaded inside a frame"]


def main():
    os.makedirs(OUT, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"])
        try:
            problems = (journey(browser) + app_pages.app_pages(browser) + remembered(browser)
                        + framed(browser))
        finally:
            browser.close()
    for p in problems:
        print("FAIL:", p, file=sys.stderr)
    print(f"console browser suite: {'failed' if problems else 'passed'}; screenshots in {OUT}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

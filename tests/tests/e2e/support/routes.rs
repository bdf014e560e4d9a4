//! The public API's paths, each written once, and one `TestApp` method per route with the
//! credential that route takes: suites name what they call, not how its path is spelled. A suite
//! that needs an unusual request (a form body, a wrong token carrier, a chosen client address)
//! sends it to the same constant.

use serde_json::{Value, json};

use super::app::{Resp, TestApp, TestAppInfo};
use super::flows::app_token;

pub const SIGNUP: &str = "/api/appuser/signup";
pub const COMPLETE_SIGNUP: &str = "/api/appuser/completeSignup";
pub const LOGIN: &str = "/api/appuser/login";
pub const LOGIN_COMPLETE: &str = "/api/appuser/loginComplete";
pub const LOGIN_ANONYMOUS: &str = "/api/appuser/loginAnonymous";
pub const FORGOT_PASSWORD: &str = "/api/appuser/forgotPassword";
pub const RESET_PASSWORD: &str = "/api/appuser/resetPassword";
pub const CHANGE_PASSWORD: &str = "/api/appuser/changePassword";
pub const DELETE_ACCOUNT: &str = "/api/appuser/deleteAccount";
pub const GET_APPLICATION: &str = "/api/appuser/getApplication";
pub const GET_USER: &str = "/api/appuser/getUser";
pub const SET_USER_METADATA: &str = "/api/appuser/setUserMetadata";
pub const SET_LOCALE: &str = "/api/appuser/setLocale";
pub const SET_USER_NAME: &str = "/api/appuser/setUserName";
pub const USER_NAME_AVAILABLE: &str = "/api/appuser/userNameAvailable";
pub const INVITE: &str = "/api/appuser/invite";
pub const REGISTER: &str = "/api/appuser/register";
pub const REVOKE_INVITE: &str = "/api/appuser/revokeInvite";
pub const SET_PHONE: &str = "/api/appuser/setPhone";
pub const VERIFY_PHONE: &str = "/api/appuser/verifyPhone";
pub const SET_TWO_FACTOR_GOOGLE: &str = "/api/appuser/setTwoFactorGoogleVerification";
pub const SET_TWO_FACTOR_PHONE: &str = "/api/appuser/setTwoFactorPhoneVerification";
pub const UNDO_TWO_FACTOR: &str = "/api/appuser/undoTwoFactor";
pub const SOCIAL_LOGIN: &str = "/api/appuser/socialLogin";
pub const SOCIAL_SIGNUP: &str = "/api/appuser/socialSignup";
pub const LINK_SOCIAL_ACCOUNT: &str = "/api/appuser/linkSocialAccount";
pub const PASSKEY_REGISTER_BEGIN: &str = "/api/appuser/passkey/registerBegin";
pub const PASSKEY_REGISTER_COMPLETE: &str = "/api/appuser/passkey/registerComplete";
pub const PASSKEY_LOGIN_BEGIN: &str = "/api/appuser/passkey/loginBegin";
pub const PASSKEY_LOGIN_COMPLETE: &str = "/api/appuser/passkey/loginComplete";
pub const PASSKEYS: &str = "/api/appuser/passkeys";
pub const PASSKEY_RENAME: &str = "/api/appuser/passkey/rename";
pub const PASSKEY_REMOVE: &str = "/api/appuser/passkey/remove";
/// The admin API's app collection; [`TestAppInfo::admin_path`] builds the paths below one app.
pub const ADMIN_APPS: &str = "/admin/apps";

impl TestAppInfo {
    /// `/admin/apps/{appId}` followed by `rest` (empty, or starting with `/` or `?`), so admin
    /// paths are spelled in one place.
    pub fn admin_path(&self, rest: &str) -> String {
        format!("{ADMIN_APPS}/{}{rest}", self.app_id)
    }
}

impl TestApp {
    /// `signup` with a JSON `body`, as the app's client.
    pub async fn signup(&self, app: &TestAppInfo, body: Value) -> Resp {
        self.post_json(SIGNUP, &app_token(app), body).await
    }

    /// `completeSignup` of `handle` with `code` (JSON).
    pub async fn complete_signup(&self, app: &TestAppInfo, handle: &str, code: &str) -> Resp {
        let body = json!({"handle": handle, "code": code});
        self.post_json(COMPLETE_SIGNUP, &app_token(app), body).await
    }

    /// `socialLogin` with a JSON `body` (`token`, `provider`, `nonce`), as the app's client.
    pub async fn social_login(&self, app: &TestAppInfo, body: Value) -> Resp {
        self.post_json(SOCIAL_LOGIN, &app_token(app), body).await
    }

    /// `socialSignup` with a JSON `body` (`token`, `provider`, `handle`, …), as the app's client.
    pub async fn social_signup(&self, app: &TestAppInfo, body: Value) -> Resp {
        self.post_json(SOCIAL_SIGNUP, &app_token(app), body).await
    }

    /// `deleteAccount`, the social variant: the caller's own provider ID `token`.
    pub async fn delete_account_by_token(&self, access: &str, token: &str) -> Resp {
        let body = json!({"token": token});
        self.post_json(DELETE_ACCOUNT, &[("access-token", access)], body)
            .await
    }

    /// `linkSocialAccount` with a JSON `body` (`token`, `provider`, `password` or `code`).
    pub async fn link_social_account(&self, access: &str, body: Value) -> Resp {
        self.post_json(LINK_SOCIAL_ACCOUNT, &[("access-token", access)], body)
            .await
    }

    /// `login` with `handle` and the client MD5 `pw` (JSON).
    pub async fn login(&self, app: &TestAppInfo, handle: &str, pw: &str) -> Resp {
        let body = json!({"handle": handle, "password": pw});
        self.post_json(LOGIN, &app_token(app), body).await
    }

    /// `loginComplete`: the second step, with the login token of the first (no other header).
    pub async fn login_complete(&self, login_token: &str, code: &str) -> Resp {
        let body = json!({"loginToken": login_token, "code": code});
        self.post_json(LOGIN_COMPLETE, &[], body).await
    }

    /// `loginAnonymous` with `handle` (a string, or any JSON an attacker might send).
    pub async fn login_anonymous(&self, app: &TestAppInfo, handle: impl Into<Value>) -> Resp {
        let body = json!({"handle": handle.into()});
        self.post_json(LOGIN_ANONYMOUS, &app_token(app), body).await
    }

    /// `forgotPassword` for `handle`.
    pub async fn forgot_password(&self, app: &TestAppInfo, handle: &str) -> Resp {
        let body = json!({"handle": handle});
        self.post_json(FORGOT_PASSWORD, &app_token(app), body).await
    }

    /// `resetPassword` of `handle` to `pw` with the mailed `code`.
    pub async fn reset_password(
        &self,
        app: &TestAppInfo,
        handle: &str,
        pw: &str,
        code: &str,
    ) -> Resp {
        let body = json!({"handle": handle, "password": pw, "code": code});
        self.post_json(RESET_PASSWORD, &app_token(app), body).await
    }

    /// `changePassword` from `pw` to `new_pw`, as the user behind `access`.
    pub async fn change_password(&self, access: &str, pw: &str, new_pw: &str) -> Resp {
        let body = json!({"password": pw, "newPassword": new_pw});
        self.post_json(CHANGE_PASSWORD, &[("access-token", access)], body)
            .await
    }

    /// `deleteAccount`, proven with `handle` and `pw`, as the user behind `access`.
    pub async fn delete_account(&self, access: &str, handle: &str, pw: &str) -> Resp {
        let body = json!({"handle": handle, "password": pw});
        self.post_json(DELETE_ACCOUNT, &[("access-token", access)], body)
            .await
    }

    /// `getApplication` with an app token.
    pub async fn get_application(&self, app_token: &str) -> Resp {
        self.get(GET_APPLICATION, &[("app-token", app_token)]).await
    }

    /// `getUser` as the user behind `access`.
    pub async fn get_user(&self, access: &str) -> Resp {
        self.get(GET_USER, &[("access-token", access)]).await
    }

    /// `setUserMetadata` with `meta` (a JSON string, as the SDKs send it, or an object).
    pub async fn set_user_metadata(&self, access: &str, meta: impl Into<Value>) -> Resp {
        let body = json!({"metaData": meta.into()});
        self.post_json(SET_USER_METADATA, &[("access-token", access)], body)
            .await
    }

    /// `setLocale` to `locale`.
    pub async fn set_locale(&self, access: &str, locale: impl Into<Value>) -> Resp {
        let body = json!({"locale": locale.into()});
        self.post_json(SET_LOCALE, &[("access-token", access)], body)
            .await
    }

    /// `setUserName` to `name`.
    pub async fn set_user_name(&self, access: &str, name: impl Into<Value>) -> Resp {
        let body = json!({"userName": name.into()});
        self.post_json(SET_USER_NAME, &[("access-token", access)], body)
            .await
    }

    /// `userNameAvailable` with the raw query string `query`.
    pub async fn user_name_available(&self, access: &str, query: &str) -> Resp {
        let path = format!("{USER_NAME_AVAILABLE}?{query}");
        self.get(&path, &[("access-token", access)]).await
    }

    /// `invite` with `body`, sent by the user behind `access`.
    pub async fn invite(&self, access: &str, body: Value) -> Resp {
        self.post_json(INVITE, &[("access-token", access)], body)
            .await
    }

    /// `register` (an invitee's signup) with `body`, as the app's client.
    pub async fn register(&self, app: &TestAppInfo, body: Value) -> Resp {
        self.post_json(REGISTER, &app_token(app), body).await
    }

    /// `revokeInvite` of `handle`, by the user behind `access`.
    pub async fn revoke_invite(&self, access: &str, handle: &str) -> Resp {
        let body = json!({"handle": handle});
        self.post_json(REVOKE_INVITE, &[("access-token", access)], body)
            .await
    }

    /// `setPhone` to `phone`, without a password.
    pub async fn set_phone(&self, access: &str, phone: &str) -> Resp {
        let body = json!({"phone": phone});
        self.post_json(SET_PHONE, &[("access-token", access)], body)
            .await
    }

    /// `verifyPhone` with the texted `code`.
    pub async fn verify_phone(&self, access: &str, code: &str) -> Resp {
        let body = json!({"code": code});
        self.post_json(VERIFY_PHONE, &[("access-token", access)], body)
            .await
    }

    /// `setTwoFactorGoogleVerification` with `body`.
    pub async fn set_two_factor_google(&self, access: &str, body: Value) -> Resp {
        self.post_json(SET_TWO_FACTOR_GOOGLE, &[("access-token", access)], body)
            .await
    }

    /// `setTwoFactorPhoneVerification` with `body`.
    pub async fn set_two_factor_phone(&self, access: &str, body: Value) -> Resp {
        self.post_json(SET_TWO_FACTOR_PHONE, &[("access-token", access)], body)
            .await
    }

    /// `undoTwoFactor`: the notice link's form, posted (a form body, as the page's button sends
    /// it).
    pub async fn undo_two_factor(&self, user_id: &str, token: &str) -> Resp {
        let body = format!("userId={user_id}&token={token}");
        self.post_form(UNDO_TWO_FACTOR, &[], &body).await
    }

    /// `PATCH /admin/apps/{appId}` with `settings`.
    pub async fn patch_app(&self, app: &TestAppInfo, settings: Value) -> Resp {
        self.admin("PATCH", &app.admin_path(""), Some(settings))
            .await
    }

    /// `GET /admin/apps/{appId}`.
    pub async fn show_app(&self, app: &TestAppInfo) -> Resp {
        self.admin("GET", &app.admin_path(""), None).await
    }

    /// An admin invitation: `POST /admin/apps/{appId}/invites` with `body`.
    pub async fn admin_invite(&self, app: &TestAppInfo, body: Value) -> Resp {
        self.admin("POST", &app.admin_path("/invites"), Some(body))
            .await
    }

    /// An admin action on one user: `POST /admin/apps/{appId}/users/{userId}/{action}`.
    pub async fn admin_user_action(&self, app: &TestAppInfo, user_id: &str, action: &str) -> Resp {
        let path = app.admin_path(&format!("/users/{user_id}/{action}"));
        self.admin("POST", &path, None).await
    }

    /// `POST /admin/apps/{appId}/import/cosync` with one batch `body` (the admin key).
    pub async fn import_cosync(&self, app: &TestAppInfo, body: Value) -> Resp {
        let path = app.admin_path("/import/cosync");
        self.admin("POST", &path, Some(body)).await
    }
}

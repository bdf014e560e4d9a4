//! The fault matrix (issue 20): every flow, run once with every port call counted, then once per
//! call with that call failing, on a fresh stack each time. A failure halfway must leave nothing
//! half-done, so after each injected fault the suite asserts that
//! - the answer is a typed error (`{code, message}`, 4xx or 5xx; 503 when the store throttled),
//!   answered in time and naming nothing secret (the injected error's text, the password, the
//!   codes), or a success when the flow can do without the failed call;
//! - the table checker (`doctor::check_to_end` over the whole table) finds nothing;
//! - the same request, retried with the fault gone, answers what the flow's first try answers
//!   on a healthy stack, or exactly what a repeat of the completed step answers there;
//! - the flow's end state then holds (the user logs in, with the new password, and so on).
//!
//! One switchboard ([`switchboard::Faults`]) counts the calls of every port (store, secrets, mailer, SMS) in
//! one sequence, so "call k" is the k-th call the request makes, whichever port it goes to. The
//! store fails with a transport error, with throttling, and (on writes, where a condition can
//! fail) with a conditional-check failure; the mailer, SMS and secrets with their transport
//! error. SQLite takes every fault at every call; DynamoDB one fault per call, the kinds rotating
//! along the flow (`runner::sample` says why), to keep moto's serial time within CI's budget.
//! Every flow runs on both engines; on DynamoDB, app deletion also skips half its shard reads
//! (`runner::thinned`).
//!
//! The flows live in [`flows`] (the account flows the matrix began with) and [`flows_more`]
//! (social, anonymous, link, phone-off, undo, admin and import flows); [`switchboard`] wraps the
//! ports, [`runner`] runs a column of the matrix.

mod flows;
mod flows_more;
mod runner;
mod switchboard;

use flows::Flow;
use runner::run;
use switchboard::{Engine, Fault};

const ALL: &[Fault] = &[Fault::Transport, Fault::Throttled, Fault::Conflict];

/// One test per flow and engine, so a failure names its flow and the flows run in parallel.
macro_rules! matrix {
    ($($name:ident: $engine:ident $flow:ident $kinds:expr;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                run(Engine::$engine, Flow::$flow, $kinds).await;
            }
        )*
    };
}

matrix! {
    sqlite_signup_none: Sqlite SignupNone ALL;
    sqlite_signup_code: Sqlite SignupCode ALL;
    sqlite_complete_signup: Sqlite CompleteSignup ALL;
    sqlite_login: Sqlite Login ALL;
    sqlite_login_complete_totp: Sqlite LoginCompleteTotp ALL;
    sqlite_forgot_password: Sqlite ForgotPassword ALL;
    sqlite_reset_password: Sqlite ResetPassword ALL;
    sqlite_change_password: Sqlite ChangePassword ALL;
    sqlite_invite: Sqlite Invite ALL;
    sqlite_register: Sqlite Register ALL;
    sqlite_set_phone: Sqlite SetPhone ALL;
    sqlite_verify_phone: Sqlite VerifyPhone ALL;
    sqlite_two_factor_google_on: Sqlite TwoFactorGoogleOn ALL;
    sqlite_two_factor_google_off: Sqlite TwoFactorGoogleOff ALL;
    sqlite_two_factor_phone_on: Sqlite TwoFactorPhoneOn ALL;
    sqlite_revoke_invite: Sqlite RevokeInvite ALL;
    sqlite_set_user_name: Sqlite SetUserName ALL;
    sqlite_delete_account: Sqlite DeleteAccount ALL;
    sqlite_admin_suspend: Sqlite AdminSuspend ALL;
    sqlite_admin_reset_2fa: Sqlite AdminReset2fa ALL;
    sqlite_admin_delete: Sqlite AdminDelete ALL;
    sqlite_app_delete: Sqlite AppDelete &[Fault::Transport];
    sqlite_key_rotate: Sqlite KeyRotate ALL;
    sqlite_key_activate: Sqlite KeyActivate ALL;
    sqlite_key_retire: Sqlite KeyRetire ALL;
    sqlite_social_signup: Sqlite SocialSignup ALL;
    sqlite_social_login: Sqlite SocialLogin ALL;
    sqlite_link_social: Sqlite LinkSocial ALL;
    sqlite_login_anonymous: Sqlite LoginAnonymous ALL;
    sqlite_complete_signup_link: Sqlite CompleteSignupLink ALL;
    sqlite_two_factor_phone_off: Sqlite TwoFactorPhoneOff ALL;
    sqlite_undo_two_factor: Sqlite UndoTwoFactor ALL;
    sqlite_admin_reactivate: Sqlite AdminReactivate ALL;
    sqlite_revoke_sessions: Sqlite RevokeSessions ALL;
    sqlite_admin_invite: Sqlite AdminInvite ALL;
    sqlite_cosync_import: Sqlite CosyncImport ALL;
    dynamodb_signup_none: Dynamo SignupNone ALL;
    dynamodb_signup_code: Dynamo SignupCode ALL;
    dynamodb_complete_signup: Dynamo CompleteSignup ALL;
    dynamodb_login: Dynamo Login ALL;
    dynamodb_login_complete_totp: Dynamo LoginCompleteTotp ALL;
    dynamodb_reset_password: Dynamo ResetPassword ALL;
    dynamodb_social_signup: Dynamo SocialSignup ALL;
    dynamodb_social_login: Dynamo SocialLogin ALL;
    dynamodb_link_social: Dynamo LinkSocial ALL;
    dynamodb_login_anonymous: Dynamo LoginAnonymous ALL;
    dynamodb_complete_signup_link: Dynamo CompleteSignupLink ALL;
    dynamodb_two_factor_phone_off: Dynamo TwoFactorPhoneOff ALL;
    dynamodb_undo_two_factor: Dynamo UndoTwoFactor ALL;
    dynamodb_admin_reactivate: Dynamo AdminReactivate ALL;
    dynamodb_revoke_sessions: Dynamo RevokeSessions ALL;
    dynamodb_admin_invite: Dynamo AdminInvite ALL;
    dynamodb_cosync_import: Dynamo CosyncImport ALL;
    dynamodb_change_password: Dynamo ChangePassword ALL;
    dynamodb_invite: Dynamo Invite ALL;
    dynamodb_register: Dynamo Register ALL;
    dynamodb_verify_phone: Dynamo VerifyPhone ALL;
    dynamodb_delete_account: Dynamo DeleteAccount ALL;
    dynamodb_two_factor_google_off: Dynamo TwoFactorGoogleOff ALL;
    dynamodb_admin_delete: Dynamo AdminDelete ALL;
    dynamodb_forgot_password: Dynamo ForgotPassword ALL;
    dynamodb_set_phone: Dynamo SetPhone ALL;
    dynamodb_two_factor_google_on: Dynamo TwoFactorGoogleOn ALL;
    dynamodb_two_factor_phone_on: Dynamo TwoFactorPhoneOn ALL;
    dynamodb_revoke_invite: Dynamo RevokeInvite ALL;
    dynamodb_set_user_name: Dynamo SetUserName ALL;
    dynamodb_admin_suspend: Dynamo AdminSuspend ALL;
    dynamodb_admin_reset_2fa: Dynamo AdminReset2fa ALL;
    dynamodb_app_delete: Dynamo AppDelete &[Fault::Transport];
    dynamodb_key_rotate: Dynamo KeyRotate ALL;
    dynamodb_key_activate: Dynamo KeyActivate ALL;
    dynamodb_key_retire: Dynamo KeyRetire ALL;
}

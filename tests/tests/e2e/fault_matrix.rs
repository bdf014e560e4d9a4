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
//! One switchboard ([`Faults`]) counts the calls of every port (store, secrets, mailer, SMS) in
//! one sequence, so "call k" is the k-th call the request makes, whichever port it goes to. The
//! store fails with a transport error, with throttling, and (on writes, where a condition can
//! fail) with a conditional-check failure; the mailer, SMS and secrets with their transport
//! error.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use keyturn::crypto::password::Cost;
use keyturn::domain::admin::doctor::{self, Problem, Scope};
use keyturn::domain::ports::Config;
use keyturn::mail::outbox::Outbox;
use keyturn::mail::{MailError, Mailer, Message};
use keyturn::secrets::{SecretStore, SecretsError};
use keyturn::sms::{Sms, SmsAccount, SmsError};
use keyturn::store::{ItemStore, Key, StoreError};
use serde_json::{Value, json};
use totp_rs::Totp;

use crate::support::app::{OTHER_PW, PW, Resp, TestApp, TestAppInfo};
use crate::support::factors::{code_now, login_token, totp_of};
use crate::support::store::HookedStore;
use crate::support::users::{access, user_id};

/// In every injected error's text, so an answer that leaks the backend's message is caught.
const MARK: &str = "injected-fault-9c41";
/// The phone the phone flows verify.
const PHONE: &str = "+12015550177";
/// How long one request may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(20);

/// The error a failing call answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The backend cannot be reached (every port).
    Transport,
    /// DynamoDB throttling after the SDK's retries (the store only).
    Throttled,
    /// A condition that did not hold (the store's writes only).
    Conflict,
}

/// The switchboard every port wrapper asks before each call: while armed, it counts calls (and
/// logs them as `port op`), and the `fail_at`-th answers `fault`.
#[derive(Default)]
struct Faults {
    armed: AtomicBool,
    calls: AtomicUsize,
    fail_at: AtomicUsize,
    fault: Mutex<Option<Fault>>,
    log: Mutex<Vec<String>>,
}

impl Faults {
    /// Counts from zero again and fails call `k` (0: none) with `fault`.
    fn arm(&self, k: usize, fault: Fault) {
        self.calls.store(0, Ordering::SeqCst);
        self.fail_at.store(k, Ordering::SeqCst);
        *self.fault.lock().unwrap() = Some(fault);
        self.log.lock().unwrap().clear();
        self.armed.store(true, Ordering::SeqCst);
    }

    /// Stops counting and failing; returns the calls logged since [`Self::arm`].
    fn disarm(&self) -> Vec<String> {
        self.armed.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.log.lock().unwrap())
    }

    /// The fault call `what` must answer, if it is the chosen one.
    fn hit(&self, what: String) -> Option<Fault> {
        if !self.armed.load(Ordering::SeqCst) {
            return None;
        }
        self.log.lock().unwrap().push(what);
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.fail_at.load(Ordering::SeqCst) {
            *self.fault.lock().unwrap()
        } else {
            None
        }
    }
}

/// The store's answer to `fault` at a call of `op`: a transaction's conflict names its first
/// write, as a cancelled transaction does.
fn store_error(fault: Fault, op: &str) -> StoreError {
    match fault {
        Fault::Transport => StoreError::Backend(format!("{MARK}: connection reset")),
        Fault::Throttled => StoreError::Throttled(format!("{MARK}: ThrottlingException")),
        Fault::Conflict => StoreError::Conflict {
            op: op.starts_with("transact").then_some(0),
        },
    }
}

/// The outbox as mailer and SMS, failing when the switchboard says so.
struct FaultyOutbox {
    outbox: Arc<Outbox>,
    faults: Arc<Faults>,
}

#[async_trait]
impl Mailer for FaultyOutbox {
    async fn send(&self, m: &Message) -> Result<(), MailError> {
        if self.faults.hit("mail send".into()).is_some() {
            return Err(MailError::Transport(format!("{MARK}: SES unreachable")));
        }
        Mailer::send(&*self.outbox, m).await
    }
}

#[async_trait]
impl Sms for FaultyOutbox {
    async fn send(
        &self,
        account: Option<&SmsAccount>,
        to: &str,
        body: &str,
    ) -> Result<(), SmsError> {
        if self.faults.hit("sms send".into()).is_some() {
            return Err(SmsError::Transport(format!("{MARK}: Twilio unreachable")));
        }
        Sms::send(&*self.outbox, account, to, body).await
    }
}

/// The secrets backend, failing when the switchboard says so.
struct FaultySecrets {
    inner: Arc<dyn SecretStore>,
    faults: Arc<Faults>,
}

impl FaultySecrets {
    fn check(&self, op: &str) -> Result<(), SecretsError> {
        match self.faults.hit(format!("secrets {op}")) {
            Some(_) => Err(SecretsError::Backend(format!("{MARK}: unreachable"))),
            None => Ok(()),
        }
    }
}

#[async_trait]
impl SecretStore for FaultySecrets {
    async fn get(&self, name: &str) -> Result<Option<String>, SecretsError> {
        self.check("get")?;
        self.inner.get(name).await
    }
    async fn put(&self, name: &str, value: &str) -> Result<(), SecretsError> {
        self.check("put")?;
        self.inner.put(name, value).await
    }
    async fn delete(&self, name: &str) -> Result<(), SecretsError> {
        self.check("delete")?;
        self.inner.delete(name).await
    }
}

/// Which engine the stack stores in.
#[derive(Debug, Clone, Copy)]
enum Engine {
    Sqlite,
    Dynamo,
}

/// A fresh stack on `engine` with every port behind one switchboard (disarmed).
async fn stack(engine: Engine) -> (TestApp, Arc<Faults>) {
    let t = match engine {
        Engine::Sqlite => TestApp::new().await,
        Engine::Dynamo => TestApp::over_dynamodb().await,
    };

    let faults = Arc::new(Faults::default());
    let f = faults.clone();
    // Argon2's cost has nothing to do with what a fault leaves behind, and at OWASP's it was
    // most of the matrix's time (hundreds of stacks, each hashing a few passwords).
    let cheap = |config: &mut Config| {
        config.password_cost = Cost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    };
    let t = t
        .with_ports_and_config(
            move |ports| {
                let outbox = Arc::new(FaultyOutbox {
                    outbox: ports.outbox.clone().expect("the test stack has an outbox"),
                    faults: f.clone(),
                });
                ports.mailer = outbox.clone();
                ports.sms = outbox;
                ports.secrets = Arc::new(FaultySecrets {
                    inner: ports.secrets.clone(),
                    faults: f.clone(),
                });
                let hooked = f.clone();
                ports.store = Arc::new(HookedStore {
                    inner: ports.store.clone(),
                    hook: move |op: &str, key: &Key| match hooked
                        .hit(format!("store {op} {}", key.pk))
                    {
                        Some(fault) => Err(store_error(fault, op)),
                        None => Ok(()),
                    },
                }) as Arc<dyn ItemStore>;
            },
            cheap,
        )
        .await;
    (t, faults)
}

/// The flows of the matrix: each names the request under test; [`setup`] walks the steps before
/// it (with no fault armed), [`step`] sends it, [`settle`] proves the flow's end state.
#[derive(Debug, Clone, Copy)]
enum Flow {
    /// `signup` on an app whose `signupFlow` is `none`: the session at once.
    SignupNone,
    /// `signup` in the code flow: a pending signup and a mailed code.
    SignupCode,
    /// `completeSignup` with the mailed code.
    CompleteSignup,
    /// `login` with a password.
    Login,
    /// `loginComplete` with the authenticator's code, after a password login.
    LoginCompleteTotp,
    /// `forgotPassword`: a reset code mailed.
    ForgotPassword,
    /// `resetPassword` with the mailed code.
    ResetPassword,
    /// `changePassword` of a logged-in user.
    ChangePassword,
    /// `invite` of a new handle.
    Invite,
    /// `register` with the invite's code.
    Register,
    /// `setPhone`: a code texted.
    SetPhone,
    /// `verifyPhone` with the texted code.
    VerifyPhone,
    /// `setTwoFactorGoogleVerification` on.
    TwoFactorGoogleOn,
    /// `setTwoFactorGoogleVerification` off, proven with the password.
    TwoFactorGoogleOff,
    /// `setTwoFactorPhoneVerification` on, with a verified phone.
    TwoFactorPhoneOn,
    /// `revokeInvite` of a pending invite.
    RevokeInvite,
    /// `setUserName` (set once): the user record and its username claim together.
    SetUserName,
    /// `deleteAccount` with the password.
    DeleteAccount,
    /// The admin's `suspend` of a user.
    AdminSuspend,
    /// The admin's `reset-2fa` of a user with an authenticator.
    AdminReset2fa,
    /// The admin's `DELETE` of a user.
    AdminDelete,
    /// The admin's `DELETE` of an app with users and a pending invite.
    AppDelete,
    /// Signing-key rotation, step 1: a key staged.
    KeyRotate,
    /// Step 2: the staged key signs.
    KeyActivate,
    /// Step 3: the previous key retired.
    KeyRetire,
}

const BOB: &str = "bob@example.com";
const CAROL: &str = "carol@example.com";

/// What the steps before the request left: the app, and the user's session, code or token.
struct Ctx {
    app: TestAppInfo,
    access: String,
    user_id: String,
    code: String,
    token: String,
    totp: Option<Totp>,
}

impl Ctx {
    fn new(app: TestAppInfo) -> Self {
        Ctx {
            app,
            access: String::new(),
            user_id: String::new(),
            code: String::new(),
            token: String::new(),
            totp: None,
        }
    }

    fn with_session(mut self, session: &Value) -> Self {
        self.access = access(session);
        self.user_id = user_id(session);
        self
    }
}

async fn setup(t: &TestApp, flow: Flow) -> Ctx {
    let none = json!({"signupFlow": "none"});
    match flow {
        Flow::SignupNone => Ctx::new(t.create_app(none).await),
        Flow::SignupCode => Ctx::new(t.create_app(json!({})).await),
        Flow::CompleteSignup => {
            let app = t.create_app(json!({})).await;
            let code = t.signup_with_code(&app, BOB).await;
            Ctx {
                code,
                ..Ctx::new(app)
            }
        }
        Flow::Login
        | Flow::ForgotPassword
        | Flow::ChangePassword
        | Flow::DeleteAccount
        | Flow::AdminSuspend
        | Flow::AdminDelete => {
            let app = t.create_app(none).await;
            let session = t.quick_user(&app, BOB, json!({})).await;
            Ctx::new(app).with_session(&session)
        }
        Flow::LoginCompleteTotp
        | Flow::AdminReset2fa
        | Flow::TwoFactorGoogleOn
        | Flow::TwoFactorGoogleOff => {
            let app = t
                .create_app(json!({"signupFlow": "none", "twoFactorVerification": "google"}))
                .await;
            let session = t.quick_user(&app, BOB, json!({})).await;
            let mut ctx = Ctx::new(app).with_session(&session);
            if let Flow::TwoFactorGoogleOn = flow {
                return ctx;
            }
            let enrolment = t
                .set_two_factor_google(&ctx.access, json!({"twoFactor": true}))
                .await
                .ok_json();
            ctx.totp = Some(totp_of(&enrolment));
            if let Flow::TwoFactorGoogleOff = flow {
                return ctx;
            }
            ctx.token = login_token(&t.login(&ctx.app, BOB, PW).await);
            ctx
        }
        Flow::ResetPassword => {
            let app = t.create_app(none).await;
            t.quick_user(&app, BOB, json!({})).await;
            let code = t.reset_code(&app, BOB).await;
            Ctx {
                code,
                ..Ctx::new(app)
            }
        }
        Flow::SetUserName => {
            let app = t
                .create_app(json!({"signupFlow": "none", "userNamesEnabled": true}))
                .await;
            let session = t.quick_user(&app, BOB, json!({})).await;
            Ctx::new(app).with_session(&session)
        }
        Flow::KeyRotate | Flow::KeyActivate | Flow::KeyRetire => {
            let app = t.create_app(none).await;
            let session = t.quick_user(&app, BOB, json!({})).await;
            let ctx = Ctx::new(app).with_session(&session);
            let before: &[&str] = match flow {
                Flow::KeyActivate => &["rotate"],
                Flow::KeyRetire => &["rotate", "activate"],
                _ => &[],
            };
            for done in before {
                key_step(t, &ctx.app, done).await.ok_json();
            }
            ctx
        }
        Flow::Invite | Flow::Register | Flow::AppDelete | Flow::RevokeInvite => {
            let app = t
                .create_app(json!({"signupFlow": "none", "invitationEnabled": true}))
                .await;
            let session = t.quick_user(&app, BOB, json!({})).await;
            let mut ctx = Ctx::new(app).with_session(&session);
            if let Flow::Register | Flow::AppDelete | Flow::RevokeInvite = flow {
                ctx.code = t.invited(&ctx.access, CAROL).await;
            }
            ctx
        }
        Flow::SetPhone | Flow::VerifyPhone | Flow::TwoFactorPhoneOn => {
            let app = t
                .create_app(json!({"twoFactorVerification": "phone"}))
                .await;
            let session = t.signed_up_user(&app, BOB).await;
            let mut ctx = Ctx::new(app).with_session(&session);
            if let Flow::VerifyPhone = flow {
                t.set_phone(&ctx.access, PHONE).await.assert_true();
                ctx.code = t.last_code_for(PHONE);
            }
            if let Flow::TwoFactorPhoneOn = flow {
                t.verified_phone(&ctx.access, PHONE).await;
            }
            ctx
        }
    }
}

async fn step(t: &TestApp, flow: Flow, ctx: &Ctx) -> Resp {
    let pw = json!({"handle": BOB, "password": PW});
    match flow {
        Flow::SignupNone | Flow::SignupCode => t.signup(&ctx.app, pw).await,
        Flow::CompleteSignup => t.complete_signup(&ctx.app, BOB, &ctx.code).await,
        Flow::Login => t.login(&ctx.app, BOB, PW).await,
        Flow::LoginCompleteTotp => {
            let code = code_now(t, ctx.totp.as_ref().unwrap());
            t.login_complete(&ctx.token, &code).await
        }
        Flow::ForgotPassword => t.forgot_password(&ctx.app, BOB).await,
        Flow::ResetPassword => t.reset_password(&ctx.app, BOB, OTHER_PW, &ctx.code).await,
        Flow::ChangePassword => t.change_password(&ctx.access, PW, OTHER_PW).await,
        Flow::Invite => t.invite(&ctx.access, json!({"handle": CAROL})).await,
        Flow::Register => {
            let body = json!({"handle": CAROL, "password": PW, "code": ctx.code});
            t.register(&ctx.app, body).await
        }
        Flow::SetPhone => t.set_phone(&ctx.access, PHONE).await,
        Flow::VerifyPhone => t.verify_phone(&ctx.access, &ctx.code).await,
        Flow::TwoFactorGoogleOn => {
            t.set_two_factor_google(&ctx.access, json!({"twoFactor": true}))
                .await
        }
        Flow::TwoFactorGoogleOff => {
            let body = json!({"twoFactor": false, "password": PW});
            t.set_two_factor_google(&ctx.access, body).await
        }
        Flow::TwoFactorPhoneOn => {
            t.set_two_factor_phone(&ctx.access, json!({"twoFactor": true}))
                .await
        }
        Flow::RevokeInvite => t.revoke_invite(&ctx.access, CAROL).await,
        Flow::SetUserName => t.set_user_name(&ctx.access, "robert").await,
        Flow::DeleteAccount => t.delete_account(&ctx.access, BOB, PW).await,
        Flow::AdminSuspend => t.admin_user_action(&ctx.app, &ctx.user_id, "suspend").await,
        Flow::AdminReset2fa => {
            t.admin_user_action(&ctx.app, &ctx.user_id, "reset-2fa")
                .await
        }
        Flow::AdminDelete => {
            let path = ctx.app.admin_path(&format!("/users/{}", ctx.user_id));
            t.admin("DELETE", &path, None).await
        }
        Flow::AppDelete => t.admin("DELETE", &ctx.app.admin_path(""), None).await,
        Flow::KeyRotate => key_step(t, &ctx.app, "rotate").await,
        Flow::KeyActivate => key_step(t, &ctx.app, "activate").await,
        Flow::KeyRetire => key_step(t, &ctx.app, "retire").await,
    }
}

/// One step of the app's signing-key rotation (`POST /admin/apps/{appId}/keys/{step}`).
async fn key_step(t: &TestApp, app: &TestAppInfo, step: &str) -> Resp {
    t.admin("POST", &app.admin_path(&format!("/keys/{step}")), None)
        .await
}

/// Proves the flow reached its end: what a user can do once the step has been taken.
async fn settle(t: &TestApp, flow: Flow, ctx: &Ctx) {
    let logs_in = |pw: &'static str| async move {
        let r = t.login(&ctx.app, BOB, pw).await;
        r.assert_session();
    };
    match flow {
        Flow::SignupNone | Flow::CompleteSignup | Flow::Login => logs_in(PW).await,
        Flow::SignupCode => {
            let code = t.last_code_for(BOB);
            t.complete_signup(&ctx.app, BOB, &code)
                .await
                .assert_session();
            logs_in(PW).await;
        }
        Flow::LoginCompleteTotp | Flow::TwoFactorGoogleOn => {
            // A fresh login with the authenticator's next code (a code is taken once).
            t.clock.advance_secs(31);
            let token = login_token(&t.login(&ctx.app, BOB, PW).await);
            let totp = match (flow, &ctx.totp) {
                (Flow::LoginCompleteTotp, Some(totp)) => totp.clone(),
                _ => return,
            };
            t.login_complete(&token, &code_now(t, &totp))
                .await
                .assert_session();
        }
        Flow::ForgotPassword => {
            let code = t.last_code_for(BOB);
            t.reset_password(&ctx.app, BOB, OTHER_PW, &code)
                .await
                .assert_true();
            logs_in(OTHER_PW).await;
        }
        Flow::ResetPassword | Flow::ChangePassword => logs_in(OTHER_PW).await,
        Flow::Invite => {
            let code = t.invite_code(CAROL);
            let body = json!({"handle": CAROL, "password": PW, "code": code});
            t.register(&ctx.app, body).await.assert_session();
        }
        Flow::Register => {
            t.login(&ctx.app, CAROL, PW).await.assert_session();
        }
        Flow::SetPhone => {
            let code = t.last_code_for(PHONE);
            t.verify_phone(&ctx.access, &code).await.assert_true();
        }
        Flow::VerifyPhone => {
            let user = t.get_user(&ctx.access).await.ok_json();
            assert_eq!(user["phoneVerified"], true, "{user}");
        }
        Flow::TwoFactorGoogleOff => logs_in(PW).await,
        Flow::SetUserName => {
            let user = t.get_user(&ctx.access).await.ok_json();
            assert_eq!(user["userName"], "robert", "{user}");
            let r = t.user_name_available(&ctx.access, "userName=robert").await;
            assert_eq!(r.ok_json()["available"], false);
        }
        Flow::TwoFactorPhoneOn => {
            login_token(&t.login(&ctx.app, BOB, PW).await);
        }
        Flow::RevokeInvite => {
            let body = json!({"handle": CAROL, "password": PW, "code": ctx.code});
            t.register(&ctx.app, body).await.assert_error(400, 602);
        }
        Flow::AdminSuspend => {
            let r = t.login(&ctx.app, BOB, PW).await;
            assert!(r.status.is_client_error(), "{}: {}", r.status, r.text);
        }
        Flow::DeleteAccount | Flow::AdminDelete => {
            let r = t.login(&ctx.app, BOB, PW).await;
            assert!(r.status.is_client_error(), "{}: {}", r.status, r.text);
            // The handle is free again: nothing of the account is left to claim it.
            t.quick_user(&ctx.app, BOB, json!({})).await;
            logs_in(PW).await;
        }
        Flow::AppDelete => {
            t.show_app(&ctx.app).await.assert_error(400, 401);
            t.login(&ctx.app, BOB, PW).await.assert_error(400, 401);
        }
        Flow::KeyRotate => {
            key_step(t, &ctx.app, "activate").await.ok_json();
            logs_in(PW).await;
        }
        Flow::KeyActivate => {
            key_step(t, &ctx.app, "retire").await.ok_json();
            logs_in(PW).await;
        }
        Flow::KeyRetire => logs_in(PW).await,
        Flow::AdminReset2fa => logs_in(PW).await,
    }
}

/// An answer as the matrix compares them: the status and, for errors, the code.
fn shape(r: &Resp) -> (u16, Option<u64>) {
    let code = if r.status.is_success() {
        None
    } else {
        r.json()["code"].as_u64()
    };
    (r.status.as_u16(), code)
}

/// What a healthy stack answers: the step's calls, its first answer and a repeat's.
struct Baseline {
    calls: Vec<String>,
    first: (u16, Option<u64>),
    repeat: (u16, Option<u64>),
}

async fn baseline(engine: Engine, flow: Flow) -> Baseline {
    let (t, faults) = stack(engine).await;
    let ctx = setup(&t, flow).await;
    faults.arm(0, Fault::Transport);
    let first = step(&t, flow, &ctx).await;
    let calls = faults.disarm();
    assert!(first.status.is_success(), "{flow:?}: {}", first.text);
    let repeat = step(&t, flow, &ctx).await;
    assert_clean(&t, &format!("{flow:?} healthy")).await;
    settle(&t, flow, &ctx).await;
    Baseline {
        calls,
        first: shape(&first),
        repeat: shape(&repeat),
    }
}

/// The checker finds nothing in the whole table but what `allowed` names.
async fn assert_clean_but(t: &TestApp, case: &str, allowed: &[Problem]) {
    let findings: Vec<_> = doctor::check_to_end(&t.state, &Scope::Table)
        .await
        .unwrap_or_else(|e| panic!("{case}: the checker failed: {e}"))
        .into_iter()
        .filter(|f| !allowed.contains(&f.problem))
        .collect();
    assert!(findings.is_empty(), "{case}: {findings:#?}");
}

/// The checker finds nothing in the whole table.
async fn assert_clean(t: &TestApp, case: &str) {
    assert_clean_but(t, case, &[]).await;
}

/// The answer to a request whose call failed: a success (the flow did without the call) or a
/// typed error that names nothing secret; 503 when the store throttled.
fn assert_typed(case: &str, r: &Resp, fault: Fault, ctx: &Ctx) {
    for secret in [MARK, PW, OTHER_PW] {
        assert!(
            !r.text.contains(secret),
            "{case}: leaks {secret}: {}",
            r.text
        );
    }
    if !ctx.code.is_empty() {
        assert!(!r.text.contains(&ctx.code), "{case}: leaks the code");
    }
    if r.status.is_success() {
        return;
    }
    assert!(
        r.status.is_client_error() || r.status.is_server_error(),
        "{case}: {}",
        r.status
    );
    let v: Value =
        serde_json::from_str(&r.text).unwrap_or_else(|_| panic!("{case}: not JSON: {}", r.text));
    assert!(v["code"].is_u64(), "{case}: no code: {}", r.text);
    assert!(v["message"].is_string(), "{case}: no message: {}", r.text);
    if fault == Fault::Throttled {
        assert_eq!(r.status.as_u16(), 503, "{case}: throttled: {}", r.text);
        assert!(r.headers.contains_key("retry-after"), "{case}: Retry-After");
    }
}

/// The faults worth injecting at a call: transport everywhere; throttling and conflicts at the
/// store, conflicts only where a write's condition can fail.
fn faults_for(call: &str) -> Vec<Fault> {
    if !call.starts_with("store ") {
        return vec![Fault::Transport];
    }
    let op = call.split(' ').nth(1).unwrap_or_default();
    let write = op == "put" || op == "delete" || op.starts_with("transact");
    if write {
        vec![Fault::Transport, Fault::Throttled, Fault::Conflict]
    } else {
        vec![Fault::Transport, Fault::Throttled]
    }
}

/// Cases run and how many of them the flow survived by doing without the failed call.
struct Tally {
    cases: usize,
    absorbed: usize,
}

/// Runs `flow`'s column of the matrix on `engine` with `kinds` of faults (filtered per call by
/// [`faults_for`]): each injection point on a fresh stack.
async fn run(engine: Engine, flow: Flow, kinds: &[Fault]) -> Tally {
    let started = Instant::now();
    let base = baseline(engine, flow).await;
    let points: Vec<(usize, &str, Fault)> = base
        .calls
        .iter()
        .enumerate()
        .flat_map(|(i, call)| {
            faults_for(call)
                .into_iter()
                .filter(|fault| kinds.contains(fault))
                .map(move |fault| (i + 1, call.as_str(), fault))
        })
        .collect();
    let mut tally = Tally {
        cases: 0,
        absorbed: 0,
    };
    // Each case waits mostly on its store (SQLite's writes run on the blocking pool), so a few
    // run at once; each on its own stack.
    for chunk in points.chunks(CONCURRENT) {
        let answers = join_all(
            chunk
                .iter()
                .map(|&(k, call, fault)| case(engine, flow, &base, k, call, fault)),
        )
        .await;
        tally.cases += answers.len();
        tally.absorbed += answers.iter().filter(|absorbed| **absorbed).count();
    }
    println!(
        "fault matrix {engine:?} {flow:?}: {} calls, {} cases ({} absorbed) in {:.1} s; calls: {:?}",
        base.calls.len(),
        tally.cases,
        tally.absorbed,
        started.elapsed().as_secs_f64(),
        base.calls
    );
    tally
}

/// Cases of one flow run at once.
const CONCURRENT: usize = 4;

/// One cell of the matrix: `flow` on a fresh stack with call `k` failing with `fault`, then
/// retried. True when the flow did without the call (a success answered).
async fn case(
    engine: Engine,
    flow: Flow,
    base: &Baseline,
    k: usize,
    call: &str,
    fault: Fault,
) -> bool {
    let case = format!("{engine:?} {flow:?}: call {k} ({call}) fails with {fault:?}");
    let (t, faults) = stack(engine).await;
    let ctx = setup(&t, flow).await;
    faults.arm(k, fault);
    let r = tokio::time::timeout(HANG, step(&t, flow, &ctx))
        .await
        .unwrap_or_else(|_| panic!("{case}: no answer in {HANG:?}"));
    faults.disarm();
    assert_typed(&case, &r, fault, &ctx);
    // An app's deletion is resumable by design, not atomic: halfway, the checker names only
    // the unfinished deletion, and the retry below must clear even that.
    let resumable: &[Problem] = match flow {
        Flow::AppDelete => &[Problem::AppDeletionUnfinished],
        _ => &[],
    };
    assert_clean_but(&t, &case, resumable).await;
    // Answered as done, so no client retries: the end state must hold already. Except where the
    // answer is `true` whatever happened (forgotPassword: a failed mail must not reveal the
    // account; the user asks again), and after an injected conflict, which claims a condition
    // failed that did not (revokeInvite rightly reads it as "already gone", invite as "already
    // registered"): there the retry below must reach the end state.
    let says_done = fault != Fault::Conflict && !matches!(flow, Flow::ForgotPassword);
    if r.status.is_success() && says_done {
        assert_eq!(shape(&r), base.first, "{case}: {}", r.text);
        settle(&t, flow, &ctx).await;
        assert_clean(&t, &format!("{case}, settled")).await;
        return true;
    }
    let again = step(&t, flow, &ctx).await;
    let answer = shape(&again);
    assert!(
        answer == base.first || answer == base.repeat,
        "{case}: the retry answers {answer:?} ({}), not {:?} nor a repeat's {:?}",
        again.text,
        base.first,
        base.repeat
    );
    assert_clean(&t, &format!("{case}, retried")).await;
    settle(&t, flow, &ctx).await;
    r.status.is_success()
}

/// Polls every future in `futures` until all are done (the tests' crate has no `futures`):
/// a panic in one fails the test as it would unjoined.
async fn join_all<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

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
    dynamodb_signup_none: Dynamo SignupNone ALL;
    dynamodb_signup_code: Dynamo SignupCode ALL;
    dynamodb_complete_signup: Dynamo CompleteSignup ALL;
    dynamodb_login: Dynamo Login ALL;
    dynamodb_login_complete_totp: Dynamo LoginCompleteTotp ALL;
    dynamodb_reset_password: Dynamo ResetPassword ALL;
}

//! The switchboard every port asks before each call, the faulty port wrappers and the stack
//! built over them.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use keyturn::assemble::ProviderKeys;
use keyturn::crypto::password::Cost;
use keyturn::domain::ports::Config;
use keyturn::mail::outbox::Outbox;
use keyturn::mail::{MailError, Mailer, Message};
use keyturn::secrets::{SecretStore, SecretsError};
use keyturn::sms::{Sms, SmsAccount, SmsError};
use keyturn::store::{ItemStore, Key, StoreError};

use crate::support::app::TestApp;
use crate::support::social::FakeIssuer;
use crate::support::store::HookedStore;

/// In every injected error's text, so an answer that leaks the backend's message is caught.
pub(super) const MARK: &str = "injected-fault-9c41";

/// The error a failing call answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fault {
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
pub(super) struct Faults {
    armed: AtomicBool,
    calls: AtomicUsize,
    fail_at: AtomicUsize,
    fault: Mutex<Option<Fault>>,
    log: Mutex<Vec<String>>,
}

impl Faults {
    /// Counts from zero again and fails call `k` (0: none) with `fault`.
    pub(super) fn arm(&self, k: usize, fault: Fault) {
        self.calls.store(0, Ordering::SeqCst);
        self.fail_at.store(k, Ordering::SeqCst);
        *self.fault.lock().unwrap() = Some(fault);
        self.log.lock().unwrap().clear();
        self.armed.store(true, Ordering::SeqCst);
    }

    /// Stops counting and failing; returns the calls logged since [`Self::arm`].
    pub(super) fn disarm(&self) -> Vec<String> {
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
pub(super) enum Engine {
    Sqlite,
    Dynamo,
}

/// A fresh stack on `engine` with every port behind one switchboard (disarmed).
pub(super) async fn stack(engine: Engine) -> (TestApp, Arc<Faults>) {
    let t = match engine {
        Engine::Sqlite => TestApp::new().await,
        Engine::Dynamo => TestApp::over_dynamodb().await,
    };

    let faults = Arc::new(Faults::default());
    let f = faults.clone();
    // The social flows' tokens are signed by the fake issuer's keys (the same in every stack of
    // the test binary); its server lives as long as the test's runtime.
    let issuer = FakeIssuer::start().await;
    let jwks = Arc::new(
        ProviderKeys::new(
            Some(&issuer.keys_url("apple")),
            Some(&issuer.keys_url("google")),
        )
        .unwrap(),
    );
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
                ports.jwks = jwks;
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

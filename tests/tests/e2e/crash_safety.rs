//! Crash safety of the local runner: `keyturn serve` is killed with SIGKILL in the middle of a
//! mixed load (signups, logins, password changes, resets by mail, invites) several times, and
//! restarted over the same data directory. Every write the server acknowledged must survive, and
//! nothing may be half-done: every user whose signup was answered logs in with the password its
//! last acknowledged change set (or, for a change cut off mid-flight, the old or the new one),
//! no request ever answers a 5xx, and after each restart `keyturn doctor` finds nothing.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW};
use crate::support::aws::unique;
use crate::support::cli::{KEY, Server, cli, serve_in};
use crate::support::routes::{
    ADMIN_APPS, CHANGE_PASSWORD, FORGOT_PASSWORD, INVITE, LOGIN, RESET_PASSWORD, SIGNUP,
};

/// Concurrent clients, each with users of its own (so no two clients race on one account).
const WORKERS: usize = 4;
/// Kills per run.
const KILLS: usize = 3;

/// What a user's password may be: one after an acknowledged step, two while a change was cut off.
#[derive(Debug, Clone)]
struct Known {
    passwords: Vec<&'static str>,
    /// The signup itself was cut off: the account may or may not exist.
    maybe_absent: bool,
}

/// The load's shared view: where the server is, and what it acknowledged.
struct Load {
    url: RwLock<String>,
    app_token: String,
    http: reqwest::Client,
    users: Mutex<BTreeMap<String, Known>>,
    /// Every 5xx seen (must stay empty).
    errors: Mutex<Vec<String>>,
    /// Requests answered, by route, and requests cut off by a kill.
    answered: Mutex<BTreeMap<String, usize>>,
}

impl Load {
    /// POSTs JSON; `None` when the connection failed (the server is down or was killed).
    async fn post(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> Option<(u16, Value)> {
        let url = format!("{}{path}", self.url.read().unwrap());
        let mut req = self.http.post(url).json(&body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let count = |what: &str| {
            *self
                .answered
                .lock()
                .unwrap()
                .entry(what.to_owned())
                .or_default() += 1
        };
        let Some(resp) = req.send().await.ok() else {
            count("cut off");
            return None;
        };
        let status = resp.status().as_u16();
        let Some(text) = resp.text().await.ok() else {
            count("cut off");
            return None;
        };
        count(path);
        if status >= 500 {
            self.errors
                .lock()
                .unwrap()
                .push(format!("{path}: {status} {text}"));
        }
        Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// The newest code mailed to `handle`, from the local outbox.
    async fn code_for(&self, handle: &str) -> Option<String> {
        let url = format!("{}/local/outbox", self.url.read().unwrap());
        let outbox: Value = self.http.get(url).send().await.ok()?.json().await.ok()?;
        outbox["messages"]
            .as_array()?
            .iter()
            .rev()
            .find(|m| m["to"] == handle)
            .and_then(|m| crate::support::app::first_code(m["text"].as_str().unwrap_or("")))
    }

    fn app(&self) -> [(&str, &str); 1] {
        [("app-token", self.app_token.as_str())]
    }

    fn set(&self, handle: &str, known: Known) {
        self.users.lock().unwrap().insert(handle.to_owned(), known);
    }

    /// One client's loop: its own users, in turn signed up, logged in, changed, reset, and made
    /// to invite, until `stop`.
    async fn work(self: Arc<Self>, worker: usize, stop: Arc<AtomicBool>) {
        let mut n = 0usize;
        let mut mine: Vec<String> = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            n += 1;
            let step = n % 4;
            let Some(handle) = mine.last().cloned().filter(|_| step != 0) else {
                let handle = format!("w{worker}-{n}-{}@x.com", unique("u").replace('-', ""));
                self.set(
                    &handle,
                    Known {
                        passwords: vec![PW],
                        maybe_absent: true,
                    },
                );
                let body = json!({"handle": handle, "password": PW});
                match self.post(SIGNUP, &self.app(), body).await {
                    Some((200, _)) => {
                        self.set(
                            &handle,
                            Known {
                                passwords: vec![PW],
                                maybe_absent: false,
                            },
                        );
                        mine.push(handle);
                    }
                    None => {} // cut off: stays maybe_absent
                    Some((status, body)) => panic!("signup answered {status}: {body}"),
                }
                continue;
            };
            let known = self.users.lock().unwrap()[&handle].clone();
            let [current] = known.passwords[..] else {
                continue; // in doubt since a crash: the checker decides after the restart
            };
            let next = if current == PW { OTHER_PW } else { PW };
            let body = json!({"handle": handle, "password": current});
            let Some((status, session)) = self.post(LOGIN, &self.app(), body).await else {
                continue;
            };
            assert_eq!(status, 200, "{handle} could not log in: {session}");
            let access = session["access-token"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let auth = [("access-token", access.as_str())];
            match step {
                1 => {
                    self.set(
                        &handle,
                        Known {
                            passwords: vec![current, next],
                            maybe_absent: false,
                        },
                    );
                    let body = json!({"password": current, "newPassword": next});
                    if let Some((200, _)) = self.post(CHANGE_PASSWORD, &auth, body).await {
                        self.set(
                            &handle,
                            Known {
                                passwords: vec![next],
                                maybe_absent: false,
                            },
                        );
                    }
                }
                2 => {
                    let body = json!({"handle": handle});
                    if self
                        .post(FORGOT_PASSWORD, &self.app(), body)
                        .await
                        .is_none()
                    {
                        continue;
                    }
                    let Some(code) = self.code_for(&handle).await else {
                        continue;
                    };
                    self.set(
                        &handle,
                        Known {
                            passwords: vec![current, next],
                            maybe_absent: false,
                        },
                    );
                    let body = json!({"handle": handle, "password": next, "code": code});
                    if let Some((200, _)) = self.post(RESET_PASSWORD, &self.app(), body).await {
                        self.set(
                            &handle,
                            Known {
                                passwords: vec![next],
                                maybe_absent: false,
                            },
                        );
                    }
                }
                _ => {
                    let invited = format!("inv-{}@x.com", unique("i").replace('-', ""));
                    let body = json!({"handle": invited});
                    if let Some((status, body)) = self.post(INVITE, &auth, body).await {
                        assert!(status < 500, "invite answered {status}: {body}");
                    }
                }
            }
        }
    }

    /// After a restart: every acknowledged account logs in with one of its possible passwords;
    /// an account whose signup was cut off either does so or does not exist. Settles each user
    /// to the password that worked.
    async fn check_everyone(&self) {
        let users = self.users.lock().unwrap().clone();
        for (handle, known) in users {
            let mut worked = None;
            for pw in &known.passwords {
                let body = json!({"handle": handle, "password": pw});
                let (status, _) = self
                    .post(LOGIN, &self.app(), body)
                    .await
                    .expect("server up");
                if status == 200 {
                    worked = Some(*pw);
                    break;
                }
            }
            match worked {
                Some(pw) => self.set(
                    &handle,
                    Known {
                        passwords: vec![pw],
                        maybe_absent: false,
                    },
                ),
                None if known.maybe_absent => {
                    self.users.lock().unwrap().remove(&handle);
                }
                None => panic!("{handle} lost its account or password: {known:?}"),
            }
        }
    }
}

#[tokio::test]
async fn a_killed_server_loses_no_acknowledged_write_and_leaves_nothing_half_done() {
    let dir = std::env::temp_dir().join(unique("keyturn-crash"));
    let mut server: Server = serve_in(&dir).await;
    let http = keyturn::net::https_client_builder().build().unwrap();
    // One address sends all the load, as a backend would: the app raises its per-address limits.
    let app: Value = http
        .post(format!("{}{ADMIN_APPS}", server.url))
        .bearer_auth(KEY)
        .json(&json!({
            "name": "Crash", "signupFlow": "none", "invitationEnabled": true,
            "addressSendsPerHour": 1_000_000, "addressFailedChecksPer15Min": 1_000_000,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let load = Arc::new(Load {
        url: RwLock::new(server.url.clone()),
        app_token: app["appToken"].as_str().unwrap().to_owned(),
        http,
        users: Mutex::new(BTreeMap::new()),
        errors: Mutex::new(Vec::new()),
        answered: Mutex::new(BTreeMap::new()),
    });

    for round in 0..KILLS {
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| tokio::spawn(load.clone().work(w, stop.clone())))
            .collect();
        // Long enough for every kind of step to be in flight; the kill lands wherever it lands.
        tokio::time::sleep(std::time::Duration::from_millis(1500 + 400 * round as u64)).await;
        server.kill_9();
        stop.store(true, Ordering::SeqCst);
        for w in workers {
            w.await.expect("a worker failed");
        }
        server = serve_in(&dir).await;
        *load.url.write().unwrap() = server.url.clone();
        load.check_everyone().await;
        // The table checker finds nothing half-done: no claim without its user or the reverse,
        // no pending item without an expiry, no counter past its ceiling.
        let doctor = cli(&server.url, Some(KEY), &["doctor"]);
        assert_eq!(
            doctor.status.code(),
            Some(0),
            "after kill {}: {}",
            round + 1,
            String::from_utf8_lossy(&doctor.stdout)
        );
    }

    let users = load.users.lock().unwrap().len();
    let answered = load.answered.lock().unwrap().clone();
    eprintln!("{users} accounts; requests: {answered:?}");
    assert!(
        users >= WORKERS * KILLS,
        "too little load to mean anything: {users} users"
    );
    for route in [SIGNUP, LOGIN, CHANGE_PASSWORD, RESET_PASSWORD, INVITE] {
        assert!(
            answered.get(route).is_some_and(|n| *n > 0),
            "no {route}: {answered:?}"
        );
    }
    assert_eq!(*load.errors.lock().unwrap(), Vec::<String>::new());
}

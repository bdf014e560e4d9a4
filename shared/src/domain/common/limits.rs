//! Counters with a ceiling and a window, in the store: failed logins, code tries, emails per
//! mailbox, requests per client address, and an app's daily message budget. Each hit is counted
//! atomically before the guarded work, so parallel requests cannot race past a limit.

use crate::domain::ports::AppState;
use crate::domain::records::app::{App, Settings};
use crate::domain::records::context::ClientAddress;
use crate::domain::records::table_keys;
use crate::error::{Error, Result};
use crate::store::{Condition, Item, Key, StoreError};

/// One limit: at most `max` hits per `window_secs`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Hits allowed per window.
    pub max: i64,
    /// Window length in seconds, starting at the first hit.
    pub window_secs: i64,
}

/// What a per-address limit guards; each has its own counter and ceiling per app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressFlow {
    /// Requests that send an email or SMS (signup, forgotPassword, invite, setPhone, login SMS).
    Messages,
    /// Requests that send an SMS, on top of [`AddressFlow::Messages`] (texts cost the developer
    /// money).
    Texts,
    /// Failed password checks (login, changePassword, deleteAccount) and code checks
    /// (completeSignup, resetPassword, register, verifyPhone, loginComplete).
    FailedChecks,
    /// New anonymous users (each is an account that costs nothing to make).
    AnonymousUsers,
    /// Wrong admin keys (counted per address across the whole deployment).
    AdminKey,
    /// Social logins and signups (each may cost a JWKS lookup and an RSA verify).
    Social,
    /// Passkey ceremonies begun (each writes a ceremony item for five minutes).
    Passkey,
}

/// Wrong admin keys one address may present per hour, over the whole deployment: the key is the
/// deployment's, not an app's, so no app setting may loosen it.
pub const ADMIN_KEY_LIMIT: Limit = Limit {
    max: 20,
    window_secs: 3600,
};

impl AddressFlow {
    /// The ceiling an app's settings give this flow (the admin key's is the deployment's own).
    /// The defaults keep a shared address (an office NAT) usable while one machine cannot
    /// mail-bomb or guess at scale; an app whose users all arrive from one address (a carrier
    /// NAT, a school, its own backend) raises them in its settings.
    pub fn limit(self, settings: &Settings) -> Limit {
        let per = |max: u32, window_secs: i64| Limit {
            max: i64::from(max),
            window_secs,
        };
        match self {
            AddressFlow::Messages => per(settings.address_sends_per_hour, 3600),
            AddressFlow::Texts => per(settings.address_texts_per_hour, 3600),
            // Successes give their hit back, so only failures fill it.
            AddressFlow::FailedChecks => per(settings.address_failed_checks_per_15_min, 15 * 60),
            AddressFlow::AnonymousUsers => per(settings.address_anonymous_users_per_hour, 3600),
            AddressFlow::AdminKey => ADMIN_KEY_LIMIT,
            // 30 social calls per minute per address and app: each may cost a JWKS lookup and an
            // RSA verify, and a real user makes one; fixed, like the admin key's.
            AddressFlow::Social => Limit {
                max: 30,
                window_secs: 60,
            },
            // Like social: a real user begins one ceremony a sign-in; fixed.
            AddressFlow::Passkey => Limit {
                max: 30,
                window_secs: 60,
            },
        }
    }

    /// The name used in the counter's key.
    pub const fn name(self) -> &'static str {
        match self {
            AddressFlow::Messages => "MSG",
            AddressFlow::Texts => "SMS",
            AddressFlow::FailedChecks => "FAIL",
            AddressFlow::AnonymousUsers => "ANON",
            AddressFlow::AdminKey => "ADMINKEY",
            AddressFlow::Social => "SOCIAL",
            AddressFlow::Passkey => "PASSKEY",
        }
    }
}

/// Counts a hit on `key` and returns the count so far; refuses with 615 (and the seconds until
/// the window ends) past `max`.
pub async fn hit(state: &AppState, key: &Key, limit: Limit) -> Result<i64> {
    let until = state.clock.now_secs() + limit.window_secs;
    match state.store.add(key, 1, Some(limit.max), Some(until)).await {
        Ok(count) => Ok(count),
        Err(StoreError::LimitReached) => Err(Error::RateLimited {
            retry_after_secs: retry_after(state, key).await,
        }),
        Err(e) => Err(e.into()),
    }
}

/// Gives one hit back (a check that succeeded), so a counter of tries counts only failures.
/// Best effort: a leftover hit only delays. An expired counter is not revived with a negative
/// count beyond its own new window.
pub async fn give_back(state: &AppState, key: &Key, limit: Limit) {
    let until = state.clock.now_secs() + limit.window_secs;
    if let Err(e) = state.store.add(key, -1, None, Some(until)).await {
        tracing::warn!(error = %e, "could not give a hit back");
    }
}

/// Counts a request from `client` against `app`'s per-address limit for `flow`.
pub async fn hit_address(
    state: &AppState,
    app: &App,
    client: &ClientAddress,
    flow: AddressFlow,
) -> Result<()> {
    hit_scoped(state, &app.app_id, client, flow, flow.limit(&app.settings)).await
}

/// Counts a request from `client` against `limit` for `flow` in `scope` (an app id, or a
/// deployment-wide scope such as the admin key's).
pub async fn hit_scoped(
    state: &AppState,
    scope: &str,
    client: &ClientAddress,
    flow: AddressFlow,
    limit: Limit,
) -> Result<()> {
    hit(
        state,
        &table_keys::address_limit(scope, client.as_str(), flow.name()),
        limit,
    )
    .await
    .map(drop)
}

/// Gives back the hit of a check that succeeded (see [`give_back`]).
pub async fn give_back_address(
    state: &AppState,
    app: &App,
    client: &ClientAddress,
    flow: AddressFlow,
) {
    give_back_scoped(state, &app.app_id, client, flow, flow.limit(&app.settings)).await;
}

/// [`give_back_address`] in `scope` with `limit` (see [`hit_scoped`]).
pub async fn give_back_scoped(
    state: &AppState,
    scope: &str,
    client: &ClientAddress,
    flow: AddressFlow,
    limit: Limit,
) {
    give_back(
        state,
        &table_keys::address_limit(scope, client.as_str(), flow.name()),
        limit,
    )
    .await;
}

/// Forgets the hits on `key` (after a success). Best effort: a leftover counter only delays.
pub async fn clear(state: &AppState, key: &Key) {
    if let Err(e) = state.store.delete(key, Condition::Any).await {
        tracing::warn!(error = %e, "could not clear a counter");
    }
}

/// Counts one mail of `flow` (`INVITE`) to `handle`: against its canonical mailbox
/// (`per_mailbox`, whoever asks) and the app's daily mail budget. Every mail-sending route calls
/// it before it learns anything about the handle, so neither limit can probe for accounts.
pub async fn spend_mail(
    state: &AppState,
    app: &App,
    flow: &str,
    per_mailbox: Limit,
    handle: &str,
) -> Result<()> {
    let mailbox = table_keys::mailbox_mails(&app.app_id, &canonical_mailbox(handle), flow);
    hit(state, &mailbox, per_mailbox).await?;
    spend_daily_budget(
        state,
        &app.app_id,
        Channel::Mail,
        app.settings.mail_daily_limit,
    )
    .await
}

/// Mails of one flow one canonical mailbox may receive per hour over every client address: 20.
/// The tight limit is per mailbox *and* address, so a stranger's requests from one address
/// cannot stop the owner's mail for an hour; this ceiling still bounds mail-bombing from many.
pub const MAILBOX_CEILING: Limit = Limit {
    max: 20,
    window_secs: 3600,
};

/// Counts one mail of `flow` (`SIGNUP`, `RESET`) to `handle` requested from `client`: on its
/// canonical mailbox from this address (`per_address`), then on the mailbox over all addresses
/// ([`MAILBOX_CEILING`]). A refusal by the first leaves the second untouched, so one address
/// cannot fill the ceiling alone. Called before anything about the handle is known.
pub async fn count_mailbox(
    state: &AppState,
    app_id: &str,
    flow: &str,
    per_address: Limit,
    handle: &str,
    client: &ClientAddress,
) -> Result<()> {
    let mailbox = canonical_mailbox(handle);
    let from = table_keys::mailbox_mails_from(app_id, &mailbox, flow, client.as_str());
    hit(state, &from, per_address).await?;
    let all = table_keys::mailbox_mails(app_id, &mailbox, flow);
    hit(state, &all, MAILBOX_CEILING).await.map(drop)
}

/// [`count_mailbox`], then one mail of the app's daily budget: for flows whose mail goes out to
/// whoever asks (a signup's code), so the budget is spent before anything else is learned.
pub async fn spend_mail_from(
    state: &AppState,
    app: &App,
    flow: &str,
    per_address: Limit,
    handle: &str,
    client: &ClientAddress,
) -> Result<()> {
    count_mailbox(state, &app.app_id, flow, per_address, handle, client).await?;
    spend_daily_budget(
        state,
        &app.app_id,
        Channel::Mail,
        app.settings.mail_daily_limit,
    )
    .await
}

/// Shards of an app's daily message budget. One DynamoDB item takes about 1,000 writes a
/// second; sixteen shards take sixteen times that, so the budget never becomes a hot key.
pub const BUDGET_SHARDS: u32 = 16;

/// Which daily budget of an app something is spent from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Emails (SES costs the deployer; bounces hurt its sending reputation).
    Mail,
    /// SMS (each costs the developer money on their Twilio account): every text.
    Sms,
    /// The part of [`Channel::Sms`] that enrolment texts (`setPhone`) may use, so they can never
    /// spend what login texts to verified numbers need.
    SmsEnrolment,
    /// Failed signup-code checks (`signupCodeFailureDailyLimit`): a circuit breaker for
    /// guessing spread over many handles and addresses.
    SignupCodeFailures,
}

impl Channel {
    /// Every budget an app has (deleting an app deletes each one's shards).
    pub const ALL: [Channel; 4] = [
        Channel::Mail,
        Channel::Sms,
        Channel::SmsEnrolment,
        Channel::SignupCodeFailures,
    ];

    /// The name in the budget's keys (stable: a renamed budget would restart its day).
    pub const fn name(self) -> &'static str {
        match self {
            Channel::Mail => "MAIL",
            Channel::Sms => "SMS",
            Channel::SmsEnrolment => "SMSENROL",
            Channel::SignupCodeFailures => "SIGNUPCODE",
        }
    }
}

/// Spends one message of the app's daily budget of `daily` for `channel`, or refuses with 615
/// and the seconds until the next UTC day.
///
/// The budget is split over [`BUDGET_SHARDS`] counters, shard `i` holding `daily / 16` (the
/// first `daily % 16` shards one more), so the shards sum to exactly `daily`. A send starts at a
/// random shard and, when that one is full, walks on to the next, so the app is refused only
/// once every shard is full: the budget is exact, and only the last sends of a day pay extra
/// writes.
pub async fn spend_daily_budget(
    state: &AppState,
    app_id: &str,
    channel: Channel,
    daily: i64,
) -> Result<()> {
    spend_daily(state, app_id, channel, daily).await.map(drop)
}

/// One unit spent from a daily budget, which [`refund`] gives back (a check that succeeded).
#[must_use = "a spent unit is kept or refunded"]
pub struct Spent {
    key: Key,
    until: i64,
}

/// [`spend_daily_budget`], returning the unit spent so a success can [`refund`] it.
pub async fn spend_daily(
    state: &AppState,
    app_id: &str,
    channel: Channel,
    daily: i64,
) -> Result<Spent> {
    let now = state.clock.now_secs();
    let day = now.div_euclid(86_400);
    let next_day = (day + 1) * 86_400;
    let start = u32::from_str_radix(&state.codes.random_hex(4), 16).unwrap_or(0) % BUDGET_SHARDS;
    for step in 0..BUDGET_SHARDS {
        let shard = (start + step) % BUDGET_SHARDS;
        let share = shard_share(daily, shard);
        if share == 0 {
            continue;
        }
        let key = table_keys::daily_budget(app_id, channel.name(), day, shard);
        // Kept a day past its end, so a late clock on another instance still reads it.
        let until = next_day + 86_400;
        match state.store.add(&key, 1, Some(share), Some(until)).await {
            Ok(_) => return Ok(Spent { key, until }),
            Err(StoreError::LimitReached) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::RateLimited {
        retry_after_secs: u64::try_from((next_day - now).max(1)).unwrap_or(1),
    })
}

/// Gives a spent unit back to its shard. Best effort: a unit not given back only makes the
/// day's budget one smaller.
pub async fn refund(state: &AppState, spent: Spent) {
    if let Err(e) = state
        .store
        .add(&spent.key, -1, None, Some(spent.until))
        .await
    {
        tracing::warn!(error = %e, "could not refund a budget unit");
    }
}

/// Shard `shard`'s part of a daily budget of `daily`.
fn shard_share(daily: i64, shard: u32) -> i64 {
    let shards = i64::from(BUDGET_SHARDS);
    let daily = daily.max(0);
    daily / shards + i64::from(i64::from(shard) < daily % shards)
}

/// The mailbox an address delivers to, for counting mail limits: lowercased, with comments
/// (`x(1)@d`), quoting (`"x"@d`, `x\y@d`) and a `+tag` removed, so `x+1@d`, `x+2@d`, `x(1)@d`
/// and `"x"@d` share one counter. (Handles refuse quotes and backslashes anyway; this keeps any
/// other caller's counting honest.)
pub fn canonical_mailbox(handle: &str) -> String {
    let mut out = String::with_capacity(handle.len());
    let mut depth = 0usize;
    for c in handle.trim().chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '"' | '\\' => {}
            _ if depth == 0 => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    match out.rsplit_once('@') {
        Some((local, domain)) => {
            let local = local.split('+').next().unwrap_or(local);
            format!("{local}@{domain}")
        }
        None => out,
    }
}

/// Counts `n` hits on `key` at once (one per code a request is compared with); refuses with
/// 615, changing nothing, when they would pass `max`.
pub async fn hit_many(state: &AppState, key: &Key, n: i64, limit: Limit) -> Result<()> {
    let until = state.clock.now_secs() + limit.window_secs;
    match state.store.add(key, n, Some(limit.max), Some(until)).await {
        Ok(_) => Ok(()),
        Err(StoreError::LimitReached) => Err(Error::RateLimited {
            retry_after_secs: retry_after(state, key).await,
        }),
        Err(e) => Err(e.into()),
    }
}

/// Seconds until the counter at `key` expires (at least 1).
async fn retry_after(state: &AppState, key: &Key) -> u64 {
    let now = state.clock.now_secs();
    let until = match state.store.get(key).await {
        Ok(Some(Item {
            expires_at: Some(t),
            ..
        })) => t,
        _ => now + 60,
    };
    u64::try_from((until - now).max(1)).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_comments_and_case_share_one_mailbox() {
        for alias in [
            "x+1@d.com",
            "X+2@D.com",
            "x(1)@d.com",
            "(c)x@d.com",
            "\"x\"@d.com",
            "x@d.com",
        ] {
            assert_eq!(canonical_mailbox(alias), "x@d.com", "{alias}");
        }
        assert_ne!(canonical_mailbox("y@d.com"), canonical_mailbox("x@d.com"));
    }

    #[test]
    fn shards_sum_to_the_exact_budget() {
        for daily in [0, 1, 15, 16, 17, 1000, 10_000] {
            let total: i64 = (0..BUDGET_SHARDS).map(|s| shard_share(daily, s)).sum();
            assert_eq!(total, daily);
        }
    }
}

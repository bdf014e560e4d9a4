//! One column of the matrix: the healthy baseline, then every injection point on a fresh stack,
//! with the checks each case must pass.

use std::time::{Duration, Instant};

use keyturn::domain::admin::doctor::{self, Problem, Scope};
use serde_json::Value;

use super::flows::{Ctx, Flow, settle, setup, step};
use super::switchboard::{Engine, Fault, MARK, stack};
use crate::support::app::{OTHER_PW, PW, Resp, TestApp};

/// How long one request may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(20);

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

/// The faults injected at call `i` (0-based) on `engine`. SQLite takes every fault the call
/// admits. DynamoDB takes one, rotating with the call's index (call 0 the first kind, call 1 the
/// second, ...), so every call of a flow fails once and every kind is injected along the flow:
/// the faults come from the switchboard above the store, so the engine only decides what the
/// calls before the failed one left in the table, and a second and third kind at the same call
/// cost moto's serial time (about 0.4 s a case) for what SQLite already covers. Deterministic,
/// so a failure reproduces. App deletion, the slowest flow by far (114 calls, most of them the
/// same query over one shard after another), skips half its shard reads there; see [`thinned`].
fn sample(engine: Engine, flow: Flow, i: usize, call: &str, faults: Vec<Fault>) -> Vec<Fault> {
    match engine {
        Engine::Sqlite => faults,
        Engine::Dynamo if faults.is_empty() || thinned(flow, i, call) => Vec::new(),
        Engine::Dynamo => vec![faults[i % faults.len()]],
    }
}

/// Whether DynamoDB skips call `i` (0-based) of `flow`: only app deletion's odd-indexed reads
/// of a sharded key (`..#AUDIT#3`, `..#BUDGET#MAIL#7`). The purge sweeps each sharded
/// partition shard by shard, the same query and the same failure path each time, so half the
/// shards of every sweep still fail. Every other call still fails once: each write (the
/// deletes, the secrets' deletes, the counters) and each read of users, handles and invites.
/// This cuts the column's moto time by a third; SQLite keeps every call.
fn thinned(flow: Flow, i: usize, call: &str) -> bool {
    let read = call.starts_with("store get ") || call.starts_with("store query ");
    let shard = call.rsplit('#').next().is_some_and(|last| {
        (1..=3).contains(&last.len()) && last.bytes().all(|b| b.is_ascii_digit())
    });
    matches!(flow, Flow::AppDelete) && read && shard && i % 2 == 1
}

/// Cases run and how many of them the flow survived by doing without the failed call.
pub(super) struct Tally {
    cases: usize,
    absorbed: usize,
}

/// Runs `flow`'s column of the matrix on `engine` with `kinds` of faults (filtered per call by
/// [`faults_for`]): each injection point on a fresh stack.
pub(super) async fn run(engine: Engine, flow: Flow, kinds: &[Fault]) -> Tally {
    let started = Instant::now();
    let base = baseline(engine, flow).await;
    let points: Vec<(usize, &str, Fault)> = base
        .calls
        .iter()
        .enumerate()
        .flat_map(|(i, call)| {
            let faults: Vec<Fault> = faults_for(call)
                .into_iter()
                .filter(|fault| kinds.contains(fault))
                .collect();
            sample(engine, flow, i, call, faults)
                .into_iter()
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

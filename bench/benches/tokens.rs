//! Token verification on the request path: the HS256 access token every authenticated read
//! (getUser, setLocale, …) verifies, and the app token of every app-level route.

use criterion::{Criterion, criterion_group, criterion_main};
use keyturn::crypto::service_token::{AccessClaims, AppClaims, Purpose, ServiceTokens};
use keyturn_bench::APP_ID;
use std::hint::black_box;

const NOW: i64 = 1_700_000_000;

fn tokens(c: &mut Criterion) {
    let tokens = ServiceTokens::new(b"0123456789abcdef0123456789abcdef");
    let Ok(access) = tokens.issue(&ServiceTokens::access_claims(
        APP_ID,
        "5f0c7a1e9b2d4c6e8a0b1c2d3e4f5a6b",
        0,
        "0011223344556677",
        NOW,
        86_400,
    )) else {
        panic!("cannot issue the bench's access token");
    };
    let Ok(app) = tokens.issue(&ServiceTokens::app_claims(APP_ID, NOW)) else {
        panic!("cannot issue the bench's app token");
    };
    c.bench_function("tokens/verify_access", |b| {
        b.iter(|| {
            black_box(tokens.verify::<AccessClaims>(black_box(&access), Purpose::Access, NOW))
        });
    });
    c.bench_function("tokens/verify_app", |b| {
        b.iter(|| black_box(tokens.verify::<AppClaims>(black_box(&app), Purpose::App, NOW)));
    });
}

criterion_group!(benches, tokens);
criterion_main!(benches);

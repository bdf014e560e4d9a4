//! Claims building: the user JWT's claims from the app's metadata fields and the user's record,
//! then their JSON (what the RS256 signature covers).

use criterion::{Criterion, criterion_group, criterion_main};
use keyturn::domain::common::session::{Proof, user_claims};
use keyturn_bench::{sample_app, sample_user};
use std::hint::black_box;

fn claims(c: &mut Criterion) {
    let (app, user) = (sample_app(), sample_user());
    c.bench_function("claims/user_claims", |b| {
        b.iter(|| {
            black_box(user_claims(
                black_box(&app),
                black_box(&user),
                "https://id.example.com",
                1_700_000_000,
                Proof::Password,
            ))
        });
    });
    c.bench_function("claims/user_claims_json", |b| {
        b.iter(|| {
            let claims = user_claims(
                &app,
                &user,
                "https://id.example.com",
                1_700_000_000,
                Proof::Password,
            )
            .ok();
            black_box(claims.map(|c| serde_json::to_vec(&c)))
        });
    });
}

criterion_group!(benches, claims);
criterion_main!(benches);

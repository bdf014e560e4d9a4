//! A login's crypto as Keyturn's build runs it: one Argon2id verify through
//! `keyturn::crypto::password::Passwords` (m=19 MiB, t=2, p=1, peppered, on its hashing pool and
//! reused buffers) and one RS256 sign of a user JWT through `keyturn::crypto::jws::RsaSigner`
//! (ring). Built with the workspace's profile, so a profile change moves these two figures;
//! `bench/crypto-limit` is the same work from the stock crates at cargo's default release
//! profile (the reference `bench/load.py` compares logins with).
//!
//! `cargo bench -p keyturn-bench --bench login_crypto` (fat LTO, like the shipped binaries).

use criterion::{Criterion, criterion_group, criterion_main};
use keyturn::crypto::jws::RsaSigner;
use keyturn::crypto::password::{Cost, Passwords};
use keyturn::crypto::signing_key::{self, Bits};
use keyturn::domain::common::session::{Proof, user_claims};
use keyturn_bench::{sample_app, sample_user};
use std::hint::black_box;
use std::time::Duration;

const PASSWORD: &str = "5f4dcc3b5aa765d61d8327deb882cf99";

fn login_crypto(c: &mut Criterion) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
        panic!("cannot start the bench's runtime");
    };
    let Ok(passwords) = Passwords::new(b"0123456789abcdef0123456789abcdef".to_vec(), Cost::OWASP)
    else {
        panic!("cannot build the hasher");
    };
    let Ok(stored) = runtime.block_on(passwords.hash(PASSWORD)) else {
        panic!("cannot hash the bench's password");
    };
    let mut group = c.benchmark_group("login_crypto");
    // A verify takes tens of milliseconds: ten samples of a few verifies each.
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("argon2id_verify", |b| {
        b.iter(|| {
            let ok = runtime.block_on(passwords.verify(black_box(PASSWORD), Some(&stored)));
            assert!(ok, "the bench's password no longer verifies");
        });
    });
    group.finish();

    let Ok((private, public)) = signing_key::generate(Bits::Rsa2048) else {
        panic!("cannot generate the bench's signing key");
    };
    let signer = signing_key::private_der(&private.pem)
        .and_then(|der| RsaSigner::from_pkcs8(&der))
        .unwrap_or_else(|e| panic!("cannot load the bench's signing key: {e}"));
    let Ok(claims) = user_claims(
        &sample_app(),
        &sample_user(),
        "https://id.example.com",
        1_700_000_000,
        Proof::Password,
    ) else {
        panic!("cannot build the bench's claims");
    };
    c.bench_function("login_crypto/rs256_sign", |b| {
        b.iter(|| black_box(signer.sign(&public.kid, black_box(&claims))));
    });
}

criterion_group!(benches, login_crypto);
criterion_main!(benches);

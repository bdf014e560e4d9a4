//! Wire decoding: the JSON body of a login and the unencoded form body of a Swift signup.

use criterion::{Criterion, criterion_group, criterion_main};
use keyturn::wire::body::Fields;
use keyturn_bench::{LOGIN_JSON, SIGNUP_FORM};
use std::hint::black_box;

fn wire(c: &mut Criterion) {
    c.bench_function("wire/login_json", |b| {
        b.iter(|| {
            let fields = Fields::from_json(black_box(LOGIN_JSON)).ok();
            black_box(fields.and_then(|f| f.required("handle").ok()))
        });
    });
    c.bench_function("wire/signup_form", |b| {
        b.iter(|| {
            let fields = Fields::from_form(black_box(SIGNUP_FORM));
            black_box(fields.required("metaData").ok())
        });
    });
}

criterion_group!(benches, wire);
criterion_main!(benches);

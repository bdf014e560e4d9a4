//! `keyturn-lambda-admin`: the admin function's bootstrap (the admin API and the OpenAPI
//! document). Kept apart from `keyturn-lambda` so the end-user functions' zips carry none of the
//! admin code (app deletion, key generation, the audit listing, the document). A crate of its
//! own, at the release profile's opt-level "s": under fat LTO the whole binary is optimised at
//! the level of the crate that links it, and the admin API hashes no passwords, so it takes the
//! smaller code (about 3% of its zip) rather than keyturn-infra's 3, which Argon2 needs.

fn main() -> std::process::ExitCode {
    keyturn_infra::lambda_main(&keyturn_infra::ADMIN_LAMBDA)
}

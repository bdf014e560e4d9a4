//! `keyturn-lambda-admin`: the admin function's bootstrap (the admin API and the OpenAPI
//! document). Kept apart from `keyturn-lambda` so the end-user functions' zips carry none of the
//! admin code (app deletion, key generation, the audit listing, the document).

fn main() -> std::process::ExitCode {
    keyturn_infra::lambda_main(&keyturn_infra::ADMIN_LAMBDA)
}

//! `keyturn-lambda`: one bootstrap for every end-user function (a multi-call binary). Each
//! function's zip carries this same binary and its `KEYTURN_FUNCTION` (set per function in
//! `template.yaml`) picks the router it serves, so the function still routes only its own paths
//! and keeps its own least-privilege role. The admin function has its own bootstrap,
//! `keyturn-lambda-admin`.
//!
//! Why: a `sam build` of 19 single-function binaries paid 19 fat-LTO links (40–45 s each); this
//! is one (docs/performance.md has the measured table).

fn main() -> std::process::ExitCode {
    keyturn_infra::lambda_main(&keyturn_infra::USER_LAMBDA)
}

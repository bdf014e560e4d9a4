//! `keyturn-lambda`: one bootstrap for every function (a multi-call binary). Each function's zip
//! carries this same binary and its `KEYTURN_FUNCTION` (set per function in `template.yaml`)
//! picks the router it serves, so the function still routes only its own paths and keeps its
//! own least-privilege role. Without the variable, the name it was called by picks
//! (`ln -s keyturn-lambda login`).
//!
//! Why: a `sam build` of 19 single-function binaries paid 19 fat-LTO links (40–45 s each); this
//! is one (see the README's Performance section for the measured table).

use std::process::ExitCode;

fn main() -> ExitCode {
    let name = std::env::var("KEYTURN_FUNCTION").ok().or_else(|| {
        std::env::args()
            .next()
            .and_then(|arg0| arg0.rsplit('/').next().map(str::to_owned))
    });
    match name.as_deref().and_then(keyturn_infra::function_router) {
        Some(router) => keyturn::http::run_lambda_with(
            router,
            name.as_deref()
                .is_some_and(|n| keyturn_infra::HASHING_FUNCTIONS.contains(&n)),
        ),
        None => {
            eprintln!(
                "keyturn-lambda: KEYTURN_FUNCTION names no function ({name:?}); one of: {}",
                keyturn_infra::FUNCTIONS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            ExitCode::FAILURE
        }
    }
}

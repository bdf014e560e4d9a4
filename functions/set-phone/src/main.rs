//! The set-phone Lambda: build the state once per cold start, then serve this function's router.
fn main() -> std::process::ExitCode {
    keyturn::http::run_lambda(keyturn_fn_set_phone::router)
}

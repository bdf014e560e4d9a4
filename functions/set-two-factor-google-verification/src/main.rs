//! The set-two-factor-google-verification Lambda: build the state once per cold start, then serve this function's router.
fn main() -> std::process::ExitCode {
    keyturn::http::run_lambda(keyturn_fn_set_two_factor_google_verification::router)
}

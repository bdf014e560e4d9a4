//! The login-complete Lambda: build the state once per cold start, then serve this function's router.
fn main() -> std::process::ExitCode {
    keyturn::http::run_lambda(keyturn_fn_login_complete::router)
}

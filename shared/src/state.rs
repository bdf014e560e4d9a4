//! Application state: the ports, built once per cold start.
/// Placeholder until the domain lands.
#[derive(Clone)]
pub struct AppState;

//! Sign in with Apple and Google, the part `login` and `signup` share: verifying a provider's
//! ID token for an app ([`proof`], over the pure checks of [`id_token`] and the JWKS cache of
//! [`crate::domain::ports::jwks`]) and the identity claim that ties `(app, provider, sub)` to
//! one user ([`identity`]).

pub mod id_token;
pub mod identity;
pub mod proof;

//! Invites: the rules every door shares ([`rules`]: one live invite per inviter and handle,
//! limits, no enumeration) and a user's own `invite` / `revokeInvite` ([`user_invites`]). The
//! admin API's invites are in [`crate::domain::admin::invites`]; redeeming one is
//! [`crate::domain::signup::register`].

pub mod rules;
pub mod user_invites;

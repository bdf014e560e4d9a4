//! Creating an account: self-service signup in its three flows and its completion
//! ([`self_service`]), and an invitee's registration with an invite code ([`register`]).

pub mod register;
pub mod self_service;

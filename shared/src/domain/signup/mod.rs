//! Creating an account: self-service signup in its three flows and its completion
//! ([`self_service`]), an invitee's registration with an invite code ([`register`]), and an account for an Apple or
//! Google identity ([`social`]).

pub mod register;
pub mod self_service;
pub mod social;

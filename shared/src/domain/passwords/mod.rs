//! Passwords: forgot and reset ([`reset`]), and `changePassword` ([`change`]). The pending reset
//! code both a reset and a contested signup issue is [`crate::domain::common::reset_code`]. The check of a password against a user is
//! [`crate::domain::common::password_check`].

pub mod change;
pub mod reset;

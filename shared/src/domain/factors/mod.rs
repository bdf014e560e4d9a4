//! Second factors: the sealed factor record with its TOTP secret and recovery codes
//! ([`record`]), authenticator codes ([`totp`]), SMS codes with their anti-pumping limits
//! ([`sms_code`]), the change notice ([`notice`]) with its "this wasn't me" link ([`undo`]), and
//! the steps a signed-in user takes: proving a phone ([`phone`]) and switching a factor on or off
//! ([`switch`]). The login's challenge and its
//! completion live in [`crate::domain::login`], which reads these.

pub mod notice;
pub mod phone;
pub mod record;
pub mod sms_code;
pub mod switch;
pub mod totp;
pub mod undo;

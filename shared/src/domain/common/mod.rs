//! The layer the use cases share, written once: who is calling ([`caller`]), the repository
//! ([`repo`]), counters and their ceilings ([`limits`]), every password check and its lockout
//! ([`password_check`]), the second factor's budget of failures per account
//! ([`factor_failures`]), one-time codes ([`one_time_code`]), the pending password reset
//! ([`reset_code`]), what a login hands out ([`session`]), the claim a verified phone holds
//! ([`phone_claim`]), the upgrade of an imported bcrypt hash ([`rehash`]), message templates and escaping ([`templates`], [`html`]), paged
//! listings ([`paging`]) and the app token a CosyncJWT app brought along ([`legacy_app_token`]).

pub mod caller;
pub mod factor_failures;
pub mod html;
pub mod legacy_app_token;
pub mod limits;
pub mod one_time_code;
pub mod paging;
pub mod password_check;
pub mod phone_claim;
pub mod rehash;
pub mod repo;
pub mod reset_code;
pub mod session;
pub mod templates;

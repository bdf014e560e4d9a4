//! The signed-in user's own account: profile reads and changes ([`details`]), usernames
//! ([`user_name`]), linking an Apple or Google identity ([`link_social`]) and deleting the
//! account ([`delete_account`]).

pub mod delete_account;
pub mod details;
pub mod link_social;
pub mod user_name;

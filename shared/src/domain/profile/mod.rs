//! The signed-in user's own account: profile reads and changes ([`details`]), usernames
//! ([`user_name`]) and deleting the account ([`delete_account`]).

pub mod delete_account;
pub mod details;
pub mod user_name;

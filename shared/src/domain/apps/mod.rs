//! What an app shows the world without a user: its public settings (`getApplication`,
//! [`public_settings`]) and its issuer documents (discovery, JWKS, PEM: [`issuer`]).

pub mod issuer;
pub mod public_settings;

//! The admin API's bodies (`/admin/*`), one module per group of routes as in the admin function:
//! the requests it decodes (and converts into the domain's request types) and the replies it
//! writes. Each type derives both its serde and its schema in `/openapi.json`, so the document
//! describes exactly what is decoded and written.

use serde::{Deserialize, Deserializer};

/// One page of a listing, `{"<items>": [...], "cursor": <next page or null>}`: the reply type, its
/// schema and its conversion from the domain's page of records, so every listing pages alike.
macro_rules! page_reply {
    (
        $(#[$doc:meta])*
        $page:ident { $(#[$items_doc:meta])* $items:ident: Vec<$item:ty> } from $record:ty
    ) => {
        $(#[$doc])*
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct $page {
            $(#[$items_doc])*
            $items: Vec<$item>,
            /// Pass back as `cursor` for the next page; `null` on the last.
            cursor: Option<String>,
        }

        impl From<crate::domain::common::paging::Page<$record>> for $page {
            fn from(page: crate::domain::common::paging::Page<$record>) -> Self {
                Self {
                    $items: page.items.into_iter().map(<$item>::from).collect(),
                    cursor: page.cursor,
                }
            }
        }
    };
}

pub mod apps;
pub mod audit;
pub mod cosync_app;
pub mod doctor;
pub mod import;
pub mod invites;
pub mod keys;
pub mod templates;
pub mod twilio;
pub mod users;

/// A string field where blank means absent (as in the end-user API's bodies).
fn blank_is_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.trim().is_empty()))
}

/// A field that may be sent as `null`: `Some(None)` then, `None` when absent, so a PATCH can
/// tell "clear this" from "leave it".
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

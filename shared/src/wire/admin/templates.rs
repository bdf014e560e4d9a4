//! `GET`/`PUT`/`DELETE /admin/apps/{appId}/templates/{locale}/{name}`: the template in force and
//! whose it is (the body of a `PUT` is a [`Template`]).

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::admin::templates;
use crate::wire::records::Template;

/// A template as the admin API shows it.
#[derive(Serialize, ToSchema)]
pub struct TemplateView {
    #[serde(flatten)]
    template: Template,
    /// Whether it is the app's own rather than the built-in default.
    custom: bool,
}

convert!(templates::TemplateView => TemplateView {
    template: Template::from,
    custom,
});

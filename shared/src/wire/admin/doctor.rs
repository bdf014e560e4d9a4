//! `GET /admin/doctor` and `GET /admin/apps/{appId}/doctor`: one page of the table checker's
//! findings, as `keyturn doctor` pages through them.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::admin::doctor;

/// One broken invariant.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DoctorFinding {
    /// Its stable name (`handle-claim-missing`, `no-expiry`, …).
    problem: &'static str,
    /// The partition key of the item it was found at.
    pk: String,
    /// The sort key of that item.
    sk: String,
    /// What exactly, for the operator (ids and key names, never a secret).
    detail: String,
}

impl From<doctor::Finding> for DoctorFinding {
    fn from(f: doctor::Finding) -> Self {
        Self {
            problem: f.problem.name(),
            pk: f.key.pk,
            sk: f.key.sk,
            detail: f.detail,
        }
    }
}

/// One page of a check.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DoctorPage {
    /// What this page found (empty when all is well).
    findings: Vec<DoctorFinding>,
    /// Items this page checked.
    checked: usize,
    /// Pass back as `cursor` for the next page; `null` when the check is complete.
    cursor: Option<String>,
}

impl From<doctor::Checkup> for DoctorPage {
    fn from(c: doctor::Checkup) -> Self {
        Self {
            findings: c.findings.into_iter().map(Into::into).collect(),
            checked: c.checked,
            cursor: c.cursor,
        }
    }
}

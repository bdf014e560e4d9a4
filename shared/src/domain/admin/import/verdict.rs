//! How a record ended, as the modules that map the collections say it: a user's [`Refusal`]
//! (the user and social-identity mappers share it) and the other collections' [`Verdict`]
//! (invites, templates, the dropped ones); the route turns both into the report's outcome. Kept
//! apart from the route's own types and from each mapper so none imports another back.

/// One record's verdict, with the reason where the outcome needs one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Written (or, in a dry run, would be).
    Created,
    /// Written before by this import; nothing changes.
    Unchanged,
    /// Written before and rewritten (`--on-conflict update`).
    Updated,
    /// Left out by rule.
    Skipped(String),
    /// Something this record did not write is in the way.
    Conflict(String),
    /// The record cannot be imported.
    Invalid(String),
}

impl Verdict {
    /// `Skipped` with `reason`.
    pub fn skipped(reason: impl Into<String>) -> Self {
        Self::Skipped(reason.into())
    }

    /// `Invalid` with `reason`.
    pub fn invalid(reason: impl Into<String>) -> Self {
        Self::Invalid(reason.into())
    }
}

/// A verdict and what did not come over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    /// How it ended.
    pub verdict: Verdict,
    /// One reason per loss.
    pub lossy: Vec<String>,
}

impl From<Verdict> for Done {
    fn from(verdict: Verdict) -> Self {
        Self {
            verdict,
            lossy: Vec::new(),
        }
    }
}

/// Why a document is not imported: `skipped` (by rule) or `invalid` (it cannot be).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Left out on purpose (a pending user).
    Skipped(String),
    /// The document cannot become a user (no id, bad handle, bad hash).
    Invalid(String),
}

//! How a record that is not a user ended, as the modules for the other collections (invites,
//! templates, the dropped ones) say it; the route turns it into the report's outcome. Kept
//! apart from the route's own types so those modules never import the route back.

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

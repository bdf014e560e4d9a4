//! Store conformance (in progress).

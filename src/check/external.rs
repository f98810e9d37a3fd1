//! External links (opt-in): see the README's "External links" section.

/// Ids only this check reports; when it does not run, suppressions naming them
/// are not "unused".
pub const IDS: [&str; 2] = ["link/external", "link/redirect"];

pub mod candidate;
pub mod consent;
pub mod copy;
pub mod deletion;
pub mod files;
pub mod form;
pub mod layout;
pub mod status;

/// A value for a link's query string: everything but unreserved characters percent-encoded.
pub fn urlencode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

//! TOTP keys (RFC 6238) through `totp-rs`, and the QR code an authenticator app scans.

use crate::domain::mfa::{TOTP_DIGITS, TOTP_STEP_SECS};
use rand::{rngs::OsRng, RngCore};
use totp_rs::{Algorithm, TOTP};

/// 160 bits, the size RFC 4226 recommends for HMAC-SHA-1.
const KEY_BYTES: usize = 20;

pub fn generate_key() -> Vec<u8> {
    let mut key = vec![0u8; KEY_BYTES];
    OsRng.fill_bytes(&mut key);
    key
}

fn totp(key: Vec<u8>, issuer: &str, account: &str) -> Option<TOTP> {
    // The otpauth label forbids ':' in both parts.
    let clean = |s: &str| s.replace(':', " ");
    TOTP::new(
        Algorithm::SHA1,
        TOTP_DIGITS,
        0,
        TOTP_STEP_SECS,
        key,
        Some(clean(issuer)),
        clean(account),
    )
    .ok()
}

/// The code an app shows for `step` (time / 30 s).
pub fn code_at(key: &[u8], step: u64) -> String {
    totp(key.to_vec(), "Candor", "user")
        .map(|t| t.generate(step * TOTP_STEP_SECS))
        .unwrap_or_default()
}

/// What an app needs to add the key: the `otpauth://` URL, the key in base32 for typing, and the
/// URL as an SVG QR code (drawn on the server; no script or image request involved).
pub struct Provisioning {
    pub url: String,
    pub key_base32: String,
    pub qr_svg: String,
}

pub fn provisioning(key: &[u8], issuer: &str, account: &str) -> Option<Provisioning> {
    let totp = totp(key.to_vec(), issuer, account)?;
    let url = totp.get_url();
    let qr_svg = qrcode::QrCode::new(url.as_bytes())
        .ok()?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Some(Provisioning {
        key_base32: totp.get_secret_base32(),
        url,
        qr_svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s → 94287082 (8 digits); 6 digits keep the tail.
        let key = b"12345678901234567890".to_vec();
        assert_eq!(code_at(&key, 59 / 30), "287082");
    }

    #[test]
    fn the_qr_code_is_plain_svg_and_the_url_names_issuer_and_account() {
        let key = generate_key();
        let p = provisioning(&key, "Acme: Talent", "ada@example.com").unwrap();
        assert!(p
            .url
            .starts_with("otpauth://totp/Acme%20%20Talent:ada%40example.com?"));
        assert!(p.url.contains(&format!("secret={}", p.key_base32)));
        assert!(p.qr_svg.contains("<svg") && !p.qr_svg.contains("<script"));
    }
}

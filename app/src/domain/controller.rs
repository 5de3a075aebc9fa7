//! The organisation as controller (GDPR Art. 13(1)(a)): who candidates can reach about their
//! data. Stated on every consent request and receipt, where Kantara Consent Receipt v1.1
//! requires the controller's contact, postal address, e-mail and phone (`piiControllers`).

use super::email_address::EmailAddress;
use super::recruitment::single_line;
use serde::{Deserialize, Serialize};

/// The controller's contact as an admin set it, every field checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacyContact {
    /// A person or role, such as "Data protection officer".
    pub contact: String,
    pub street_address: String,
    pub postal_code: String,
    pub locality: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    pub email: String,
    pub phone: String,
}

/// The form's fields as typed.
pub struct PrivacyContactForm<'a> {
    pub contact: &'a str,
    pub street_address: &'a str,
    pub postal_code: &'a str,
    pub locality: &'a str,
    pub country: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
}

/// Checks every field; the refusal names each field that is wrong and why.
pub fn parse(form: &PrivacyContactForm<'_>) -> Result<PrivacyContact, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let mut line = |field: &'static str, raw: &str, max: usize| {
        single_line(raw, max)
            .map_err(|message| errors.push((field, message)))
            .ok()
    };
    let contact = line("privacy_contact", form.contact, 200);
    let street_address = line("privacy_street_address", form.street_address, 200);
    let postal_code = line("privacy_postal_code", form.postal_code, 20);
    let locality = line("privacy_locality", form.locality, 100);
    let country = form.country.trim().to_ascii_uppercase();
    if !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())) {
        errors.push((
            "privacy_country",
            "Give the country as its two-letter code (ISO 3166-1), such as NL or DE.".into(),
        ));
    }
    let email = match EmailAddress::parse(form.email) {
        Ok(email) => Some(email.as_str().to_owned()),
        Err(_) => {
            errors.push((
                "privacy_email",
                "Give an e-mail address such as privacy@example.com.".into(),
            ));
            None
        }
    };
    let phone = match parse_phone(form.phone) {
        Ok(phone) => Some(phone),
        Err(message) => {
            errors.push(("privacy_phone", message));
            None
        }
    };
    match (contact, street_address, postal_code, locality, email, phone) {
        (
            Some(contact),
            Some(street_address),
            Some(postal_code),
            Some(locality),
            Some(email),
            Some(phone),
        ) if errors.is_empty() => Ok(PrivacyContact {
            contact,
            street_address,
            postal_code,
            locality,
            country,
            email,
            phone,
        }),
        _ => Err(errors),
    }
}

/// A telephone number as people write it: an optional leading `+`, then digits with spaces,
/// hyphens, dots or parentheses between them; 6 to 15 digits (ITU-T E.164 allows 15).
fn parse_phone(raw: &str) -> Result<String, String> {
    let phone = raw.trim();
    let digits = phone.bytes().filter(u8::is_ascii_digit).count();
    let rest = phone.strip_prefix('+').unwrap_or(phone);
    let well_formed = rest
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'.' | b'(' | b')'));
    if well_formed && (6..=15).contains(&digits) && phone.len() <= 32 {
        Ok(phone.to_owned())
    } else {
        Err("Give a telephone number such as +31 20 123 4567.".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>() -> PrivacyContactForm<'a> {
        PrivacyContactForm {
            contact: "Data protection officer",
            street_address: "Keizersgracht 1",
            postal_code: "1015 CJ",
            locality: "Amsterdam",
            country: "nl",
            email: "privacy@acme.example",
            phone: "+31 20 123 4567",
        }
    }

    #[test]
    fn a_complete_contact_is_kept_with_the_country_in_capitals() {
        let contact = parse(&form()).unwrap();
        assert_eq!(contact.country, "NL");
        assert_eq!(contact.phone, "+31 20 123 4567");
        assert_eq!(contact.email, "privacy@acme.example");
    }

    #[test]
    fn every_wrong_field_is_named() {
        let bad = PrivacyContactForm {
            contact: " ",
            country: "Netherlands",
            email: "privacy",
            phone: "call us",
            ..form()
        };
        let fields: Vec<&str> = parse(&bad)
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            [
                "privacy_contact",
                "privacy_country",
                "privacy_email",
                "privacy_phone"
            ]
        );
    }

    #[test]
    fn a_phone_number_has_six_to_fifteen_digits_and_only_the_usual_separators() {
        for good in [
            "+31 20 123 4567",
            "(020) 123-4567",
            "020.123.4567",
            "123456",
        ] {
            assert!(parse_phone(good).is_ok(), "{good}");
        }
        for bad in [
            "12345",
            "+1234567890123456",
            "+31 20 123 4567 ext 2",
            "++31201234567",
            "",
        ] {
            assert!(parse_phone(bad).is_err(), "{bad}");
        }
    }
}

-- The controller's contact that candidates are given with every consent request and receipt
-- (Kantara Consent Receipt v1.1 piiControllers; GDPR Art. 13(1)(a)). Consent links wait until an
-- admin has set it, so existing organisations start without one.
ALTER TABLE orgs
    ADD COLUMN privacy_contact text CHECK (length(privacy_contact) <= 200),
    ADD COLUMN privacy_street_address text CHECK (length(privacy_street_address) <= 200),
    ADD COLUMN privacy_postal_code text CHECK (length(privacy_postal_code) <= 20),
    ADD COLUMN privacy_locality text CHECK (length(privacy_locality) <= 100),
    ADD COLUMN privacy_country text CHECK (privacy_country ~ '^[A-Z]{2}$'),
    ADD COLUMN privacy_email text CHECK (length(privacy_email) <= 254),
    ADD COLUMN privacy_phone text CHECK (length(privacy_phone) <= 32);

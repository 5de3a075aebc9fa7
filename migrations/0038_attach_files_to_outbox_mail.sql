-- A file sent with a message (the consent receipt), kept like the bodies: until delivery.
ALTER TABLE email_outbox
    ADD COLUMN attachment_name text,
    ADD COLUMN attachment_type text,
    ADD COLUMN attachment_body text,
    ADD CONSTRAINT email_outbox_attachment_named
        CHECK ((attachment_name IS NULL) = (attachment_type IS NULL));

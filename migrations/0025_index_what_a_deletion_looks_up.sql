-- A candidate's deletion finds their one-time links and the e-mails to their address. Neither had
-- an index: each batch of 100 deletions compared every link with every candidate and every one of
-- their applications (48 ms a batch with only 400 links, and growing with them), and counted the
-- e-mails by reading the whole outbox, whose delivered messages are kept.
CREATE INDEX one_time_tokens_subject_idx ON one_time_tokens (subject_id);
CREATE INDEX email_outbox_recipient_idx ON email_outbox (org_id, recipient);

-- The audit chain's links referred to their events by a foreign key: checking it locked each
-- event row as it was sealed (a write to the event's page for every event). Events can be
-- neither changed nor deleted (refuse_audit_change), and verification reports a link whose event
-- is missing, which is what removing an event with the checks switched off leaves behind.
ALTER TABLE audit_chain DROP CONSTRAINT audit_chain_event_id_fkey;

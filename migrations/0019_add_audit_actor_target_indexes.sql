-- Events by who acted and by what they touched, newest first. Without them, a user's recent
-- security activity (the account page), a candidate's "who read my data" answer (F9) and the
-- audit viewer's actor and target filters each walked the organisation's whole log backwards:
-- 200,000 events for a user with few of them (14 ms a view of the account page).
CREATE INDEX audit_events_org_actor_idx ON audit_events (org_id, actor, id);
CREATE INDEX audit_events_org_target_idx ON audit_events (org_id, target, id);

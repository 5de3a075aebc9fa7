-- An Idempotency-Key is now claimed in the write's own transaction and its answer stored there, so
-- a committed record always holds an answer. Claims left without one by the earlier two-step
-- claim (a request that died between claiming and answering) kept their key answering 409 for a
-- day; they are forgotten, and a retry runs.
DELETE FROM api_idempotency WHERE status IS NULL OR response_body IS NULL;

-- 0012_accounts.sql - what account management and model quotas need.
-- disabled: an admin turned the account off; it cannot log in, and its
-- sessions and API keys are refused on their next request.
ALTER TABLE users ADD COLUMN disabled boolean NOT NULL DEFAULT false;

-- A user's models are counted and summed on every model upload (quota).
CREATE INDEX models_created_by ON models (created_by);

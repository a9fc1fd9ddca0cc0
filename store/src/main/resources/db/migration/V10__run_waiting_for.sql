-- What an input step waits for (SPEC 10), as JSON, while it waits; null otherwise. It names the
-- step, its prompt and fields and when the wait ends; never a value.
ALTER TABLE runs ADD COLUMN waiting_for TEXT;

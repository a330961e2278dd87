-- A transferred call's leg: each leg has its own recording (<call id>, <call id>-2, …). Kept so
-- that a controller taking a call over after a restart records the next leg under a new name
-- rather than over an earlier leg's file.
ALTER TABLE calls ADD COLUMN leg integer NOT NULL DEFAULT 1 CHECK (leg >= 1);

-- Recordings kept as evidence: a SHA-256 taken when the file is filed (so tampering shows), the
-- result of the last check against it, and the moment the retention purge deleted the file.
ALTER TABLE recordings ADD COLUMN sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$');
ALTER TABLE recordings ADD COLUMN integrity text NOT NULL DEFAULT 'unchecked'
    CHECK (integrity IN ('unchecked', 'ok', 'altered', 'missing'));
ALTER TABLE recordings ADD COLUMN checked_at timestamptz;
ALTER TABLE recordings ADD COLUMN purged_at timestamptz;
ALTER TABLE recordings ADD COLUMN retention_category text;
CREATE INDEX recordings_stored_idx ON recordings (ended_at) WHERE state = 'stored';
-- The seat on the call when this recording began (a transferred call has one recording a leg).
ALTER TABLE recordings ADD COLUMN seat_id text;

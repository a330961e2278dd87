-- Messages left after hours: recorded like calls (kind 'message', recorded on the caller's
-- channel rather than a bridge), each one a callback task for agents when seats open again.
ALTER TABLE recordings RENAME COLUMN bridge_id TO target_id;
ALTER TABLE recordings ADD COLUMN kind text NOT NULL DEFAULT 'call';

CREATE TABLE callback_tasks (
    id             bigserial PRIMARY KEY,
    call_id        text NOT NULL REFERENCES calls (id),
    caller_number  text NOT NULL,
    reason         text NOT NULL,
    recording_name text REFERENCES recordings (name),
    created_at     timestamptz NOT NULL,
    due_at         timestamptz NOT NULL,
    state          text NOT NULL DEFAULT 'open',
    handled_at     timestamptz,
    UNIQUE (call_id, reason)
);
CREATE INDEX callback_tasks_open_idx ON callback_tasks (due_at) WHERE state = 'open';

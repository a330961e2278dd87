-- ACD across courts: the court each call is for, agent status kept across restarts, and the
-- callback list the switch dials agent-first (queued callbacks keep the caller's place).
ALTER TABLE calls ADD COLUMN home_platform text NOT NULL DEFAULT '';
-- 'inbound' (a citizen called 12368) or 'callback' (the switch called the citizen back).
ALTER TABLE calls ADD COLUMN direction text NOT NULL DEFAULT 'inbound';
ALTER TABLE calls ADD COLUMN callback_task_id bigint;

-- The status each agent last set (or the switch set for them), read back at start.
CREATE TABLE seat_status (
    seat_id    text PRIMARY KEY,
    status     text NOT NULL CHECK (status IN ('logged_out', 'available', 'paused')),
    reason     text,
    source     text NOT NULL,
    changed_at timestamptz NOT NULL,
    CHECK ((status = 'paused') = (reason IS NOT NULL))
);
-- Every change, for supervisors (why was this seat paused?) and reports.
CREATE TABLE seat_status_events (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seat_id text NOT NULL,
    status  text NOT NULL,
    reason  text,
    source  text NOT NULL,
    at      timestamptz NOT NULL
);
CREATE INDEX seat_status_events_seat_idx ON seat_status_events (seat_id, at);

-- state: open (waiting to be dialled) -> dialling -> done; outcome once done.
ALTER TABLE callback_tasks
    ADD COLUMN queue_id text,
    -- The caller's place in line: their original enqueue time for a queued callback.
    ADD COLUMN place_at timestamptz,
    ADD COLUMN priority integer NOT NULL DEFAULT 0,
    ADD COLUMN home_platform text NOT NULL DEFAULT '',
    -- Dialled by the switch (seat first, then the citizen); otherwise left to agents.
    ADD COLUMN auto_dial boolean NOT NULL DEFAULT false,
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN outcome text CHECK (outcome IN ('reached', 'unreached')),
    ADD COLUMN reached_at timestamptz,
    ADD COLUMN seat_id text;
CREATE INDEX callback_tasks_dial_idx ON callback_tasks (place_at)
    WHERE auto_dial AND state <> 'done';

CREATE TABLE callback_attempts (
    task_id    bigint NOT NULL REFERENCES callback_tasks (id),
    attempt    integer NOT NULL,
    seat_id    text NOT NULL,
    call_id    text NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at   timestamptz,
    outcome    text,
    PRIMARY KEY (task_id, attempt)
);

-- Calls, the offers made to seats for them, and their recordings.
CREATE TABLE calls (
    id               text PRIMARY KEY,
    caller_channel_id text NOT NULL UNIQUE,
    caller_number    text NOT NULL DEFAULT '',
    dialed_number    text NOT NULL DEFAULT '',
    state            text NOT NULL,
    queue_id         text,
    seat_id          text,
    seat_channel_id  text,
    bridge_id        text,
    started_at       timestamptz NOT NULL,
    answered_at      timestamptz,
    queued_at        timestamptz,
    offered_at       timestamptz,
    connected_at     timestamptz,
    ended_at         timestamptz,
    end_reason       text,
    ended_by         text,
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX calls_open_idx ON calls (started_at) WHERE ended_at IS NULL;
CREATE INDEX calls_started_idx ON calls (started_at);

CREATE TABLE call_offers (
    call_id     text NOT NULL REFERENCES calls (id),
    attempt     integer NOT NULL,
    seat_id     text NOT NULL,
    channel_id  text NOT NULL,
    offered_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    outcome     text,
    PRIMARY KEY (call_id, attempt)
);

CREATE TABLE recordings (
    name        text PRIMARY KEY,
    call_id     text NOT NULL REFERENCES calls (id),
    bridge_id   text NOT NULL,
    format      text NOT NULL,
    state       text NOT NULL,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    path        text,
    duration_ms integer,
    size_bytes  bigint
);
CREATE INDEX recordings_call_idx ON recordings (call_id);

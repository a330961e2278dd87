-- The SMS outbox: a message is written in the same transaction as what it is about (a work
-- order), then delivered by workers that lease rows with FOR UPDATE SKIP LOCKED.
-- state: pending -> sending (leased until leased_until) -> sent | pending (retry) | failed.
CREATE TABLE sms_outbox (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key   text NOT NULL UNIQUE,
    to_number         text NOT NULL,
    text              text NOT NULL,
    kind              text NOT NULL,
    reference         text,
    state             text NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    -- Attempts started, this one included; also the lease token: each claim increments it.
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL,
    leased_until      timestamptz,
    last_error        text,
    created_at        timestamptz NOT NULL,
    sent_at           timestamptz,
    failed_at         timestamptz,
    gateway_reference text,
    CHECK ((state = 'sending') = (leased_until IS NOT NULL)),
    CHECK ((state = 'sent') = (sent_at IS NOT NULL)),
    CHECK ((state = 'failed') = (failed_at IS NOT NULL))
);
-- The claim: due pending messages, and leases a killed controller left behind.
CREATE INDEX sms_outbox_due_idx ON sms_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX sms_outbox_lease_idx ON sms_outbox (leased_until) WHERE state = 'sending';
-- A work order's messages.
CREATE INDEX sms_outbox_reference_idx ON sms_outbox (reference) WHERE reference IS NOT NULL;

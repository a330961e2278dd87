-- Work orders (工单) and their history. The SMS they cause go through sms_outbox in the same
-- transaction as the change that causes them.
CREATE TABLE work_orders (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    court_id            text NOT NULL,
    case_number         text,
    category            text NOT NULL CHECK (category IN ('contact_judge', 'complaint',
                            'docketing_supervision', 'consultation_follow_up', 'other')),
    urgency             text NOT NULL CHECK (urgency IN ('normal', 'urgent')),
    caller_number       text NOT NULL,
    content             text NOT NULL CHECK (content <> ''),
    created_at          timestamptz NOT NULL,
    created_by          text NOT NULL,
    due_at              timestamptz NOT NULL,
    status              text NOT NULL
        CHECK (status IN ('created', 'dispatched', 'replied', 'closed')),
    handler_kind        text NOT NULL
        CHECK (handler_kind IN ('judge', 'division_head', 'supervision_office')),
    handler_name        text NOT NULL,
    handler_court_id    text NOT NULL,
    handler_mobile      text,
    handler_judge_id    text,
    handler_division_id text,
    complained_judge_id text,
    dispatched_at       timestamptz,
    escalation_level    integer NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
    reminders_sent      integer NOT NULL DEFAULT 0,
    last_reminder_at    timestamptz,
    reply               text,
    replied_by          text,
    replied_at          timestamptz,
    closed_at           timestamptz,
    reopened_count      integer NOT NULL DEFAULT 0,
    follow_ups          integer NOT NULL DEFAULT 0,
    call_id             text,
    urgent_contact_id   bigint REFERENCES urgent_contacts (id),
    -- Never dispatched to the judge a complaint is about.
    CHECK (complained_judge_id IS NULL OR handler_judge_id IS DISTINCT FROM complained_judge_id)
);
-- Repeat callers: their open orders by court, number and category.
CREATE INDEX work_orders_open_idx ON work_orders (court_id, caller_number, category)
    WHERE status <> 'closed';
-- Reminders and escalation read the dispatched ones.
CREATE INDEX work_orders_dispatched_idx ON work_orders (due_at) WHERE status = 'dispatched';

CREATE TABLE work_order_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    work_order_id bigint NOT NULL REFERENCES work_orders (id),
    at            timestamptz NOT NULL,
    kind          text NOT NULL,
    actor         text NOT NULL,
    detail        text NOT NULL
);
CREATE INDEX work_order_events_order_idx ON work_order_events (work_order_id, id);

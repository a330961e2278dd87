-- Urgent contacts with the judge: one row per contact, one per number rung, all kept for review.
CREATE TABLE urgent_contacts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id       text NOT NULL,
    court_id      text NOT NULL,
    case_number   text NOT NULL,
    caller_number text NOT NULL,
    -- 'ivr' when the litigant chose it in the menu, else the seat whose agent started it.
    initiated_by  text NOT NULL,
    started_at    timestamptz NOT NULL,
    ended_at      timestamptz,
    outcome       text CHECK (outcome IN ('bridged', 'unreached', 'caller_left', 'interrupted')),
    bridged_step  integer,
    CHECK ((ended_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX urgent_contacts_case_idx ON urgent_contacts (court_id, case_number, started_at);
CREATE INDEX urgent_contacts_caller_idx ON urgent_contacts (caller_number, started_at);

CREATE TABLE urgent_contact_steps (
    contact_id  bigint NOT NULL REFERENCES urgent_contacts (id),
    step_no     integer NOT NULL CHECK (step_no > 0),
    role        text NOT NULL
        CHECK (role IN ('judge', 'division_office', 'division_head', 'duty_judge')),
    name        text NOT NULL,
    number      text NOT NULL,
    channel_id  text NOT NULL,
    dialled_at  timestamptz NOT NULL,
    answered_at timestamptz,
    ended_at    timestamptz,
    outcome     text CHECK (outcome IN
        ('accepted', 'declined', 'no_answer', 'busy', 'failed', 'no_choice', 'caller_left')),
    cause       integer,
    PRIMARY KEY (contact_id, step_no)
);

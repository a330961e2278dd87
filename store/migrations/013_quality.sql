-- Quality work (质检回访): each week a sample of closed work orders per division is called back;
-- every closed order is graded from its record and the litigant's answers.
CREATE TABLE follow_up_rounds (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    week_start  date NOT NULL UNIQUE,  -- the Monday of the week the sample was drawn for
    closed_from timestamptz NOT NULL,  -- orders closed in [closed_from, closed_until)
    closed_until timestamptz NOT NULL,
    seed        bigint NOT NULL,  -- with the same orders, the same seed draws the same sample
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL
);

CREATE TABLE follow_ups (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id        bigint NOT NULL REFERENCES follow_up_rounds (id),
    work_order_id   bigint NOT NULL UNIQUE REFERENCES work_orders (id),
    division_key    text NOT NULL,
    state           text NOT NULL DEFAULT 'open'
                    CHECK (state IN ('open', 'done', 'unreachable', 'declined')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    judge_called    text CHECK (judge_called IN ('yes', 'no', 'unknown')),
    problem_solved  text CHECK (problem_solved IN ('yes', 'no', 'unknown')),
    satisfied       text CHECK (satisfied IN ('yes', 'no', 'unknown')),
    note            text,
    last_call_id    text,  -- the latest follow-up call placed from the console (its recording)
    finished_at     timestamptz,
    finished_by     text,
    CHECK ((state = 'done') = (problem_solved IS NOT NULL))
);
CREATE INDEX follow_ups_open_idx ON follow_ups (next_attempt_at) WHERE state = 'open';

CREATE TABLE follow_up_attempts (
    follow_up_id bigint NOT NULL REFERENCES follow_ups (id),
    attempt      integer NOT NULL,
    at           timestamptz NOT NULL,
    outcome      text NOT NULL,
    by_actor     text NOT NULL,
    PRIMARY KEY (follow_up_id, attempt)
);

CREATE TABLE work_order_grades (
    work_order_id   bigint PRIMARY KEY REFERENCES work_orders (id),
    result          text NOT NULL CHECK (result IN ('pass', 'fail')),
    reasons         text[] NOT NULL,
    on_time         boolean NOT NULL,
    substantive     boolean NOT NULL,
    solved          text NOT NULL,
    graded_at       timestamptz NOT NULL,
    -- A supervisor's review: their result stands over the computed one, with the note why.
    override_result text CHECK (override_result IN ('pass', 'fail')),
    override_note   text,
    overridden_by   text,
    overridden_at   timestamptz,
    CHECK ((override_result IS NULL) = (override_note IS NULL))
);

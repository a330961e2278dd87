-- Case self-service: the cases a litigant may query by code and password, and every attempt.
CREATE TABLE cases (
    query_code    text PRIMARY KEY CHECK (query_code ~ '^[0-9]{6,20}$'),
    case_number   text NOT NULL CHECK (case_number <> ''),
    court_id      text NOT NULL CHECK (court_id <> ''),
    division      text,
    -- argon2id only; the plaintext password is never stored.
    password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    stage         text NOT NULL,
    judge_name    text NOT NULL,
    next_hearing  timestamptz,
    last_event    text NOT NULL,
    last_event_at timestamptz,
    imported_at   timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- One case may have several query codes (one per party): agents look cases up by number.
CREATE INDEX cases_case_number_idx ON cases (court_id, case_number);

-- No foreign keys: attempts are kept for review even for codes that do not exist, and a call row
-- may be written after its first attempt.
CREATE TABLE case_query_attempts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL,
    call_id       text NOT NULL,
    caller_number text NOT NULL,
    query_code    text NOT NULL,
    success       boolean NOT NULL,
    reason        text NOT NULL,
    CHECK (success = (reason = 'success'))
);
-- The lockout reads recent attempts per code (failures and the last success) and per number.
CREATE INDEX case_query_attempts_code_idx ON case_query_attempts (query_code, at);
CREATE INDEX case_query_attempts_number_idx ON case_query_attempts (caller_number, at)
    WHERE NOT success;

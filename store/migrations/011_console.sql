-- The web console: users and their roles, signed-in sessions, failed logins (for throttling) and
-- the audit log of sensitive acts. Case judges have no account; they act through signed links.
CREATE TABLE console_users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username            text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,31}$'),
    display_name        text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 40),
    role                text NOT NULL CHECK (role IN ('agent', 'supervisor', 'judge', 'admin')),
    -- NULL: every platform (an HQ supervisor, an admin).
    platform            text,
    -- The seats an agent may log in to; empty: any seat of the platform.
    seats               text[] NOT NULL DEFAULT '{}',
    password_hash       text NOT NULL,
    disabled            boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL,
    password_changed_at timestamptz NOT NULL
);

CREATE TABLE console_sessions (
    -- SHA-256 of the cookie's value: a stolen table does not give usable sessions.
    id           text PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    client       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX console_sessions_user_idx ON console_sessions (user_id);
CREATE INDEX console_sessions_expiry_idx ON console_sessions (expires_at);

CREATE TABLE console_login_failures (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL,
    client   text NOT NULL,
    at       timestamptz NOT NULL
);
CREATE INDEX console_login_failures_user_idx ON console_login_failures (username, at);
CREATE INDEX console_login_failures_client_idx ON console_login_failures (client, at);

CREATE TABLE audit_log (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     timestamptz NOT NULL,
    actor  text NOT NULL,
    role   text,
    action text NOT NULL,
    target text NOT NULL DEFAULT '',
    -- Personal data is masked before it is written here.
    detail jsonb NOT NULL DEFAULT '{}',
    client text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at);

-- The agent's screen pop reads a caller's earlier calls and work orders; the wallboard reads
-- today's queued calls.
CREATE INDEX calls_caller_idx ON calls (caller_number, started_at);
CREATE INDEX calls_queued_idx ON calls (queued_at) WHERE queue_id IS NOT NULL;
CREATE INDEX work_orders_caller_idx ON work_orders (caller_number, created_at);

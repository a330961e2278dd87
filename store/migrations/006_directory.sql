-- The directory: courts, divisions, judges, and the cases they hold with their parties' numbers.
-- Ids are the courts' own (the court id is its platform id in the routing YAML).
CREATE TABLE directory_courts (
    id                       text PRIMARY KEY,
    name                     text NOT NULL CHECK (name <> ''),
    supervision_office_name  text,
    supervision_office_phone text,
    duty_judge_id            text,
    updated_at               timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE directory_judges (
    id               text PRIMARY KEY,
    court_id         text NOT NULL REFERENCES directory_courts (id),
    division_id      text,
    name             text NOT NULL CHECK (name <> ''),
    mobile           text,
    office_phone     text,
    assistant_name   text,
    assistant_mobile text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE directory_divisions (
    id            text PRIMARY KEY,
    court_id      text NOT NULL REFERENCES directory_courts (id),
    name          text NOT NULL CHECK (name <> ''),
    office_phone  text,
    head_judge_id text REFERENCES directory_judges (id) DEFERRABLE INITIALLY DEFERRED,
    clerk_name    text,
    clerk_mobile  text,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE directory_judges ADD FOREIGN KEY (division_id)
    REFERENCES directory_divisions (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE directory_courts ADD FOREIGN KEY (duty_judge_id)
    REFERENCES directory_judges (id) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE case_files (
    court_id    text NOT NULL REFERENCES directory_courts (id),
    case_number text NOT NULL CHECK (case_number <> ''),
    division_id text REFERENCES directory_divisions (id),
    judge_id    text REFERENCES directory_judges (id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (court_id, case_number)
);

CREATE TABLE case_parties (
    court_id    text NOT NULL,
    case_number text NOT NULL,
    phone       text NOT NULL CHECK (phone ~ '^\+?[0-9]{5,20}$'),
    PRIMARY KEY (court_id, case_number, phone),
    FOREIGN KEY (court_id, case_number) REFERENCES case_files (court_id, case_number)
        ON DELETE CASCADE
);
-- A caller is matched to their cases by number (screen pop, repeat callers).
CREATE INDEX case_parties_phone_idx ON case_parties (phone);

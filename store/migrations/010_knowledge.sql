-- The agents' knowledge base (知识库), the history of every change to it, and its search terms.
CREATE TABLE knowledge_entries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    question    text NOT NULL CHECK (question <> ''),
    answer      text NOT NULL CHECK (answer <> ''),
    tags        text[] NOT NULL DEFAULT '{}',
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_by  text NOT NULL,
    updated_at  timestamptz NOT NULL,
    version     integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    archived    boolean NOT NULL DEFAULT false,
    use_count   bigint NOT NULL DEFAULT 0 CHECK (use_count >= 0)
);
-- One live entry per question: an import updates the entry by its question.
CREATE UNIQUE INDEX knowledge_entries_question_idx ON knowledge_entries (question)
    WHERE NOT archived;

-- Each row is the entry as one change left it: who, when, and the content from then on.
CREATE TABLE knowledge_revisions (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id  bigint NOT NULL REFERENCES knowledge_entries (id),
    version   integer NOT NULL,
    action    text NOT NULL CHECK (action IN ('created', 'edited', 'archived', 'imported')),
    at        timestamptz NOT NULL,
    actor     text NOT NULL,
    question  text NOT NULL,
    answer    text NOT NULL,
    tags      text[] NOT NULL,
    UNIQUE (entry_id, version)
);

-- The search index of live entries, one row per term an entry holds. The terms are computed by
-- knowledge/policy.py (Chinese characters and bigrams, other words, prefixed by field), not by
-- PostgreSQL: pg_trgm skips CJK characters under the C locale and there is no Chinese parser.
-- A table rather than a text[] column with a GIN index: an entry holds hundreds of terms, so the
-- array is TOASTed, the heap looks tiny, and the planner picks a sequential scan that detoasts
-- every array (measured: 1.3 s at 5,000 entries, against 5 ms here); ranking also had to
-- detoast every candidate's array, where here it only sums the query terms' rows.
-- COLLATE "C": terms are compared byte for byte, whatever the database's locale.
CREATE TABLE knowledge_terms (
    term     text COLLATE "C" NOT NULL,
    entry_id bigint NOT NULL REFERENCES knowledge_entries (id),
    PRIMARY KEY (term, entry_id)
);
CREATE INDEX knowledge_terms_entry_idx ON knowledge_terms (entry_id);

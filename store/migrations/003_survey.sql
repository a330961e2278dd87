-- The caller's rating when asked after the seat hung up first (NULL: not asked or no answer).
ALTER TABLE calls ADD COLUMN survey_answer text;

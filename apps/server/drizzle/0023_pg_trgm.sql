-- Trigram matching for the services search's indexes (migration 0024). PostgreSQL ships pg_trgm in its server
-- package (a trusted extension: the database owner may create it); PGlite loads it in openDatabase.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

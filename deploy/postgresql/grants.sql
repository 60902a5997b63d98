-- What the app role may do in the Achilles database. Run as the OWNER role after every
-- `flask db upgrade` and after every restore; running it again changes nothing:
--
--   psql -v ON_ERROR_STOP=1 -v app=achilles_app -h DB_HOST -U achilles_owner -d achilles \
--        -f deploy/postgresql/grants.sql
--
-- The app role reads and writes rows. It gets no TRUNCATE, REFERENCES or TRIGGER anywhere, cannot
-- create or drop anything (it owns nothing), cannot move the schema revision, and may only read
-- and add audit entries: the append-only triggers are the second lock, this is the first.

GRANT USAGE ON SCHEMA public TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";

REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_entries FROM :"app";
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON alembic_version FROM :"app";

-- Tables that later migrations add are usable at once; re-running this file after the upgrade
-- still matters, for the two revocations above.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"app";

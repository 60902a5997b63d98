-- Achilles on PostgreSQL: two roles and the database. Run once, as a superuser, with psql:
--
--   psql -v ON_ERROR_STOP=1 -v owner=achilles_owner -v app=achilles_app -v db=achilles \
--        -v locale=en_GB.UTF-8 -f deploy/postgresql/roles.sql
--
-- then give each role its password interactively, so it is in no file and no shell history:
--
--   psql -c '\password achilles_owner'
--   psql -c '\password achilles_app'
--
-- The owner role owns the schema: only `flask db upgrade` and `flask restore` connect as it.
-- The app role is what gunicorn and the scheduler use: it reads and writes rows and nothing more
-- (no CREATE, no DROP, no TRUNCATE, and on the audit log only SELECT and INSERT; see grants.sql).
-- The locale must be a UTF-8 one: name search lower-cases accented names through the database.

CREATE ROLE :"owner" LOGIN;
CREATE ROLE :"app" LOGIN;
CREATE DATABASE :"db" OWNER :"owner" ENCODING 'UTF8' LOCALE :'locale' TEMPLATE template0;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";

\connect :"db"
-- PostgreSQL 15 already keeps CREATE on schema public from PUBLIC; earlier versions do not.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO :"owner";

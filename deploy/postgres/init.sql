-- One role and one schema per service: a service can read and write only its own tables.
-- Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d),
-- connected as the superuser to the database named by POSTGRES_DB. The passwords come from the
-- container's environment (psql's \getenv), so none is written in this file.
\set ON_ERROR_STOP on

\set registratie_password ''
\set kpi_password ''
\set meldingen_password ''
\set beleidsplan_password ''
\getenv registratie_password DINET_REGISTRATIE_DB_PASSWORD
\getenv kpi_password DINET_KPI_DB_PASSWORD
\getenv meldingen_password DINET_MELDINGEN_DB_PASSWORD
\getenv beleidsplan_password DINET_BELEIDSPLAN_DB_PASSWORD

-- Refuse to create a role without a password (an unset variable keeps the '' above).
SELECT :'registratie_password' <> '' AND :'kpi_password' <> '' AND :'meldingen_password' <> ''
       AND :'beleidsplan_password' <> '' AS passwords_set \gset
\if :passwords_set
\else
  -- fails, and ON_ERROR_STOP stops the script with this text in the error
  SELECT 'DINET_<DIENST>_DB_PASSWORD ontbreekt voor minstens een dienst'::int;
\endif

-- Nobody but the owner and the service roles may connect; nobody may create in `public`.
SELECT current_database() AS db \gset
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE ROLE registratie LOGIN PASSWORD :'registratie_password';
CREATE ROLE kpi LOGIN PASSWORD :'kpi_password';
CREATE ROLE meldingen LOGIN PASSWORD :'meldingen_password';
CREATE ROLE beleidsplan LOGIN PASSWORD :'beleidsplan_password';

-- Owning its schema gives a service every right inside it and none outside: schemas of other
-- services grant no USAGE to anybody else.
CREATE SCHEMA registratie AUTHORIZATION registratie;
CREATE SCHEMA kpi AUTHORIZATION kpi;
CREATE SCHEMA meldingen AUTHORIZATION meldingen;
CREATE SCHEMA beleidsplan AUTHORIZATION beleidsplan;

GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO registratie, kpi, meldingen, beleidsplan;

ALTER ROLE registratie SET search_path = registratie;
ALTER ROLE kpi SET search_path = kpi;
ALTER ROLE meldingen SET search_path = meldingen;
ALTER ROLE beleidsplan SET search_path = beleidsplan;

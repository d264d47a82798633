-- Run once by the postgres image on its first start (docker-entrypoint-initdb.d), as the
-- POSTGRES_USER that owns both databases: Dagster's (POSTGRES_DB, "dagster") and syncrag's.
CREATE DATABASE syncrag;

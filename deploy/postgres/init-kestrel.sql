-- Kestrel's own database, beside Temporal's, in the same PostgreSQL server.
CREATE ROLE kestrel LOGIN PASSWORD 'kestrel';
CREATE DATABASE kestrel OWNER kestrel;

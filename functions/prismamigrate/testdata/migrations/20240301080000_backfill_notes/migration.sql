-- Data migration: semicolons inside strings and comments must not split
-- anything; the whole file is one query.
INSERT INTO "User" ("id", "email", "name", "updatedAt") VALUES ('seed-1', 'seed@example.com', 'Seed; user', CURRENT_TIMESTAMP);
UPDATE "Booking" SET "note" = 'n/a; backfilled' WHERE "note" IS NULL; -- none yet

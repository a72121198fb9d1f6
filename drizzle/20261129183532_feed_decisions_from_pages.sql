-- The decision log moves from a row per served card to a row per served page (the factors stay in the batch's
-- cards): each page recorded so far becomes one row, from its cards' records (those a page recorded share their
-- served-at time); a position inside a page's range without a record was not served by it (skipped).
INSERT INTO "feed_served_pages" ("id", "created_at", "updated_at", "user_id", "batch_id", "first_position", "last_position", "skipped")
SELECT gen_random_uuid(), d."created_at", d."created_at", d."user_id", d."batch_id", min(d."position"), max(d."position"),
  array(
    SELECT g FROM generate_series(min(d."position"), max(d."position")) AS g
    WHERE NOT (g = ANY (array_agg(d."position"))) ORDER BY g
  )
FROM "feed_decisions" AS d
GROUP BY d."user_id", d."batch_id", d."created_at";--> statement-breakpoint
DROP TABLE "feed_decisions" CASCADE;--> statement-breakpoint
ALTER TABLE "feed_batches" DROP COLUMN "served_count";
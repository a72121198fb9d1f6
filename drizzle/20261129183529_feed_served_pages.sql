CREATE TABLE "feed_served_pages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" uuid NOT NULL,
	"batch_id" uuid NOT NULL,
	"first_position" integer NOT NULL,
	"last_position" integer NOT NULL,
	"skipped" integer[] DEFAULT '{}'::integer[] NOT NULL
);
--> statement-breakpoint
-- Existing batches take their size from their cards before the column becomes NOT NULL.
ALTER TABLE "feed_batches" ADD COLUMN "size" integer;--> statement-breakpoint
UPDATE "feed_batches" SET "size" = jsonb_array_length("cards");--> statement-breakpoint
ALTER TABLE "feed_batches" ALTER COLUMN "size" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "feed_served_pages" ADD CONSTRAINT "feed_served_pages_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feed_served_pages" ADD CONSTRAINT "feed_served_pages_batch_id_feed_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."feed_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "feed_served_pages_batch_idx" ON "feed_served_pages" USING btree ("batch_id","created_at");--> statement-breakpoint
CREATE INDEX "feed_served_pages_created_at_idx" ON "feed_served_pages" USING btree ("created_at");--> statement-breakpoint
CREATE TRIGGER "feed_served_pages_set_updated_at" BEFORE UPDATE ON "feed_served_pages"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();

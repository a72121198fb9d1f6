CREATE TRIGGER "interactions_set_updated_at" BEFORE UPDATE ON "interactions"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();
--> statement-breakpoint
CREATE TRIGGER "exposures_set_updated_at" BEFORE UPDATE ON "exposures"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();
--> statement-breakpoint
CREATE TRIGGER "clicks_set_updated_at" BEFORE UPDATE ON "clicks"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();
--> statement-breakpoint
CREATE TRIGGER "feed_batches_set_updated_at" BEFORE UPDATE ON "feed_batches"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();
--> statement-breakpoint
CREATE TRIGGER "feed_decisions_set_updated_at" BEFORE UPDATE ON "feed_decisions"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();

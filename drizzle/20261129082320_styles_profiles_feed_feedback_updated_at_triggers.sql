CREATE TRIGGER "cluster_runs_set_updated_at" BEFORE UPDATE ON "cluster_runs"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();
--> statement-breakpoint
CREATE TRIGGER "clusters_set_updated_at" BEFORE UPDATE ON "clusters"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();
--> statement-breakpoint
CREATE TRIGGER "style_profiles_set_updated_at" BEFORE UPDATE ON "style_profiles"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();
--> statement-breakpoint
CREATE TRIGGER "onboarding_sessions_set_updated_at" BEFORE UPDATE ON "onboarding_sessions"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();
--> statement-breakpoint
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

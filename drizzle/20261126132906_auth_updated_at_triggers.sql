CREATE TRIGGER "refresh_tokens_set_updated_at" BEFORE UPDATE ON "refresh_tokens"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();
--> statement-breakpoint
CREATE TRIGGER "rate_limits_set_updated_at" BEFORE UPDATE ON "rate_limits"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();

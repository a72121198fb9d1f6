CREATE TRIGGER "upload_rate_limits_set_updated_at" BEFORE UPDATE ON "upload_rate_limits"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();

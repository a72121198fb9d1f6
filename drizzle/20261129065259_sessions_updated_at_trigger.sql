CREATE TRIGGER "sessions_set_updated_at" BEFORE UPDATE ON "sessions"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();

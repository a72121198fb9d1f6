CREATE TRIGGER "uploads_set_updated_at" BEFORE UPDATE ON "uploads"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();

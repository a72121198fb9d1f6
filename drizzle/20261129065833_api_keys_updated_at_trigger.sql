CREATE TRIGGER "api_keys_set_updated_at" BEFORE UPDATE ON "api_keys"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();

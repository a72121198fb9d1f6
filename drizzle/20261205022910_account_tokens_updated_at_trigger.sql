CREATE TRIGGER "account_tokens_set_updated_at" BEFORE UPDATE ON "account_tokens"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();

CREATE TRIGGER "products_set_updated_at" BEFORE UPDATE ON "products"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();

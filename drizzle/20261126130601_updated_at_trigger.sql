-- Keeps updated_at current on every UPDATE, including raw SQL that bypasses the ORM.
-- Every table with base columns gets a trigger that calls this function (tests check none is missing).
CREATE OR REPLACE FUNCTION "stylipp_set_updated_at"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW."updated_at" := now();
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "users_set_updated_at" BEFORE UPDATE ON "users"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();

CREATE TABLE "background_jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"name" text NOT NULL,
	"run_after" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"locked_by" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"runs" integer DEFAULT 0 NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"last_started_at" timestamp with time zone,
	"last_finished_at" timestamp with time zone,
	CONSTRAINT "background_jobs_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TRIGGER "background_jobs_set_updated_at" BEFORE UPDATE ON "background_jobs"
FOR EACH ROW EXECUTE FUNCTION "stylipp_set_updated_at"();

CREATE TABLE "feed_batches" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" uuid NOT NULL,
	"mode" text NOT NULL,
	"profile_version" integer NOT NULL,
	"category" text,
	"cards" jsonb NOT NULL,
	"relaxations" text[] NOT NULL,
	"served_before" uuid[] NOT NULL,
	"served_count" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feed_decisions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" uuid NOT NULL,
	"batch_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"mode" text NOT NULL,
	"source" text NOT NULL,
	"score" double precision NOT NULL,
	"explanation" text NOT NULL,
	"cosine" double precision,
	"cluster" integer,
	"prior" double precision,
	"price_score" double precision,
	"freshness" double precision NOT NULL,
	"popularity" double precision
);
--> statement-breakpoint
CREATE TABLE "clicks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"batch_id" uuid,
	"position" integer
);
--> statement-breakpoint
CREATE TABLE "exposures" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"session_id" text NOT NULL,
	"feed_mode" text NOT NULL,
	"position" integer NOT NULL,
	"shown_at" timestamp with time zone NOT NULL,
	"action" text,
	"action_at" timestamp with time zone,
	"dwell_ms" integer
);
--> statement-breakpoint
CREATE TABLE "interactions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"action" text NOT NULL,
	"undoes_id" uuid,
	"batch_id" uuid,
	"position" integer
);
--> statement-breakpoint
CREATE TABLE "onboarding_sessions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" uuid NOT NULL,
	"photo_ids" uuid[] NOT NULL,
	"photo_vectors" real[] NOT NULL,
	"model_id" text NOT NULL,
	"dims" integer NOT NULL,
	"cluster_run_id" uuid,
	"primary_clusters" integer[] NOT NULL,
	"diversity_clusters" integer[] NOT NULL,
	"cards" jsonb NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "style_profiles" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" uuid NOT NULL,
	"vector" real[],
	"model_id" text,
	"dims" integer,
	"confidence" double precision DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"source" text NOT NULL,
	"interaction_count" integer DEFAULT 0 NOT NULL,
	"likes" integer DEFAULT 0 NOT NULL,
	"dislikes" integer DEFAULT 0 NOT NULL,
	"price_min" double precision,
	"price_max" double precision,
	"price_median" double precision,
	"price_std" double precision,
	"last_profile_update_at" timestamp with time zone,
	"last_processed_interaction_id" uuid,
	"has_photos" boolean DEFAULT false NOT NULL,
	"onboarded_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cluster_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"model_id" text NOT NULL,
	"dims" integer NOT NULL,
	"k" integer NOT NULL,
	"min_k" integer NOT NULL,
	"max_k" integer NOT NULL,
	"silhouette" double precision NOT NULL,
	"seed" integer NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"product_count" integer NOT NULL,
	"purity" double precision NOT NULL,
	"catalog_snapshot_at" timestamp with time zone NOT NULL,
	"duration_ms" integer NOT NULL,
	"evaluated_ks" integer[] NOT NULL,
	"evaluated_silhouettes" double precision[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "clusters" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"run_id" uuid NOT NULL,
	"index" integer NOT NULL,
	"centroid" real[] NOT NULL,
	"size" integer NOT NULL,
	"prior" double precision NOT NULL,
	"product_ids" uuid[] NOT NULL
);
--> statement-breakpoint
ALTER TABLE "feed_batches" ADD CONSTRAINT "feed_batches_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feed_decisions" ADD CONSTRAINT "feed_decisions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feed_decisions" ADD CONSTRAINT "feed_decisions_batch_id_feed_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."feed_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clicks" ADD CONSTRAINT "clicks_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clicks" ADD CONSTRAINT "clicks_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exposures" ADD CONSTRAINT "exposures_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exposures" ADD CONSTRAINT "exposures_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "onboarding_sessions" ADD CONSTRAINT "onboarding_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "style_profiles" ADD CONSTRAINT "style_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clusters" ADD CONSTRAINT "clusters_run_id_cluster_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."cluster_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "feed_batches_user_created_idx" ON "feed_batches" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "feed_decisions_batch_position_unique" ON "feed_decisions" USING btree ("batch_id","position");--> statement-breakpoint
CREATE INDEX "feed_decisions_created_at_idx" ON "feed_decisions" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "clicks_user_idx" ON "clicks" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "clicks_created_at_idx" ON "clicks" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "exposures_user_product_session_unique" ON "exposures" USING btree ("user_id","product_id","session_id");--> statement-breakpoint
CREATE INDEX "exposures_shown_at_idx" ON "exposures" USING btree ("shown_at");--> statement-breakpoint
CREATE INDEX "interactions_user_order_idx" ON "interactions" USING btree ("user_id","created_at","id");--> statement-breakpoint
CREATE INDEX "interactions_product_created_idx" ON "interactions" USING btree ("product_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "interactions_undoes_id_unique" ON "interactions" USING btree ("undoes_id") WHERE "interactions"."undoes_id" is not null;--> statement-breakpoint
CREATE INDEX "onboarding_sessions_user_id_idx" ON "onboarding_sessions" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "style_profiles_user_id_unique" ON "style_profiles" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "cluster_runs_one_active" ON "cluster_runs" USING btree ("active") WHERE "cluster_runs"."active";--> statement-breakpoint
CREATE INDEX "cluster_runs_created_at_idx" ON "cluster_runs" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "clusters_run_index_unique" ON "clusters" USING btree ("run_id","index");
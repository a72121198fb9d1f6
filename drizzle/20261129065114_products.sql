CREATE TABLE "products" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"store_id" text NOT NULL,
	"external_id" text NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"price" numeric(12, 2) NOT NULL,
	"currency" text DEFAULT 'USD' NOT NULL,
	"product_url" text NOT NULL,
	"category" text NOT NULL,
	"raw_categories" text[] DEFAULT '{}'::text[] NOT NULL,
	"image_key" text NOT NULL,
	"image_sha256" text NOT NULL,
	"source_image_sha256" text NOT NULL,
	"source_image_url" text,
	"image_content_type" text NOT NULL,
	"image_bytes" integer NOT NULL,
	"image_width" integer NOT NULL,
	"image_height" integer NOT NULL,
	"phash" text NOT NULL,
	"duplicate_of_id" uuid,
	"embedding" real[],
	"model_id" text,
	"dims" integer,
	"embed_attempts" integer DEFAULT 0 NOT NULL,
	"archived_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_duplicate_of_id_products_id_fk" FOREIGN KEY ("duplicate_of_id") REFERENCES "public"."products"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "products_store_external_unique" ON "products" USING btree ("store_id","external_id");--> statement-breakpoint
CREATE INDEX "products_category_idx" ON "products" USING btree ("category","id");--> statement-breakpoint
CREATE INDEX "products_updated_at_idx" ON "products" USING btree ("updated_at");
CREATE TABLE "org_events" (
	"id" bigint PRIMARY KEY DEFAULT nextval('call_events_id_seq') NOT NULL,
	"org_id" text NOT NULL,
	"type" text NOT NULL,
	"campaign_id" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "org_events_org_idx" ON "org_events" USING btree ("org_id","id");

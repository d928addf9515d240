ALTER TABLE "organizations" ADD COLUMN "settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "priority" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "held_reason" text;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "campaign_id" text;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "campaign_contact_id" text;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "attempt" integer;--> statement-breakpoint
UPDATE "calls" SET "due_at" = coalesce("scheduled_for", "created_at") WHERE "status" = 'queued';--> statement-breakpoint
CREATE INDEX "calls_due_idx" ON "calls" USING btree ("org_id","priority" DESC,"due_at") WHERE "calls"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "calls_queued_due_idx" ON "calls" USING btree ("due_at") WHERE "calls"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "calls_number_dialed_idx" ON "calls" USING btree ("org_id","to_number","dialed_at");--> statement-breakpoint
CREATE INDEX "calls_campaign_idx" ON "calls" USING btree ("campaign_id","status") WHERE "calls"."campaign_id" is not null;--> statement-breakpoint
CREATE INDEX "calls_campaign_dialed_idx" ON "calls" USING btree ("campaign_id","dialed_at") WHERE "calls"."campaign_id" is not null;--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"agent_id" text NOT NULL,
	"from_number" text,
	"status" text DEFAULT 'draft' NOT NULL,
	"schedule" jsonb,
	"max_concurrency" integer,
	"calls_per_minute" integer,
	"retry" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"variables" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "campaign_contacts" (
	"id" text PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"org_id" text NOT NULL,
	"seq" integer NOT NULL,
	"phone" text NOT NULL,
	"timezone" text,
	"fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"variables" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"held_reason" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"attempts_by_reason" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_call_id" text,
	"result" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "do_not_call" (
	"org_id" text NOT NULL,
	"number" text NOT NULL,
	"reason" text,
	"source" text DEFAULT 'api' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "do_not_call_pk" PRIMARY KEY("org_id","number")
);
--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_contacts" ADD CONSTRAINT "campaign_contacts_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "campaigns_org_idx" ON "campaigns" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "campaigns_running_idx" ON "campaigns" USING btree ("org_id") WHERE "campaigns"."status" = 'running';--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_contacts_phone_idx" ON "campaign_contacts" USING btree ("campaign_id","phone");--> statement-breakpoint
CREATE INDEX "campaign_contacts_seq_idx" ON "campaign_contacts" USING btree ("campaign_id","seq");--> statement-breakpoint
CREATE INDEX "campaign_contacts_due_idx" ON "campaign_contacts" USING btree ("campaign_id","next_attempt_at") WHERE "campaign_contacts"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "campaign_contacts_status_idx" ON "campaign_contacts" USING btree ("campaign_id","status","result");

ALTER TABLE "calls" ADD COLUMN "line_options" jsonb;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "transfer" jsonb;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "amd" jsonb;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "recording" jsonb;--> statement-breakpoint
CREATE INDEX "calls_recording_idx" ON "calls" USING btree ("ended_at") WHERE "recording" is not null;

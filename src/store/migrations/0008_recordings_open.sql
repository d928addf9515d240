CREATE INDEX "calls_recording_open_idx" ON "calls" USING btree ("ended_at") WHERE "recording"->>'status' = 'recording';

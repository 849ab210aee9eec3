-- The delivery worker's marks: the next hop's reference for a sent delivery (to match SMS
-- delivery receipts), when a receipt confirmed it, and when it failed for good. Status gains
-- `delivered`.
ALTER TABLE deliveries ADD COLUMN reference TEXT;
ALTER TABLE deliveries ADD COLUMN delivered_at BIGINT;
ALTER TABLE deliveries ADD COLUMN failed_at BIGINT;
CREATE INDEX deliveries_reference ON deliveries (reference);

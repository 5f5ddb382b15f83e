CREATE TABLE `serial_sets` (
	`root` text PRIMARY KEY NOT NULL,
	`batch_id` integer NOT NULL,
	`salt` text NOT NULL,
	`count` integer NOT NULL,
	`uploaded_by` text NOT NULL,
	`issued_seq` integer
);
--> statement-breakpoint
CREATE TABLE `serials` (
	`hash` blob PRIMARY KEY NOT NULL,
	`set_root` text NOT NULL,
	`scans` integer DEFAULT 0 NOT NULL,
	`first_scan_at` text
);
--> statement-breakpoint
CREATE INDEX `serials_set` ON `serials` (`set_root`);
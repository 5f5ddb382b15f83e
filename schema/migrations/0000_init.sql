CREATE TABLE `actor_keys` (
	`actor` text NOT NULL,
	`pub` text NOT NULL,
	`from_seq` integer NOT NULL,
	`until_seq` integer,
	PRIMARY KEY(`actor`, `from_seq`)
);
--> statement-breakpoint
CREATE TABLE `actors` (
	`id` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`name` text NOT NULL,
	`pub` text,
	`registered_seq` integer NOT NULL,
	`revoked_seq` integer
);
--> statement-breakpoint
CREATE TABLE `batch_links` (
	`input` integer NOT NULL,
	`output` integer NOT NULL,
	`seq` integer NOT NULL,
	`amount` integer NOT NULL,
	PRIMARY KEY(`input`, `output`)
);
--> statement-breakpoint
CREATE INDEX `batch_links_output` ON `batch_links` (`output`,`input`);--> statement-breakpoint
CREATE TABLE `batches` (
	`id` integer PRIMARY KEY NOT NULL,
	`gtin` text NOT NULL,
	`lot` text NOT NULL,
	`producer` text NOT NULL,
	`seq` integer NOT NULL,
	`uom` text NOT NULL,
	`amount` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `batches_gtin_lot` ON `batches` (`gtin`,`lot`);--> statement-breakpoint
CREATE TABLE `certificates` (
	`signer` text NOT NULL,
	`id` text NOT NULL,
	`subject_actor` text,
	`subject_batch_id` integer,
	`valid_from` text NOT NULL,
	`valid_until` text NOT NULL,
	`seq` integer NOT NULL,
	`revoked_seq` integer,
	PRIMARY KEY(`signer`, `id`)
);
--> statement-breakpoint
CREATE INDEX `certificates_actor` ON `certificates` (`subject_actor`);--> statement-breakpoint
CREATE INDEX `certificates_batch` ON `certificates` (`subject_batch_id`);--> statement-breakpoint
CREATE TABLE `checkpoints` (
	`size` integer PRIMARY KEY NOT NULL,
	`root` blob NOT NULL,
	`note` text NOT NULL,
	`signed_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `documents` (
	`sha256` text PRIMARY KEY NOT NULL,
	`media_type` text NOT NULL,
	`size` integer NOT NULL,
	`uploaded_by` text NOT NULL,
	`uploaded_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `entries` (
	`seq` integer PRIMARY KEY NOT NULL,
	`hash` blob NOT NULL,
	`leaf` blob NOT NULL,
	`logged_at` text NOT NULL,
	`type` text NOT NULL,
	`actor` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `holdings` (
	`batch_id` integer NOT NULL,
	`actor` text NOT NULL,
	`amount` integer NOT NULL,
	PRIMARY KEY(`batch_id`, `actor`)
);
--> statement-breakpoint
CREATE TABLE `lab_reports` (
	`signer` text NOT NULL,
	`id` text NOT NULL,
	`batch_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`self_test` integer NOT NULL,
	`revoked_seq` integer,
	PRIMARY KEY(`signer`, `id`)
);
--> statement-breakpoint
CREATE INDEX `lab_reports_batch` ON `lab_reports` (`batch_id`);--> statement-breakpoint
CREATE TABLE `nonces` (
	`actor` text NOT NULL,
	`nonce` text NOT NULL,
	PRIMARY KEY(`actor`, `nonce`)
);
--> statement-breakpoint
CREATE TABLE `recall_batches` (
	`batch_id` integer NOT NULL,
	`signer` text NOT NULL,
	`recall_id` text NOT NULL,
	PRIMARY KEY(`batch_id`, `signer`, `recall_id`)
);
--> statement-breakpoint
CREATE TABLE `recalls` (
	`signer` text NOT NULL,
	`id` text NOT NULL,
	`seq` integer NOT NULL,
	`closed_seq` integer,
	PRIMARY KEY(`signer`, `id`)
);
--> statement-breakpoint
CREATE TABLE `shipments` (
	`signer` text NOT NULL,
	`id` text NOT NULL,
	`batch_id` integer NOT NULL,
	`to_actor` text NOT NULL,
	`amount` integer NOT NULL,
	`seq` integer NOT NULL,
	`receive_seq` integer,
	`outcome` text,
	PRIMARY KEY(`signer`, `id`)
);
--> statement-breakpoint
CREATE INDEX `shipments_batch` ON `shipments` (`batch_id`,`seq`);--> statement-breakpoint
CREATE TABLE `tree_nodes` (
	`level` integer NOT NULL,
	`idx` integer NOT NULL,
	`hash` blob NOT NULL,
	PRIMARY KEY(`level`, `idx`)
);

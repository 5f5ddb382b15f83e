-- The ledger tables are append-only in the database itself (SPEC §2: entries are never updated
-- or deleted). Any UPDATE or DELETE aborts the statement and its transaction.
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries BEGIN SELECT RAISE(ABORT, 'lotproof: entries are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries BEGIN SELECT RAISE(ABORT, 'lotproof: entries are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER tree_nodes_no_update BEFORE UPDATE ON tree_nodes BEGIN SELECT RAISE(ABORT, 'lotproof: tree_nodes are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER tree_nodes_no_delete BEFORE DELETE ON tree_nodes BEGIN SELECT RAISE(ABORT, 'lotproof: tree_nodes are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints BEGIN SELECT RAISE(ABORT, 'lotproof: checkpoints are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'lotproof: checkpoints are append-only'); END;

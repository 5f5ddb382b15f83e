-- tree_nodes is keyed by each node's position in the order the log makes them (schema.ts), so
-- that a group commit writes its nodes as one run at the end of one B-tree. The nodes are
-- derived data: the old table is dropped, and at start-up the log rebuilds the tree from its
-- entries (Integrator.catchUp) and checks it against its last signed checkpoint before serving.
DROP TABLE `tree_nodes`;
--> statement-breakpoint
CREATE TABLE `tree_nodes` (
	`pos` integer PRIMARY KEY NOT NULL,
	`hash` blob NOT NULL
);
--> statement-breakpoint
CREATE TRIGGER tree_nodes_no_update BEFORE UPDATE ON tree_nodes BEGIN SELECT RAISE(ABORT, 'lotproof: tree_nodes are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER tree_nodes_no_delete BEFORE DELETE ON tree_nodes BEGIN SELECT RAISE(ABORT, 'lotproof: tree_nodes are append-only'); END;
--> statement-breakpoint
CREATE TRIGGER tree_nodes_no_replace BEFORE INSERT ON tree_nodes WHEN EXISTS (SELECT 1 FROM tree_nodes WHERE pos = NEW.pos) BEGIN SELECT RAISE(ABORT, 'lotproof: tree_nodes are append-only'); END;

import { defineConfig } from 'drizzle-kit';

// Migrations are generated from schema/schema.ts into schema/migrations and committed;
// the service applies them at start-up (src/store/sqlite.ts).
export default defineConfig({
  dialect: 'sqlite',
  schema: './schema/schema.ts',
  out: './schema/migrations',
});

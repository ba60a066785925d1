package sqlqueue

import "embed"

// migrations holds the queue's schema, one directory per dialect.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// migrationComponent is the queue's name in the zohokit_migrations table.
const migrationComponent = "queue"

/** What the system check proves: a workflow ran on a worker, and its activity reached the database. */
export interface SystemCheckResult {
  workflowId: string;
  database: DatabaseCheck;
  completedAt: Date;
}

export interface DatabaseCheck {
  serverVersion: string;
  appliedMigrations: number;
  latestMigration: string | null;
  checkedAt: Date;
}

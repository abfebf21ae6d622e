// The baseline's one activity: a round trip through Temporal and nothing else.
export const idleActivities = {
  async doNothing(): Promise<void> {},
};

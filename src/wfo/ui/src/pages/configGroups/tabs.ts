/** The sections of a config group, in the manual's order; each is a tab and a link in the group list. */
export const GROUP_TABS = [
  { path: "hadoop", label: "Hadoop", heading: "Hadoop configuration" },
  { path: "spark", label: "Spark", heading: "Spark configuration" },
  { path: "kerberos", label: "Kerberos", heading: "Kerberos configuration" },
  { path: "livy", label: "Livy", heading: "Livy configuration" },
  { path: "runtime", label: "Runtime", heading: "Runtime: Dask and Python environments" },
] as const;

export type GroupTab = (typeof GROUP_TABS)[number]["path"];

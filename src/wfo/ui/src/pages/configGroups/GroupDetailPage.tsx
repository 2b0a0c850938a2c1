/** One config group: its name and the Hadoop | Spark | Kerberos | Livy | Runtime tabs, each at its own address. */
import { Badge, Flex, Heading, Link, Tabs, Text } from "@chakra-ui/react";
import { Navigate, Link as RouterLink, Route, Routes, useParams } from "react-router-dom";

import { configGroups } from "../../api/configGroups";
import { ErrorAlert } from "../../components/ErrorAlert";
import { useAppPath } from "../../hooks/useAppPath";
import { useAsync } from "../../hooks/useAsync";
import { formatTime } from "../../time";
import { HadoopFileEditor } from "./HadoopFileEditor";
import { HadoopTab } from "./HadoopTab";
import { KerberosTab } from "./KerberosTab";
import { LivyTab } from "./LivyTab";
import { RuntimeTab } from "./RuntimeTab";
import { SparkTab } from "./SparkTab";
import { GroupChangedContext } from "./groupChanged";
import { GROUP_TABS } from "./tabs";

export function GroupDetailPage() {
  const params = useParams();
  const name = params.name ?? "";
  const current = (params["*"] ?? "").split("/")[0] || "hadoop";
  const appPath = useAppPath();
  const base = `config-groups/${encodeURIComponent(name)}`;
  const detail = useAsync((signal) => configGroups().get(name, signal), [name]);

  return (
    <>
      <Flex align="center" gap={2} mb={1} wrap="wrap">
        <Link asChild color="fg.info" fontSize="sm">
          <RouterLink data-testid="group-back" to={appPath("config-groups")}>
            Config groups
          </RouterLink>
        </Link>
        <Text color="fg.muted" fontSize="sm">
          /
        </Text>
      </Flex>
      <Flex align="center" gap={3} mb={3} wrap="wrap">
        <Heading as="h2" data-testid="group-title" size="lg">
          {name}
        </Heading>
        {detail.data?.is_default ? (
          <Badge colorPalette="green" data-testid="group-detail-default">
            Default group
          </Badge>
        ) : null}
        {detail.data?.updated_at ? (
          <Text color="fg.muted" data-testid="group-last-changed" fontSize="xs">
            Last changed {formatTime(detail.data.updated_at)}
            {detail.data.updated_by ? ` by ${detail.data.updated_by}` : ""}
          </Text>
        ) : null}
      </Flex>
      {/* A failed reread after a save keeps the tabs (and what the user typed) on screen. */}
      {detail.status === "error" && detail.data === undefined ? (
        <ErrorAlert error={detail.error} onRetry={detail.reload} testId="group-load-error" />
      ) : (
        <>
          <Tabs.Root mb={4} value={current} variant="line">
            <Tabs.List>
              {GROUP_TABS.map((tab) => (
                <Tabs.Trigger asChild key={tab.path} value={tab.path}>
                  <RouterLink data-testid={`group-tab-${tab.path}`} to={appPath(`${base}/${tab.path}`)}>
                    {tab.label}
                  </RouterLink>
                </Tabs.Trigger>
              ))}
            </Tabs.List>
          </Tabs.Root>
          <GroupChangedContext.Provider value={detail.reload}>
            <Routes>
              <Route element={<Navigate replace to={appPath(`${base}/hadoop`)} />} index />
              <Route element={<HadoopTab group={name} />} path="hadoop" />
              <Route element={<HadoopFileEditor group={name} />} path="hadoop/:file" />
              <Route element={<SparkTab group={name} />} path="spark" />
              <Route element={<KerberosTab group={name} />} path="kerberos" />
              <Route element={<LivyTab group={name} />} path="livy" />
              <Route element={<RuntimeTab group={name} />} path="runtime" />
              <Route element={<Text data-testid="wfo-not-found">There is no such section of a config group.</Text>} path="*" />
            </Routes>
          </GroupChangedContext.Provider>
        </>
      )}
    </>
  );
}

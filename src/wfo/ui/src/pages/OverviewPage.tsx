import { Card, Link, SimpleGrid, Text } from "@chakra-ui/react";
import { Link as RouterLink } from "react-router-dom";

import { PageHeader } from "../components/PageHeader";
import { useAppPath } from "../hooks/useAppPath";
import { useCurrentUser } from "../hooks/useMe";
import { visiblePages } from "../nav";

export function OverviewPage() {
  const me = useCurrentUser();
  const pages = visiblePages(me);
  const appPath = useAppPath();

  return (
    <>
      <PageHeader
        description="wfo adds to Airflow what Spark and ML teams need: config groups for each cluster (Hadoop, Spark, Kerberos, Livy), Spark dependencies and versioned code artifacts, DAG files written and reviewed in the browser with code bricks, task SLAs, JupyterLab notebooks with the cluster's kernels, exploratory data analysis, versioned models and datasets served over REST, a link to the team's dashboard, and an audit trail of every change."
        title="Overview"
      />
      {pages.length === 0 ? (
        <Text data-testid="wfo-no-pages">
          Your roles give you no wfo pages yet. Ask an administrator for access.
        </Text>
      ) : (
        <SimpleGrid columns={{ base: 1, lg: 3, md: 2 }} gap={4}>
          {pages.map((page) => (
            <Card.Root data-testid={`wfo-card-${page.path}`} key={page.path} size="sm" variant="outline">
              <Card.Body gap={2}>
                <Card.Title>
                  <Link asChild color="fg.info" fontWeight="semibold">
                    <RouterLink to={appPath(page.path)}>{page.label}</RouterLink>
                  </Link>
                </Card.Title>
                <Card.Description>{page.description}</Card.Description>
              </Card.Body>
            </Card.Root>
          ))}
        </SimpleGrid>
      )}
    </>
  );
}
